// The rv32imc programs `bench` counts: the model's C files (pose_model.c, pose_weights.c) compiled the way ESP-IDF
// builds them (src/workflows/bench/idf-flags.ts: the compile line of a default ESP-IDF v5.5 project for the
// ESP32-C3, then the component's own options). The rest is the measuring harness, not firmware code that
// runs per inference on the node: the batch or streaming driver (it converts each window from bytes with
// proto.c's helpers), the qemu I/O layer and start-up, always gcc -O2 as before, so that its share of each
// count stays small (about 10,000 instructions per window) and variants differ only in the model's code.
// Each file is compiled to its own object (as CMake does), then linked for qemu-riscv32 user mode.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CORE_DIR, LINUX_DIR } from '../../host/virtual-node.ts';
import { BenchError } from './errors.ts';
import { rv32ModelFlags, type Rv32Variant } from './idf-flags.ts';

const execFileP = promisify(execFile);

const STREAM_MAIN = fileURLToPath(new URL('./c/stream_main.c', import.meta.url));

const HARNESS_FLAGS = ['-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-fno-strict-aliasing'];

/** Linking for qemu-riscv32 user mode: Debian's picolibc multilib for rv32imc (-march without the extension
 * names, which only the compile lines need), no crt0 (firmware/linux/rv32/start.S), and room in the picolibc
 * linker script for any model size (it defaults to 64 KB of flash and 32 KB of RAM). */
export const RV32_LINK_FLAGS = [
  '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-static', '-nostartfiles',
  '-Wl,--defsym=__flash=0x10000000,--defsym=__flash_size=0x1000000,--defsym=__ram=0x20000000,--defsym=__ram_size=0x1000000',
];

export interface Rv32Source {
  path: string;
  cc: string;
  flags: string[];
  /** A file of the model directory (compiled with the variant's compiler and the component's options). */
  model: boolean;
}

/** The sources of the batch (or streaming) program and how each is compiled. */
export function rv32Sources(modelDir: string, variant: Rv32Variant, program: 'batch' | 'stream' = 'batch'): Rv32Source[] {
  const model = rv32ModelFlags(variant, modelDir);
  const includes = [CORE_DIR, LINUX_DIR, modelDir].map((d) => `-I${d}`);
  const other = (path: string): Rv32Source => ({ path, cc: 'riscv64-unknown-elf-gcc', flags: [...HARNESS_FLAGS, ...includes], model: false });
  const modelFiles = readdirSync(modelDir).filter((f) => f.endsWith('.c')).sort();
  return [
    { path: join(LINUX_DIR, 'rv32', 'start.S'), cc: 'riscv64-unknown-elf-gcc', flags: ['-march=rv32imc', '-mabi=ilp32'], model: false },
    other(join(CORE_DIR, 'proto.c')),
    other(program === 'batch' ? join(LINUX_DIR, 'batch_main.c') : STREAM_MAIN),
    ...modelFiles.map((f) => ({ path: join(modelDir, f), cc: model.cc, flags: [...model.model, ...includes], model: true })),
    other(join(LINUX_DIR, 'rv32', 'rv32_io.c')),
  ];
}

function hashOf(sources: Rv32Source[], modelDir: string): string {
  const h = createHash('sha256').update(JSON.stringify([sources, RV32_LINK_FLAGS]));
  for (const s of sources) h.update(readFileSync(s.path));
  for (const dir of [CORE_DIR, LINUX_DIR, modelDir, join(modelDir, 'kernels')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => /\.(h|inc)$/.test(x)).sort()) h.update(join(dir, f)).update(readFileSync(join(dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/** Builds (or reuses from the cache) the program; returns the ELF's path and its model objects. */
export async function buildRv32Program(
  modelDir: string, buildDir: string, variant: Rv32Variant = 'deployed', program: 'batch' | 'stream' = 'batch',
): Promise<{ elf: string; modelObjects: string[] }> {
  const sources = rv32Sources(modelDir, variant, program);
  const dir = join(buildDir, `rv32-${program}-${variant}-${hashOf(sources, modelDir)}`);
  const elf = join(dir, program);
  const objects = sources.map((s) => join(dir, `${basename(s.path)}.o`));
  const modelObjects = objects.filter((_, i) => sources[i].model);
  if (existsSync(elf)) return { elf, modelObjects };
  const tmp = `${dir}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [i, s] of sources.entries()) {
      await execFileP(s.cc, [...s.flags, '-c', s.path, '-o', join(tmp, basename(objects[i]))], { maxBuffer: 16 << 20 });
    }
    await execFileP('riscv64-unknown-elf-gcc', [...RV32_LINK_FLAGS, ...objects.map((o) => join(tmp, basename(o))), '-o', join(tmp, program)]);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const err = e as { stderr?: string; message: string };
    throw new BenchError(`building the rv32imc ${program} program (${variant}) with model ${modelDir} failed:\n${(err.stderr ?? err.message).trim()}`);
  }
  if (existsSync(dir)) rmSync(tmp, { recursive: true, force: true }); // a concurrent build finished first
  else renameSync(tmp, dir);
  return { elf, modelObjects };
}
