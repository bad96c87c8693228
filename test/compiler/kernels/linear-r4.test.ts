// The int8-activation linear kernels with w4r4 weights (pk_linear_w4r4_*): C == TS mirror bit for bit over random
// cases at the loop boundaries (T = 1..11 and 15..25 around the single-token path and the 5-token blocks, odd
// and even `in` around the lane-flush groups, `out` around the groups of four rows, strides, per-row and
// per-tensor multipliers, ReLU, saturation; int16 inputs requantized to int8 with and without saturation;
// extreme cases that fill the 16-bit lanes to their bound, the node's and the AVX2 host form's). Builds: this
// host's (sanitized and -O2; on an AVX2 machine its AVX2 form, and -O2 without it: -DPK_NO_HOST_AVX2), the
// node's C form (-DPK_NO_HOST_VEC), the reference (_plain), and the node's rv32imc form, whose inner loop is
// inline assembly, under qemu-riscv32 built by gcc at -O2, -Og and -O0 (with a frame pointer) and by clang
// at -O2: each compiler allocates the assembly's 23 registers its own way. The wide forms
// (pk_linear_w4r4_wide_*: int16 inputs as they are) take the same cases and builds: their single-token path,
// blocks of ten, five and one tokens, odd `in` and odd `out` (a row computed twice, stored once). Also:
// packInt4R4's layout, and the mirror's refusal of a lane-flush group that could overflow a lane.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { int4R4At, packInt4R4, quantizeMultiplier } from '../../../src/compiler/quant/fixed-point.ts';
import type { Act } from '../../../src/compiler/kernels/common.ts';
import { linearW4R4, type LinearParams } from '../../../src/compiler/kernels/linear/sim.ts';
import { w4r4Group } from '../../../src/compiler/kernels/linear/index.ts';
import { FIRMWARE_DIR } from '../../../src/paths.ts';
import { PICOLIBC_INCLUDE } from '../../../src/workflows/bench/idf-flags.ts';
import { RV32_LINK_FLAGS } from '../../../src/workflows/bench/rv32-build.ts';
import { runProgram } from '../../../src/workflows/bench/rv32-count.ts';
import { buildDriver, CaseWriter, type Driver, HEADER_DIR, line, Rng, sentinelBuffer } from './harness.ts';

interface R4Case {
  xbits: 8 | 16;
  /** the wide form (int16 x as it is; xq null, no group) */
  wide: boolean;
  ybits: 8 | 16;
  p: LinearParams & { group: number };
  xq: { mult: number; shift: number } | null;
  x: Act;
  w: Uint32Array;
  /** every weight 7 against -128 (or -32768): the AVX2 form's 16-bit lanes filled to their bound */
  lanesFull: boolean;
}

const IN_SIZES = [1, 2, 3, 15, 16, 17, 31, 32, 33, 35, 36, 37, 48, 64, 96, 128, 341, 342];

function makeCase(rng: Rng, xbits: 8 | 16, ybits: 8 | 16, extreme: boolean, wide = false): R4Case {
  const T = rng.next() < 0.8 ? rng.int(1, 11) : rng.pick([15, 16, 19, 20, 25]);
  const inDim = rng.pick(IN_SIZES);
  const out = rng.pick([1, 2, 3, 4, 5, 7, 8, 16, 17]);
  const xStride = inDim + rng.pick([0, 0, 1, 3]);
  const yStride = out + rng.pick([0, 0, 2]);
  const x = xbits === 8 ? new Int8Array((T - 1) * xStride + inDim) : new Int16Array((T - 1) * xStride + inDim);
  const codes = new Int8Array(out * inDim);
  let xq: R4Case['xq'] = null;
  let lanesFull = false;
  if (xbits === 16 && !wide) {
    // the int8 copy's scale: about 127/32767 of the int16 one, sometimes much finer (saturating at +-127)
    const q = quantizeMultiplier((127 / 32767) * 2 ** (rng.next() * 6 - 1));
    xq = { mult: q.mult, shift: q.shift };
  }
  if (extreme) {
    // every product at its largest magnitude, -128 * -8 = 1024: a 15-pair group fills a lane to 30720 (and
    // the weights' own group the lanes as full as they may be)
    x.fill(xbits === 8 ? -128 : -32768);
    if (xq) xq = { mult: 1 << 30, shift: 0 }; // x16 / 2, saturated to -128
    codes.fill(-8);
    for (let i = 0; i < codes.length; i++) if (rng.next() < 0.1) codes[i] = 7;
    if (rng.next() < 0.5) {
      // the AVX2 host form's 16-bit lanes at their bound: offset weights of 15 (w = 7) against -128 (every
      // weight 7: 30720 in a lane after eight quads), and (wide) low bytes of 255 against w = -8 (x = -1 or 32767)
      lanesFull = rng.next() < 0.5;
      codes.fill(7);
      if (!lanesFull) for (let i = 0; i < codes.length; i++) if (rng.next() < 0.3) codes[i] = -8;
      if (xbits === 16) for (let i = 0; i < x.length; i++) x[i] = lanesFull ? -32768 : rng.pick([-32768, -32768, 32767, -1]);
    }
  } else {
    rng.fill(x, xbits === 8 ? -128 : -32768, xbits === 8 ? 127 : 32767);
    rng.fill(codes, rng.next() < 0.5 ? -7 : -8, 7);
  }
  // the compiler's group (the largest whose lane sums provably fit int16 for these weights), or a smaller one
  const maxGroup = w4r4Group(codes, out, inDim);
  const group = rng.next() < 0.7 ? maxGroup : rng.int(1, maxGroup);
  // the accumulator's reach: the int32 bound the compiler proves (wide: its offset-binary partial sums)
  const accMax = wide ? 23 * 32768 * inDim : inDim * 128 * 8;
  let biasShift = rng.int(0, 15);
  while (biasShift > 0 && 32768 * 2 ** biasShift + accMax >= 2 ** 31) biasShift--;
  const bias = rng.next() < 0.8 ? rng.fill(new Int16Array(out), -32768, 32767) : null;
  const perRow = rng.next() < 0.5;
  const ymax = ybits === 8 ? 127 : 32767;
  const qs = [];
  for (let o = 0; o < (perRow ? out : 1); o++) {
    const sigma = Math.sqrt(inDim) * (wide ? 32767 : 127) * 7 * 0.6 + 1;
    qs.push(quantizeMultiplier((ymax / (3 * sigma)) * 2 ** (rng.next() * 6 - 2)));
  }
  const relu = rng.next() < 0.25;
  const p = {
    T, in: inDim, xStride, out, bias, biasShift, perRow, yStride, group,
    mult: qs.map((q) => q.mult), shift: qs.map((q) => q.shift), outMin: relu ? 0 : -ymax - 1, outMax: ymax,
  };
  return { xbits, wide, ybits, p, xq, x, w: packInt4R4(codes, out, inDim), lanesFull };
}

function allCases(seed: number, perVariant: number): R4Case[] {
  const rng = new Rng(seed);
  const cases: R4Case[] = [];
  for (const xbits of [8, 16] as const)
    for (const ybits of [8, 16] as const)
      for (let i = 0; i < perVariant; i++) cases.push(makeCase(rng, xbits, ybits, i % 8 === 7));
  for (const ybits of [8, 16] as const)
    for (let i = 0; i < perVariant; i++) cases.push(makeCase(rng, 16, ybits, i % 8 === 7, true));
  return cases;
}

function runTs(c: R4Case): Act {
  const n = (c.p.T - 1) * c.p.yStride + c.p.out;
  const y = c.ybits === 8 ? sentinelBuffer((k) => new Int8Array(k), n) : sentinelBuffer((k) => new Int16Array(k), n);
  linearW4R4(c.x, c.xq, c.w, c.wide ? { ...c.p, group: null } : c.p, y);
  return y;
}

function writeCase(wr: CaseWriter, c: R4Case, plain: boolean): void {
  const { p } = c;
  wr.begin(`linear_w4r4_${c.wide ? 'wide' : `i${c.xbits}`}_i${c.ybits}${plain ? '_plain' : ''}`)
    .ints(p.T, p.in, p.xStride, p.out, p.perRow ? 1 : 0, p.outMin, p.outMax, p.yStride, p.group, c.xq?.mult ?? 0, c.xq?.shift ?? 0)
    .array(c.x).array(c.w).ints(p.bias ? 1 : 0);
  if (p.bias) wr.array(p.bias);
  wr.ints(p.biasShift).ints(p.mult.length).array(p.mult).array(p.shift);
}

/** The rv32 driver's binary input for the cases (rv32_linear_r4.c). */
function rv32Input(cases: R4Case[]): Buffer {
  const words: number[] = [];
  for (const c of cases) {
    const { p } = c;
    words.push(c.xbits, c.ybits, p.T, p.in, p.xStride, p.out, p.perRow ? 1 : 0, p.outMin, p.outMax, p.yStride, p.group,
      c.xq?.mult ?? 0, c.xq?.shift ?? 0, p.bias ? 1 : 0, p.biasShift, p.mult.length, c.wide ? 1 : 0);
    words.push(...c.x, ...Array.from(c.w, (v) => v | 0));
    if (p.bias) words.push(...p.bias);
    words.push(...Array.from(p.mult), ...Array.from(p.shift));
  }
  return Buffer.from(Int32Array.from(words).buffer);
}

const cases = allCases(41, 48);
const want = cases.map((c) => line(runTs(c)));

describe('w4r4 layout', () => {
  it('packs four rows per word, offset-binary nibbles, zero padding rows and the odd input', () => {
    const codes = Int8Array.from([-8, 7, 1, -1, 0, 3, 2, -2, 5, -5]); // 5 rows x 2 inputs
    const w = packInt4R4(codes, 5, 2);
    expect(w.length).toBe(2); // two groups of four rows, one pair
    // row 0 at bits 0/4, row 1 at 16/20, row 2 at 8/12, row 3 at 24/28; value + 8
    expect(w[0]).toBe(((0 | (15 << 4)) | ((9 | (7 << 4)) << 16) | ((8 | (11 << 4)) << 8) | ((10 | (6 << 4)) << 24)) >>> 0);
    expect(w[1]).toBe((0x88888800 | 13 | (3 << 4)) >>> 0); // row 4; rows 5..7 are zero rows (nibble 8)
    for (let o = 0; o < 5; o++) for (let i = 0; i < 2; i++) expect(int4R4At(w, 1, o, i)).toBe(codes[o * 2 + i]);
    expect(int4R4At(packInt4R4(Int8Array.from([3, 4, 5]), 1, 3), 2, 0, 3)).toBe(0);
  });

  it('the lane-flush group: the largest that keeps 128 sum |w| of every row and group within int16', () => {
    // one row of 64 weights of magnitude 4: 128 * 4 * 2g <= 32767 -> g <= 31
    expect(w4r4Group(new Int8Array(64).fill(-4), 1, 64)).toBe(31);
    expect(w4r4Group(new Int8Array(64).fill(1), 1, 64)).toBe(32); // the whole row
    expect(w4r4Group(new Int8Array(60).fill(-8), 1, 60)).toBe(15); // any int4 row: 15 pairs
  });

  it('the mirror refuses a lane-flush group that could overflow a 16-bit lane, naming the row and inputs', () => {
    const w = packInt4R4(new Int8Array(64).fill(-4), 1, 64);
    const p = { T: 1, in: 64, xStride: 64, out: 1, yStride: 1, bias: null, biasShift: 0, mult: [1 << 30], shift: [0], perRow: false, outMin: -128, outMax: 127 };
    expect(() => linearW4R4(new Int8Array(64), null, w, { ...p, group: 32 }, new Int8Array(1))).toThrow(/row 0, inputs 0\.\.63: a group of 32 pairs lets a 16-bit lane reach 32768/);
    expect(() => linearW4R4(new Int8Array(64), null, w, { ...p, group: 31 }, new Int8Array(1))).not.toThrow();
  });
});

describe('w4r4 linear kernels: C == TS', () => {
  let drivers: Driver[];
  beforeAll(() => {
    drivers = [
      buildDriver(), buildDriver({ optimized: true }), buildDriver({ optimized: true, noAvx2: true }),
      buildDriver({ portable: true }), buildDriver({ portable: true, optimized: true }),
    ];
  });
  afterAll(() => {
    for (const d of drivers) d.dispose();
  });

  it("every host build (this host's and the node's C forms, sanitized and -O2) agrees on every case", () => {
    const w = new CaseWriter();
    for (const c of cases) writeCase(w, c, false);
    for (const d of drivers) expect(d.run(w)).toEqual(want);
  });

  it('the reference (_plain) agrees on every case', () => {
    const w = new CaseWriter();
    for (const c of cases) writeCase(w, c, true);
    expect(drivers[0].run(w)).toEqual(want);
  });

  it('the cases reach saturation, ReLU, the single-token path, partial blocks and both lane-group bounds', () => {
    const ys = cases.map(runTs);
    expect(ys.some((y, i) => Array.from(y).some((v) => v === cases[i].p.outMax))).toBe(true);
    expect(cases.some((c) => c.p.outMin === 0)).toBe(true);
    expect(cases.some((c) => c.p.T < 5) && cases.some((c) => c.p.T >= 5 && c.p.T % 5 !== 0)).toBe(true);
    expect(cases.some((c) => c.p.group === 15) && cases.some((c) => c.p.group === (c.p.in + 1) >> 1 && c.p.in > 40)).toBe(true);
    // the wide forms: single tokens, ten-token blocks with five- and one-token tails, odd in and out, blocked
    // layers above the node's small-layer cut-off (PK_COMPACT_MACS = 2048), saturation
    const wide = cases.filter((c) => c.wide);
    expect(wide.some((c) => c.p.T < 5 && c.p.in % 2 === 1 && c.p.out % 8 !== 0)).toBe(true);
    expect(wide.some((c) => c.p.T >= 15 && c.p.T % 5 !== 0 && c.p.T * c.p.in * c.p.out >= 2048)).toBe(true);
    expect(wide.some((c) => c.p.T >= 10 && c.p.in % 2 === 1 && c.p.out % 2 === 1 && c.p.T * c.p.in * c.p.out >= 2048)).toBe(true);
    expect(wide.some((c) => Array.from(runTs(c)).some((v) => v === c.p.outMax))).toBe(true);
    // the AVX2 host form (pk_linear_avx2.h) takes T input rows of up to 1024 quads in all: narrow and wide,
    // five-token blocks and single tokens, partial eight-row blocks, multipliers of 1/4 or more (its n < 33
    // scaling), the 16-bit lanes at their bound (all weights 7)
    const avx2 = cases.filter((c) => c.p.T * ((c.p.in + 3) >> 2) <= 1024);
    expect(avx2.length).toBeGreaterThan(cases.length / 2);
    expect(avx2.some((c) => c.wide && c.p.T >= 5) && avx2.some((c) => !c.wide && c.p.T >= 5)).toBe(true);
    expect(avx2.some((c) => c.p.T % 5 !== 0 && c.p.out % 8 !== 0)).toBe(true);
    expect(avx2.some((c) => Array.from(c.p.shift).some((sh) => 31 + sh < 33))).toBe(true);
    for (const wide of [false, true]) expect(avx2.some((c) => c.wide === wide && c.lanesFull && c.p.in >= 32)).toBe(true);
  });

  it("picks the AVX2 form exactly where this CPU has AVX2 (pk_avx2_ok against /proc/cpuinfo)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pose-edge-avx2-'));
    const src = join(dir, 'ok.c');
    writeFileSync(src, '#include <stdio.h>\n#include "kernels/pk_linear.h"\nint main(void) { printf("%d\\n", pk_avx2_ok() ? 1 : 0); return 0; }\n');
    execFileSync('gcc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', `-I${HEADER_DIR}`, src, '-o', join(dir, 'ok')]);
    const has = /^flags\s*:.*\bavx2\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    expect(execFileSync(join(dir, 'ok'), { encoding: 'utf8' }).trim()).toBe(has ? '1' : '0');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("w4r4 linear kernels on rv32imc (the node's assembly loop) under qemu-riscv32", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pose-edge-r4-'));
  const linux = join(FIRMWARE_DIR, 'linux');
  const build = (name: string, cc: string, flags: string[]): string => {
    const exe = join(dir, name);
    const objs = [join(linux, 'rv32', 'start.S'), join(import.meta.dirname, 'rv32_linear_r4.c'), join(linux, 'rv32', 'rv32_io.c')].map((src, i) => {
      const o = join(dir, `${name}-${i}.o`);
      const c = i === 1 ? cc : 'riscv64-unknown-elf-gcc';
      const f = i === 1 ? flags : ['-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-O2'];
      execFileSync(c, [...f, '-std=c99', '-Wall', '-Wextra', '-Werror', `-I${HEADER_DIR}`, `-I${linux}`, `-I${import.meta.dirname}`, '-c', src, '-o', o]);
      return o;
    });
    execFileSync('riscv64-unknown-elf-gcc', [...RV32_LINK_FLAGS, ...objs, '-o', exe]);
    return exe;
  };
  const gcc = ['-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs'];
  const clang = ['--target=riscv32-unknown-elf', '-march=rv32imc', '-mabi=ilp32', '-isystem', PICOLIBC_INCLUDE];
  const input = rv32Input(cases);
  const expected = cases.map((c) => Array.from(runTs(c)));

  it.each([
    ['gcc -O2', 'riscv64-unknown-elf-gcc', [...gcc, '-O2']],
    ['gcc -Og', 'riscv64-unknown-elf-gcc', [...gcc, '-Og']],
    ['gcc -O0 -fno-omit-frame-pointer', 'riscv64-unknown-elf-gcc', [...gcc, '-O0', '-fno-omit-frame-pointer']],
    ['clang -O2', 'clang', [...clang, '-O2']],
  ] as const)('%s agrees on every case', async (name, cc, flags) => {
    const exe = build(name.replace(/\W+/g, '_'), cc, [...flags]);
    const out = await runProgram('qemu-riscv32', [exe], input);
    const got = new Int32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    let at = 0;
    cases.forEach((c, i) => {
      const n = expected[i].length;
      // elements between strided rows keep the sentinel on both sides (bytes 0x55)
      expect(Array.from(got.subarray(at, at + n)), `case ${i} (int${c.xbits}${c.wide ? ' wide' : ''} -> int${c.ybits})`).toEqual(expected[i]);
      at += n;
    });
    expect(at).toBe(got.length);
  }, 60_000);
});
