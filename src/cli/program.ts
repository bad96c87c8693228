// The pose-edge command-line program. Each subcommand lives in its own module under src/cli/commands/
// and registers itself here; tests call buildProgram() and parse argv in-process.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const TOOL_VERSION: string = pkg.version;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pose-edge')
    .description('ESP32 edge toolchain for WiFi-CSI pose models: compile ONNX to a fixed-point C kernel, flash, stream, check parity')
    .version(TOOL_VERSION)
    .showHelpAfterError();
  return program;
}
