// Parses argv and runs the program; all behaviour lives in program.ts so tests can drive it in-process.
import { buildProgram } from './program.ts';
import { reportFatal } from './errors.ts';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.exitCode = reportFatal(err);
  });
