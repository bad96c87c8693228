// hostUs: the generated C built with gcc -O2 for the host, timed by a small C harness (c/time_host.c)
// inside one process, one thread. The harness also returns the outputs of every window, so the accuracy
// reported next to the time is the accuracy of exactly the code that was timed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchError } from './errors.ts';
import { WINDOW_VALUES } from '../../data/window.ts';

const execFileP = promisify(execFile);

export const HARNESS_SOURCE = fileURLToPath(new URL('./c/time_host.c', import.meta.url));
/** The flags every host build of the generated kernel uses (src/host/virtual-node.ts recipe: -O2, the
 * arena's type punning needs -fno-strict-aliasing). */
export const HOST_FLAGS = ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-fno-strict-aliasing'];

export interface HostTiming {
  medianNs: number;
  p10Ns: number;
  p90Ns: number;
  runs: number;
  /** The outputs of every window, int16 [n][34]. */
  outputs: Int16Array;
}

/** Builds the harness against the model directory (cached by the hash of its sources) and returns its path. */
export async function buildHostHarness(modelDir: string, buildDir: string, extraSources: string[] = []): Promise<string> {
  const sources = [HARNESS_SOURCE, ...extraSources, ...readdirSync(modelDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(modelDir, f))];
  const h = createHash('sha256').update(JSON.stringify(HOST_FLAGS));
  for (const s of sources) h.update(s).update(readFileSync(s));
  for (const sub of ['', 'kernels']) { // kernels/: the kernel headers pose_kernels.h includes
    const d = join(modelDir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((x) => /\.(h|inc)$/.test(x)).sort()) h.update(join(sub, f)).update(readFileSync(join(d, f)));
  }
  const dir = join(buildDir, `time-host-${h.digest('hex').slice(0, 16)}`);
  const exe = join(dir, 'time_host');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.tmp${process.pid}`;
  try {
    await execFileP('gcc', [...HOST_FLAGS, `-I${modelDir}`, ...sources, '-o', tmp], { maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new BenchError(`building the host timing harness for ${modelDir} failed:\n${(err.stderr ?? err.message).trim()}`);
  }
  renameSync(tmp, exe);
  return exe;
}

/** Runs the harness on `windows` (int16 [n][WINDOW_VALUES]) for `runs` timed inferences. */
export async function timeHost(exe: string, windows: Int16Array, runs: number, workDir: string): Promise<HostTiming> {
  const n = windows.length / WINDOW_VALUES;
  mkdirSync(workDir, { recursive: true });
  const inPath = join(workDir, `windows-${process.pid}.bin`);
  const outPath = join(workDir, `outputs-${process.pid}.bin`);
  writeFileSync(inPath, windows);
  let stdout: string;
  try {
    ({ stdout } = await execFileP(exe, [inPath, String(n), String(runs), outPath]));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new BenchError(`${exe}: host timing run failed: ${(err.stderr ?? err.message).trim()}`);
  }
  const m = /^(\d+) (\d+) (\d+) (\d+)$/m.exec(stdout);
  if (!m) throw new BenchError(`${exe}: unexpected harness output '${stdout.trim()}'`);
  const buf = readFileSync(outPath);
  rmSync(inPath, { force: true });
  rmSync(outPath, { force: true });
  return {
    medianNs: Number(m[1]), p10Ns: Number(m[2]), p90Ns: Number(m[3]), runs: Number(m[4]),
    outputs: new Int16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2),
  };
}
