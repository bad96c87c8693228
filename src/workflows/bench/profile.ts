// Host per-op profile (docs/performance.md, "Where the time goes"): the generated C built with its per-op
// hooks (POSE_MODEL_OP_BEGIN/END) timing each op; mean nanoseconds per op over the runs.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchError } from './errors.ts';
import { HOST_FLAGS } from './host-timing.ts';
import { WINDOW_VALUES } from '../../data/window.ts';

const execFileP = promisify(execFile);
const C_DIR = fileURLToPath(new URL('./c/', import.meta.url));

export async function profileHost(modelDir: string, windows: Int16Array, runs: number, workDir: string): Promise<Map<number, number>> {
  mkdirSync(workDir, { recursive: true });
  const exe = join(workDir, `profile-${process.pid}`);
  const inPath = join(workDir, `profile-windows-${process.pid}.bin`);
  const model = readdirSync(modelDir).filter((f) => f.endsWith('.c')).map((f) => join(modelDir, f));
  try {
    await execFileP('gcc', [
      ...HOST_FLAGS, `-I${modelDir}`, `-I${C_DIR}`, '-include', join(C_DIR, 'profile_hooks.h'),
      '-DPOSE_MODEL_OP_BEGIN(i)=pm_prof_begin(i)', '-DPOSE_MODEL_OP_END(i)=pm_prof_end(i)',
      join(C_DIR, 'profile_host.c'), ...model, '-o', exe,
    ]);
    writeFileSync(inPath, windows);
    const { stdout } = await execFileP(exe, [inPath, String(windows.length / WINDOW_VALUES), String(runs)]);
    const perOp = new Map<number, number>();
    for (const line of stdout.trim().split('\n')) {
      const [i, ns] = line.split(' ');
      perOp.set(Number(i), Number(ns));
    }
    return perOp;
  } catch (e) {
    throw new BenchError(`host profile of ${modelDir} failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  } finally {
    rmSync(exe, { force: true });
    rmSync(inPath, { force: true });
  }
}
