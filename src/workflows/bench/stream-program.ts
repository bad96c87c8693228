// The streaming batch program (c/stream_main.c) built like the firmware batch program (same compiler,
// flags and I/O layer as src/host/virtual-node.ts's recipe) for the host; for rv32imc rv32-build.ts builds it
// as ESP-IDF would;
// and rv32InstructionsPerPacket: instructions of one pushed packet plus one streaming inference, in the
// steady state (every window full), from two runs of different lengths so start-up, the first window's
// fill and exit cancel out.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { countInstructions } from './rv32-count.ts';
import { LINUX_DIR, recipe } from '../../host/virtual-node.ts';
import { BenchError } from './errors.ts';

const execFileP = promisify(execFile);

export const STREAM_MAIN = fileURLToPath(new URL('./c/stream_main.c', import.meta.url));

export async function buildStreamProgram(modelDir: string, target: 'host' | 'sanitize', buildDir: string): Promise<string> {
  const r = recipe('batch', target, modelDir);
  const sources = r.sources.map((s) => (s === join(LINUX_DIR, 'batch_main.c') ? STREAM_MAIN : s));
  const h = createHash('sha256').update(JSON.stringify([r.cc, r.flags, sources]));
  for (const s of sources) h.update(readFileSync(s));
  for (const sub of ['', 'kernels']) { // kernels/: the kernel headers pose_kernels.h includes
    const d = join(modelDir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((x) => /\.([ch]|inc)$/.test(x)).sort()) h.update(join(sub, f)).update(readFileSync(join(d, f)));
  }
  const dir = join(buildDir, `stream-${target}-${h.digest('hex').slice(0, 16)}`);
  const exe = join(dir, 'stream');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.tmp${process.pid}`;
  try {
    await execFileP(r.cc, [...r.flags, ...r.includes.map((i) => `-I${i}`), ...sources, '-o', tmp], { maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new BenchError(`building the streaming program for ${target} with model ${modelDir} failed:\n${(err.stderr ?? err.message).trim()}`);
  }
  renameSync(tmp, exe);
  return exe;
}

/** Raw packets [count][F] of consecutive windows' packets, in the order they would arrive. */
export function packetsOf(windows: Int16Array, F: number, P: number, count: number): Int16Array {
  const out = new Int16Array(count * F);
  for (let k = 0; k < count; k++) {
    const w = Math.floor(k / P) * F * P;
    const p = k % P;
    for (let f = 0; f < F; f++) out[k * F + f] = windows[w + f * P + p];
  }
  return out;
}

/** rv32 instructions per packet (push + one streaming inference) in the steady state. */
export async function rv32InstructionsPerPacket(elf: string, packets: Int16Array, F: number, P: number, extra: number): Promise<number> {
  const bytes = (k: number) => Buffer.from(packets.buffer, packets.byteOffset, k * F * 2);
  try {
    const a = await countInstructions(elf, bytes(P));
    const b = await countInstructions(elf, bytes(P + extra));
    return (b.instructions - a.instructions) / extra;
  } catch (e) {
    throw new BenchError(`${elf}: counting streaming instructions under qemu-riscv32 failed: ${(e as Error).message}`);
  }
}
