// rv32imc instructions per op of one inference (docs/performance.md, "Where the rv32 instructions go";
// `npx tsx bench/rv32-profile.ts` prints it for any component). The batch program is the one bench/rv32-count.ts
// counts (rv32-build.ts: ESP-IDF's compile line, which carries -ggdb);
// qemu-riscv32 logs every translated block (in_asm) and every block executed (exec,nochain). Each executed
// instruction is attributed, through addr2line's inline chain, to the line of pose_model.c it was inlined
// into, and that line to the op comment ("[N] op name") above it; kernels called out of line belong to the
// op that called them. One build, one run: the counts are those of the binary that ships.
import { execFile, spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { buildRv32Program } from './rv32-build.ts';
import type { Rv32Variant } from './idf-flags.ts';
import { BenchError } from './errors.ts';

const execFileP = promisify(execFile);

/** The translated blocks (start -> instruction addresses) and the sequence of blocks executed. */
export async function trace(elf: string, input: Buffer): Promise<{ blocks: Map<number, number[]>; executed: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pose-edge-prof-'));
  const fifo = join(dir, 'log');
  await execFileP('mkfifo', [fifo]);
  try {
    return await new Promise((resolve, reject) => {
      const p = spawn('qemu-riscv32', ['-d', 'in_asm,exec,nochain', '-D', fifo, elf], { stdio: ['pipe', 'ignore', 'inherit'] });
      const blocks = new Map<number, number[]>();
      const executed: number[] = [];
      let current: number[] | null = null;
      const rl = createInterface({ input: createReadStream(fifo), crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (line.startsWith('Trace ')) {
          const m = /\[[0-9a-f]+\/([0-9a-f]+)\//.exec(line);
          if (m) executed.push(parseInt(m[1], 16));
        } else if (line.startsWith('IN:')) {
          current = [];
        } else if (current && /^0x[0-9a-f]+:/.test(line)) {
          const a = parseInt(line.slice(2, line.indexOf(':')), 16);
          if (current.length === 0) blocks.set(a, current);
          current.push(a);
        } else if (line.trim() === '') current = null;
      });
      p.on('error', reject);
      p.stdin.end(input);
      rl.on('close', () => resolve({ blocks, executed }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where an instruction comes from: a line of pose_model.c inside pose_model_run (the outermost inline
 * frame), a kernel or generated helper called out of line (a pk_* or pm_* symbol: 'kernel'), or anything else
 * (driver, I/O, libc: 'other'). Symbols decide the last two because gcc's line table attributes the body
 * of a function defined by a macro to the file that included it. */
type Origin = number | 'kernel' | 'other';

export async function origins(elf: string, addrs: number[]): Promise<Map<number, Origin>> {
  const { stdout: nm } = await execFileP('riscv64-unknown-elf-nm', ['-S', elf], { maxBuffer: 64 << 20 });
  const funcs: { start: number; end: number; name: string }[] = [];
  for (const line of nm.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) [tT] (\S+)$/.exec(line);
    if (m) funcs.push({ start: parseInt(m[1], 16), end: parseInt(m[1], 16) + parseInt(m[2], 16), name: m[3] });
  }
  const funcOf = (a: number) => funcs.find((f) => a >= f.start && a < f.end)?.name ?? '';
  const out = new Map<number, Origin>();
  const inRun: number[] = [];
  for (const a of addrs) {
    const f = funcOf(a);
    if (f === 'pose_model_run') inRun.push(a);
    else out.set(a, f.startsWith('pk_') || f.startsWith('pm_') ? 'kernel' : 'other');
  }
  const chunk = 4000;
  for (let i = 0; i < inRun.length; i += chunk) {
    const part = inRun.slice(i, i + chunk);
    const { stdout } = await execFileP('riscv64-unknown-elf-addr2line', ['-i', '-a', '-e', elf, ...part.map((a) => '0x' + a.toString(16))], { maxBuffer: 256 << 20 });
    let addr = -1;
    let line = 0;
    const flush = () => {
      if (addr >= 0) out.set(addr, line);
    };
    for (const l of stdout.split('\n')) {
      if (/^0x[0-9a-f]+$/.test(l)) {
        flush();
        addr = parseInt(l, 16);
        line = 0;
      } else {
        const m = /pose_model\.c:(\d+)/.exec(l);
        if (m) line = Number(m[1]); // the last frame is the outermost: the call site in pose_model_run
      }
    }
    flush();
  }
  return out;
}

export interface Rv32OpProfile {
  /** Instructions per op, in op order. */
  perOp: number[];
  /** Everything outside the ops: the batch program's driver and I/O, minus start-up (an empty run). */
  other: number;
}

/** Instructions of each op (and of the rest) over the given windows (int16 input format, concatenated). */
export async function rv32Profile(modelDir: string, opCount: number, windows: Buffer, workDir: string, variant: Rv32Variant = 'deployed'): Promise<Rv32OpProfile> {
  mkdirSync(workDir, { recursive: true });
  const dir = mkdtempSync(join(workDir, 'rv32-profile-'));
  try {
    const { elf } = await buildRv32Program(modelDir, dir, variant);
    const [full, empty] = await Promise.all([trace(elf, windows), trace(elf, Buffer.alloc(0))]);
    const addrs = new Set<number>();
    for (const b of full.blocks.values()) for (const a of b) addrs.add(a);
    const origin = await origins(elf, [...addrs]);
    // line -> op index, from the "/* [N] op name" comments; -1 outside the ops
    const opOfLine: number[] = [];
    let op = -1;
    readFileSync(join(modelDir, 'pose_model.c'), 'utf8').split('\n').forEach((l, i) => {
      const m = /^\s*\/\* \[(\d+)\]/.exec(l);
      if (m) op = Number(m[1]);
      else if (/^}/.test(l)) op = -1;
      opOfLine[i + 1] = op;
    });
    // Walk the executed blocks in order: a model line sets the current op, out-of-line kernel code
    // belongs to the op that called it, everything else to "other".
    const perOp = new Array<number>(opCount).fill(0);
    let other = 0;
    let currentOp = -1;
    for (const pc of full.executed) {
      for (const a of full.blocks.get(pc) ?? []) {
        const o = origin.get(a) ?? 'other';
        const target = o === 'other' ? -1 : o === 'kernel' ? currentOp : (currentOp = opOfLine[o] ?? -1);
        if (target >= 0 && target < opCount) perOp[target]++;
        else other++;
      }
    }
    for (const pc of empty.executed) other -= empty.blocks.get(pc)?.length ?? 0;
    return { perOp, other };
  } catch (e) {
    throw new BenchError(`rv32 per-op profile of ${modelDir} failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
