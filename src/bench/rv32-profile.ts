// rv32imc instructions per op (docs/performance.md, "Where the rv32 instructions go"): the batch program is
// built once per op boundary k with POSE_MODEL_OP_BEGIN(i) defined to return before op k, and each build is
// counted under qemu-riscv32 on one window; op k's count is the difference of builds k + 1 and k. Slow
// (one build and one count per op), so only the performance document uses it.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { countInstructions } from '../../bench/rv32-count.ts';
import { recipe } from '../host/virtual-node.ts';
import { BenchError } from './errors.ts';

const execFileP = promisify(execFile);

export async function rv32PerOp(modelDir: string, opCount: number, window: Int16Array, workDir: string): Promise<number[]> {
  const r = recipe('batch', 'rv32', modelDir);
  const dir = join(workDir, `rv32-profile-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const input = Buffer.from(window.buffer, window.byteOffset, window.byteLength);
  try {
    const totals: number[] = [];
    for (let k = 0; k <= opCount; k++) {
      const elf = join(dir, `stop${k}.elf`);
      const args = [...r.flags, `-DPOSE_MODEL_OP_BEGIN(i)=if ((i) >= ${k}) return;`, ...r.includes.map((i) => `-I${i}`), ...r.sources, '-o', elf];
      await execFileP(r.cc, args, { maxBuffer: 16 << 20 });
      totals.push((await countInstructions(elf, input)).instructions);
    }
    return totals.slice(1).map((t, k) => t - totals[k]);
  } catch (e) {
    throw new BenchError(`rv32 per-op profile of ${modelDir} failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
