// Runs one pose-edge subcommand in-process through buildProgram() and returns what it wrote to stdout.
// In-process (not a child process) so suites can inject hooks and read the JSON contract quickly;
// test/cli/bin.test.ts covers the real entry point separately.
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { reportFatal } from '../../src/cli/errors.ts';

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

export interface CliResult {
  stdout: string;
  stderr: string;
  /** What the command threw (null when it finished normally). */
  err: unknown;
}

/**
 * Like runCli, but never throws: returns stdout, stderr and the error. `onStdout` and `onStderr` see each
 * chunk as it is written (e.g. to act once the stream shows some packets, or once a server says its URL).
 */
export async function runCliResult(
  command: string,
  args: string[],
  onStdout?: (chunk: string, all: string) => void,
  onStderr?: (chunk: string, all: string) => void,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    onStdout?.(String(chunk), stdout);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    onStderr?.(String(chunk), stderr);
    return true;
  });
  let err: unknown = null;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', command, ...args]);
  } catch (e) {
    err = e;
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
  return { stdout, stderr, err };
}

/** What the CLI's top level prints on stderr for an error, and its exit code (src/cli/errors.ts). */
export function reportedError(err: unknown): { stderr: string; exitCode: number } {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { exitCode: reportFatal(err), stderr };
  } finally {
    spy.mockRestore();
  }
}
