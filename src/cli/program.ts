// The pose-edge command-line program. Each subcommand lives in its own module under src/cli/commands/
// and exports register(program); tests call buildProgram() and parse argv in-process.
import { Command } from 'commander';
import { TOOL_VERSION } from '../version.ts';
import { register as registerEval } from './commands/eval.ts';
import { register as registerSynth } from './commands/synth.ts';
import { register as registerFlash } from './commands/flash.ts';
import { register as registerNode } from './commands/node.ts';
import { register as registerCompile } from './commands/compile.ts';
import { register as registerParity } from './commands/parity.ts';
import { register as registerStream } from './commands/stream.ts';
import { register as registerView } from './commands/view.ts';
import { register as registerBench } from './commands/bench.ts';
import { register as registerDemo } from './commands/demo.ts';
import { register as registerImport } from './commands/import.ts';

export { TOOL_VERSION };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pose-edge')
    .description('ESP32 edge toolchain for WiFi-CSI pose models: compile ONNX to a fixed-point C kernel, flash, stream, check parity')
    .version(TOOL_VERSION)
    .showHelpAfterError();
  // Subcommands register here, one line each.
  registerEval(program);
  registerSynth(program);
  registerFlash(program);
  registerNode(program);
  registerCompile(program);
  registerParity(program);
  registerStream(program);
  registerView(program);
  registerImport(program);
  registerBench(program);
  registerDemo(program);
  return program;
}
