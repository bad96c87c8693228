// Instructions per call of the main kernels on rv32imc (the ESP32-C3 ISA), counted under qemu-riscv32 with
// the translation-block method of bench/rv32-count.ts: rv32_kernel_bench.c runs one kernel when stdin
// names it; an empty run is subtracted. Sizes are micro's (T = 10, d = 64, projection 342 -> 64).
// Prints instructions and instructions per MAC for several global optimization flag sets: the kernels run
// inside a PK_NO_SCHED function, as in pose_model_run, whose optimize attribute fixes their code whatever
// the build's flags are (an ESP-IDF -Os build gets the same loops); the rows show that it does. Counts
// differ from the whole-model profile (bench/rv32-profile.ts), where the sizes and register allocation are
// those of the generated code.
//
//   npx tsx test/compiler/kernels/rv32-kernel-count.ts [--json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countInstructions } from '../../../src/workflows/bench/rv32-count.ts';
import { FIRMWARE_DIR } from '../../../src/paths.ts';
import { HEADER_DIR } from './harness.ts';

const KERNELS: Array<{ key: string; name: string; macs: number }> = [
  { key: 'p', name: 'linear_w4_i8_i8 342->64, T=10', macs: 10 * 342 * 64 },
  { key: 'q', name: 'linear_w4_i8_i8 64->192, T=10', macs: 10 * 64 * 192 },
  { key: 'r', name: 'linear_w4_i16_i16 342->64, T=10', macs: 10 * 342 * 64 },
  { key: 't', name: 'linear_w4_i16_i8 64->192, T=10', macs: 10 * 64 * 192 },
  { key: 's', name: 'linear_w8_i8_i8 342->64, T=10', macs: 10 * 342 * 64 },
  { key: 'a', name: 'attention_i8_i8 T=10 H=2 hd=32', macs: 2 * 2 * 10 * 10 * 32 },
  { key: 'l', name: 'layernorm_i16_i16 T=10 d=64', macs: 0 },
  { key: 'n', name: 'minmax_normalize_i8 342x10', macs: 0 },
  { key: 'g', name: 'lut16_interp_i16 640 values', macs: 0 },
];

const FLAG_SETS: Record<string, string[]> = {
  '-O2': ['-O2'],
  '-O2 -fno-schedule-insns': ['-O2', '-fno-schedule-insns'],
  '-Os': ['-Os'],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pose-kernels-rv32-'));
  const rv32 = join(FIRMWARE_DIR, 'linux', 'rv32');
  const rows: Array<{ kernel: string; flags: string; instructions: number; macs: number; instrPerMac: number | null }> = [];
  try {
    for (const [label, flags] of Object.entries(FLAG_SETS)) {
      const elf = join(dir, `bench-${label.replace(/[^a-z0-9]+/gi, '_')}.elf`);
      execFileSync('riscv64-unknown-elf-gcc', [
        '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', ...flags, '-std=c99', '-static', '-nostartfiles',
        '-Wl,--defsym=__flash=0x10000000,--defsym=__flash_size=0x1000000,--defsym=__ram=0x20000000,--defsym=__ram_size=0x1000000',
        `-I${HEADER_DIR}`, `-I${join(FIRMWARE_DIR, 'linux')}`, join(rv32, 'start.S'), join(rv32, 'rv32_io.c'), join(import.meta.dirname, 'rv32_kernel_bench.c'), '-o', elf,
      ]);
      const base = (await countInstructions(elf, Buffer.from('-'))).instructions;
      for (const k of KERNELS) {
        const n = (await countInstructions(elf, Buffer.from(k.key))).instructions - base;
        rows.push({ kernel: k.name, flags: label, instructions: n, macs: k.macs, instrPerMac: k.macs ? n / k.macs : null });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log('kernel'.padEnd(36) + 'flags'.padEnd(26) + 'instructions'.padStart(13) + 'instr/MAC'.padStart(11));
  for (const r of rows) {
    console.log(r.kernel.padEnd(36) + r.flags.padEnd(26) + String(r.instructions).padStart(13) + (r.instrPerMac === null ? '-' : r.instrPerMac.toFixed(2)).padStart(11));
  }
}

await main();
