// Builds a generated component with the host gcc (plus the window driver) and runs it on int16 windows.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const STRICT_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-fno-strict-aliasing'];
const DRIVER = new URL('./driver.c', import.meta.url).pathname;

/** Writes the component files to a fresh temp dir and builds the driver; returns the executable path. */
export function buildHost(files: Map<string, string>, cc = 'gcc', opt: string[] = ['-O2']): string {
  const dir = mkdtempSync(join(tmpdir(), 'pe-comp-'));
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true }); // kernels/
    writeFileSync(join(dir, name), text);
  }
  const exe = join(dir, 'driver');
  execFileSync(cc, [...STRICT_FLAGS, ...opt, `-I${dir}`, join(dir, 'pose_model.c'), join(dir, 'pose_weights.c'), DRIVER, '-o', exe], { stdio: 'pipe' });
  return exe;
}

/** Runs the driver over windows (n x inputLen int16) and returns n x outputLen int16. */
export function runHost(exe: string, windows: Int16Array, inputLen: number, outputLen: number): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'pe-run-'));
  const inPath = join(dir, 'in.bin');
  const outPath = join(dir, 'out.bin');
  writeFileSync(inPath, new Uint8Array(windows.buffer, windows.byteOffset, windows.byteLength));
  execFileSync(exe, [inPath, outPath], { stdio: 'pipe' });
  const bytes = readFileSync(outPath);
  const out = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (out.length !== (windows.length / inputLen) * outputLen) {
    throw new Error(`driver wrote ${out.length} values for ${windows.length / inputLen} windows of output ${outputLen}`);
  }
  return out;
}

/** Compiles (no link) the component with a cross compiler under the strict flags; returns the object paths. */
export function crossCompile(files: Map<string, string>, cc: string, extra: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pe-cross-'));
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true }); // kernels/
    writeFileSync(join(dir, name), text);
  }
  const objs: string[] = [];
  for (const src of ['pose_model.c', 'pose_weights.c']) {
    const obj = join(dir, src.replace(/\.c$/, '.o'));
    execFileSync(cc, [...STRICT_FLAGS, ...extra, '-O2', '-c', `-I${dir}`, join(dir, src), '-o', obj], { stdio: 'pipe' });
    objs.push(obj);
  }
  return objs;
}
