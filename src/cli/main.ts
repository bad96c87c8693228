// Parses argv and runs the program; all behaviour lives in program.ts so tests can drive it in-process.
import { buildProgram } from './program.ts';
import { reportFatal } from './errors.ts';

let finished = false;
// A command whose promise never settles (a wait on something that can no longer answer) would let Node
// exit 0 once nothing is left to run: a false success. That is a bug, and it is reported as one.
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  process.stderr.write('pose-edge: internal error: the command stopped without finishing (a wait that can never end)\n');
  process.exitCode = 70;
});

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.exitCode = reportFatal(err);
  })
  .finally(() => {
    finished = true;
  });
