// Linear kernels (pk_linear_w4_* / pk_linear_w8_*): C == TS mirror bit for bit over random cases at the
// loop boundaries (T = 1..11 and 15..25 around the 5- and 10-token blocks, odd/even `in` around the 30-input SWAR group,
// odd/even `out` around the two-row pairing, strides, per-row and per-tensor multipliers, fused ReLU,
// saturation, extreme inputs that fill the SWAR lanes), both with the sanitizer build and the -O2 build (on an
// AVX2 host their AVX2 forms), the -O2 build without AVX2 intrinsics and the node's forms.
// Then the mirror against a float computation: each output is round(acc * real) within 0.5 LSB plus the
// multiplier's representation error, where acc is the exact integer dot product.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packInt4Rows, quantizeMultiplier, requantReal, unpackInt4 } from '../../../src/compiler/quant/fixed-point.ts';
import type { Act } from '../../../src/compiler/kernels/common.ts';
import { linearW4, linearW8, type LinearParams } from '../../../src/compiler/kernels/linear/sim.ts';
import { buildDriver, CaseWriter, type Driver, line, Rng, sentinelBuffer } from './harness.ts';

let sanitized: Driver;
let optimized: Driver;
let portableSanitized: Driver;
let portableOptimized: Driver;
let noAvx2: Driver;
beforeAll(() => {
  sanitized = buildDriver();
  optimized = buildDriver({ optimized: true });
  noAvx2 = buildDriver({ optimized: true, noAvx2: true });
  portableSanitized = buildDriver({ portable: true });
  portableOptimized = buildDriver({ portable: true, optimized: true });
});
afterAll(() => {
  for (const d of [sanitized, optimized, portableSanitized, portableOptimized, noAvx2]) d.dispose();
});

interface LinearCase {
  wbits: 4 | 8;
  xbits: 8 | 16;
  ybits: 8 | 16;
  p: LinearParams;
  x: Act;
  codes: Int8Array; // [out][in] weight codes
  w: Uint8Array | Int8Array;
  reals: number[];
}

const IN_SIZES = [1, 2, 3, 15, 16, 17, 31, 32, 33, 48, 64, 96, 128, 341, 342];

function makeCase(rng: Rng, wbits: 4 | 8, xbits: 8 | 16, ybits: 8 | 16, extreme: boolean): LinearCase {
  // 1..11 around the 5- and 10-token blocks; 15..25 also run a 10-block followed by a 5-block
  const T = rng.next() < 0.8 ? rng.int(1, 11) : rng.pick([15, 16, 19, 20, 25]);
  const inDim = rng.pick(IN_SIZES);
  const out = rng.pick([1, 2, 3, 4, 5, 7, 8, 16, 17]);
  const xStride = inDim + rng.pick([0, 0, 1, 3]);
  const yStride = out + rng.pick([0, 0, 2]);
  const xmax = xbits === 8 ? 127 : 32767;
  const wmax = wbits === 4 ? 7 : 127;
  const x = xbits === 8 ? new Int8Array((T - 1) * xStride + inDim) : new Int16Array((T - 1) * xStride + inDim);
  const codes = new Int8Array(out * inDim);
  if (extreme) {
    // Every product at its largest magnitude: -128 * -8 = 1024 (int8 x int4) fills a SWAR lane to 2^14.
    x.fill(xbits === 8 ? -128 : -32768);
    codes.fill(-wmax - 1);
    for (let i = 0; i < codes.length; i++) if (rng.next() < 0.1) codes[i] = wmax;
  } else {
    rng.fill(x, -xmax - 1, xmax);
    rng.fill(codes, -wmax - 1, wmax);
  }
  const w = wbits === 4 ? packInt4Rows(codes, out, inDim) : codes;
  // int16 biases times 2^biasShift, keeping |bias| 2^biasShift + sum |x w| below 2^31 (what the compiler
  // guarantees); shifts up to 15 exercise the full widening.
  const accMax = inDim * (xmax + 1) * (wmax + 1);
  let biasShift = rng.int(0, 15);
  while (biasShift > 0 && 32768 * 2 ** biasShift + accMax >= 2 ** 31) biasShift--;
  const bias = rng.next() < 0.8 ? rng.fill(new Int16Array(out), -32768, 32767) : null;
  const perRow = rng.next() < 0.5;
  const ymax = ybits === 8 ? 127 : 32767;
  const reals: number[] = [];
  for (let o = 0; o < (perRow ? out : 1); o++) {
    // Typical scale maps ~3 sigma of the accumulator to the output range; sometimes much larger (saturation).
    const sigma = Math.sqrt(inDim) * xmax * wmax * 0.6 + 1;
    reals.push((ymax / (3 * sigma)) * 2 ** (rng.next() * 6 - 2));
  }
  const qs = reals.map((r) => quantizeMultiplier(r));
  const relu = rng.next() < 0.25;
  const p: LinearParams = {
    T, in: inDim, xStride, out, bias, biasShift, perRow, yStride,
    mult: qs.map((q) => q.mult), shift: qs.map((q) => q.shift),
    outMin: relu ? 0 : -ymax - 1, outMax: ymax,
  };
  return { wbits, xbits, ybits, p, x, codes, w, reals: qs.map(requantReal) };
}

function writeCase(wr: CaseWriter, c: LinearCase): void {
  const { p } = c;
  wr.begin(`linear_w${c.wbits}_i${c.xbits}_i${c.ybits}`)
    .ints(p.T, p.in, p.xStride, p.out, p.perRow ? 1 : 0, p.outMin, p.outMax, p.yStride)
    .array(c.x).array(c.w).ints(p.bias ? 1 : 0);
  if (p.bias) wr.array(p.bias);
  wr.ints(p.biasShift);
  wr.ints(p.mult.length).array(p.mult).array(p.shift);
}

function runTs(c: LinearCase): Act {
  const n = (c.p.T - 1) * c.p.yStride + c.p.out;
  const y = c.ybits === 8 ? sentinelBuffer((k) => new Int8Array(k), n) : sentinelBuffer((k) => new Int16Array(k), n);
  if (c.wbits === 4) linearW4(c.x, c.w as Uint8Array, c.p, y);
  else linearW8(c.x, c.w as Int8Array, c.p, y);
  return y;
}

function allCases(seed: number, perVariant: number): LinearCase[] {
  const rng = new Rng(seed);
  const cases: LinearCase[] = [];
  for (const wbits of [4, 8] as const)
    for (const xbits of [8, 16] as const)
      for (const ybits of [8, 16] as const)
        for (let i = 0; i < perVariant; i++) cases.push(makeCase(rng, wbits, xbits, ybits, i % 8 === 7));
  return cases;
}

describe('linear kernels: C == TS', () => {
  const cases = allCases(10, 40);
  const writer = new CaseWriter();
  for (const c of cases) writeCase(writer, c);
  const want = cases.map((c) => line(runTs(c)));

  it('UBSan/ASan build agrees on every case', () => {
    expect(sanitized.run(writer)).toEqual(want);
  });
  it('-O2 build agrees on every case', () => {
    expect(optimized.run(writer)).toEqual(want);
  });
  it('the x86-64 host form without its AVX2 intrinsics (-DPK_NO_HOST_AVX2) agrees on every case', () => {
    expect(noAvx2.run(writer)).toEqual(want);
  });
  it("the node's kernels (no x86-64 host variant) agree on every case, sanitized and at -O2", () => {
    expect(portableSanitized.run(writer)).toEqual(want);
    expect(portableOptimized.run(writer)).toEqual(want);
  });
  it('the cases reach saturation, ReLU clamping and both bias forms', () => {
    const ys = cases.map(runTs);
    const sat = ys.some((y, i) => Array.from(y).some((v) => v === cases[i].p.outMax));
    expect(sat).toBe(true);
    expect(cases.some((c) => c.p.bias === null) && cases.some((c) => c.p.bias !== null)).toBe(true);
    expect(cases.some((c) => c.p.bias !== null && c.p.biasShift === 0) && cases.some((c) => c.p.bias !== null && c.p.biasShift >= 8)).toBe(true);
    expect(cases.some((c) => c.p.outMin === 0)).toBe(true);
    // the AVX2 host form for small layers (pk_linear_rows_avx2: out * in <= 1024) and the larger ones it leaves
    // to the auto-vectorized form
    const small = (c: LinearCase) => c.p.out * c.p.in <= 1024 && c.p.T * ((c.p.in + 1) >> 1) <= 1024;
    expect(cases.some((c) => small(c) && c.p.in % 2 === 1 && c.p.out % 8 !== 0) && cases.some((c) => !small(c))).toBe(true);
  });
});

// The x86-64 host variant requantizes a block's accumulators together and takes pk_rq_sat's scaled int32
// path for multipliers of 1/2 and more (acc * 2^(33 - n) when it fits int32, else the 64-bit path; n <= 2
// always the 64-bit path). Cases with such multipliers, mixed per row with small ones, and with extreme
// inputs whose accumulators are too large to scale.
describe('linear kernels: multipliers of 1/2 and more', () => {
  const rng = new Rng(12);
  const cases: LinearCase[] = [];
  for (const wbits of [4, 8] as const)
    for (const xbits of [8, 16] as const)
      for (const ybits of [8, 16] as const)
        for (let i = 0; i < 8; i++) {
          const c = makeCase(rng, wbits, xbits, ybits, i % 2 === 1);
          const rows = c.p.perRow ? c.p.out : 1;
          const qs = Array.from({ length: rows }, (_, o) =>
            quantizeMultiplier(o % 3 === 1 ? 2 ** -rng.int(3, 20) : 2 ** rng.int(-1, 28) * (1 + rng.next())));
          c.p.mult = qs.map((q) => q.mult);
          c.p.shift = qs.map((q) => q.shift);
          cases.push(c);
        }
  const writer = new CaseWriter();
  for (const c of cases) writeCase(writer, c);
  const want = cases.map((c) => line(runTs(c)));

  it('reach shifts down to -30 (n = 1) and the 64-bit path', () => {
    const shifts = (c: LinearCase): number[] => Array.from(c.p.shift);
    expect(cases.some((c) => shifts(c).some((s) => s <= -29))).toBe(true);
    expect(cases.some((c) => shifts(c).some((s) => s >= 2) && shifts(c).some((s) => s < 2))).toBe(true);
  });
  it('sanitized and -O2 builds agree with the mirror', () => {
    expect(sanitized.run(writer)).toEqual(want);
    expect(optimized.run(writer)).toEqual(want);
    expect(noAvx2.run(writer)).toEqual(want);
  });
});

describe('linear kernels vs float', () => {
  it('each output is sat(acc * real) within 0.5 LSB + 2^-30 relative (acc = exact dot product)', () => {
    const cases = allCases(11, 6);
    let checked = 0;
    for (const c of cases) {
      const y = runTs(c);
      const { p } = c;
      for (let t = 0; t < p.T; t++) {
        for (let o = 0; o < p.out; o++) {
          let acc = p.bias ? p.bias[o] * 2 ** p.biasShift : 0;
          for (let i = 0; i < p.in; i++) acc += c.x[t * p.xStride + i] * c.codes[o * p.in + i];
          const r = c.reals[p.perRow ? o : 0];
          const exact = Math.min(Math.max(acc * r, p.outMin), p.outMax);
          const got = y[t * p.yStride + o];
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(0.5 + Math.abs(acc * r) * 2 ** -30 + 1e-9);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

describe('int4 packing', () => {
  it('packs rows on byte boundaries, low nibble first, and round-trips the flat qweights layout', () => {
    const codes = Int8Array.from([-8, 7, -1, 0, 3, -3]);
    expect(Array.from(packInt4Rows(codes, 2, 3))).toEqual([0x78, 0x0f, 0x30, 0x0d]);
    expect(Array.from(packInt4Rows(codes, 3, 2))).toEqual([0x78, 0x0f, 0xd3]);
    expect(Array.from(unpackInt4(Uint8Array.from([0x78, 0x0f, 0xd3]), 6))).toEqual(Array.from(codes));
  });
  it('rejects values outside int4 and short buffers, naming the position', () => {
    expect(() => packInt4Rows([1, 8], 1, 2)).toThrow('int4 packing: value 8 at [0][1] is not an int4');
    expect(() => unpackInt4(new Uint8Array(1), 3)).toThrow('int4 data: 1 bytes cannot hold 3 values');
  });
});
