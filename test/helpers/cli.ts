// Runs one pose-edge subcommand in-process through buildProgram() and returns what it wrote to stdout.
// In-process (not a child process) so suites can inject hooks and read the JSON contract quickly;
// test/cli/bin.test.ts covers the real entry point separately.
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

export async function runCli(command: string, args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', command, ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}
