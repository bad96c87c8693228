// LayerNorm (pk_layernorm_*): C == TS bit for bit on rows of d in {1, 2, 17, 48, 64, 96, 128} (and 160) with wide,
// narrow, constant and single-outlier rows, int8/int16 in and out, strides and saturation. Against float
// (same integer inputs, gamma as quantized, beta exact): |y - LN(x)/s_y| <= 0.5 LSB + u + 0.02 LSB, where
// 0.5 is the final rounding, u = s_acc / s_y the accumulator unit in output LSBs (the pre-shift's and
// int16 beta's roundings, half a unit each; u is tiny unless beta is large against the output range) and
// 0.02 covers the Q30 normalized value. eps itself is held to +-0.5 in the unit s_x^2 / d^3 (eps_q);
// against the true eps the bound adds that rounding's first-order effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeMultiplier, requantReal, roundHalfAway, saturate } from '../../../src/compiler/quant/fixed-point.ts';
import type { Act } from '../../../src/compiler/kernels/common.ts';
import { isqrt64, layerNorm, lnBeta, lnEpsFracBits, lnEpsQ, rowNormalizer, type LayerNormParams } from '../../../src/compiler/kernels/layernorm/sim.ts';
import { buildDriver, CaseWriter, type Driver, line, Rng, sentinelBuffer } from './harness.ts';

// driver: this host's kernels (on x86-64 the PK_HOST_VEC LayerNorm, vectorized, and the host isqrt/recip
// forms); portable: the node's (PK_NO_HOST_VEC), which rv32imc and xtensa compile.
let driver: Driver;
let portable: Driver;
beforeAll(() => {
  driver = buildDriver();
  portable = buildDriver({ portable: true });
});
afterAll(() => {
  driver.dispose();
  portable.dispose();
});

interface LnCase {
  xb: 8 | 16;
  yb: 8 | 16;
  x: Act;
  p: LayerNormParams;
  sx: number;
  sg: number;
  sOut: number; // the real output scale the multiplier stands for
  beta: number[];
  eps: number;
}

function makeCase(rng: Rng, xb: 8 | 16, yb: 8 | 16, maxT = 11): LnCase {
  const d = rng.pick([1, 2, 17, 48, 64, 64, 96, 128]);
  const T = rng.int(maxT > 11 ? 12 : 1, maxT);
  const xStride = d + rng.pick([0, 0, 5]);
  const yStride = d + rng.pick([0, 3]);
  const qx = xb === 8 ? 127 : 32767;
  const x = xb === 8 ? new Int8Array((T - 1) * xStride + d) : new Int16Array((T - 1) * xStride + d);
  for (let t = 0; t < T; t++) {
    const kind = rng.int(0, 4);
    const center = rng.int(-qx >> 1, qx >> 1);
    const spread = kind === 0 ? qx : kind === 1 ? 3 : rng.int(1, qx >> 1);
    for (let i = 0; i < d; i++) {
      const v = kind === 2 ? center : kind === 3 && i > 0 ? center : center + rng.int(-spread, spread);
      x[t * xStride + i] = saturate(kind === 3 && i === 0 ? -qx - 1 : v, -qx - 1, qx);
    }
  }
  const sx = 2 ** (rng.next() * 10 - 12);
  const eps = rng.pick([1e-5, 1e-6, 1e-3]);
  const gamma = Array.from({ length: d }, () => 0.2 + rng.next() * 1.5 * (rng.next() < 0.2 ? -1 : 1));
  // beta from negligible to a few sqrt(d) max|gamma|, so pre_shift (chosen as the compiler does: the
  // smallest at which beta fits int16) spans its range [16, 32]; halved while too large even for 32.
  const betaScale = rng.pick([0.5, 0.5, 0.001, 0.00003, 4]) * (rng.next() < 0.15 ? Math.sqrt(d) : 1);
  let beta = Array.from({ length: d }, () => rng.normal() * betaScale);
  const gmax = Math.max(...gamma.map(Math.abs));
  const sg = gmax / 32767;
  const g = Int16Array.from(gamma, (v) => roundHalfAway(v / sg));
  let lb = lnBeta(beta, d, sg);
  while (!lb) {
    beta = beta.map((v) => v / 2);
    lb = lnBeta(beta, d, sg);
  }
  const { sAcc, preShift } = lb;
  const qy = yb === 8 ? 127 : 32767;
  const yRange = (Math.sqrt(Math.max(1, d - 1)) * gmax + Math.max(...beta.map(Math.abs))) * (rng.next() < 0.2 ? 0.3 : 1);
  const q = quantizeMultiplier(sAcc / (yRange / qy));
  const p: LayerNormParams = {
    T, d, xStride, yStride, epsQ: lnEpsQ(eps, d, sx, xb),
    gamma: g, beta: lb.beta, preShift, mult: q.mult, shift: q.shift, outMin: -qy - 1, outMax: qy,
  };
  return { xb, yb, x, p, sx, sg, sOut: sAcc / requantReal(q), beta, eps };
}

function runTs(c: LnCase): Act {
  const n = (c.p.T - 1) * c.p.yStride + c.p.d;
  const y = c.yb === 8 ? sentinelBuffer((k) => new Int8Array(k), n) : sentinelBuffer((k) => new Int16Array(k), n);
  layerNorm(c.x, c.p, y);
  return y;
}

function allCases(seed: number, per: number): LnCase[] {
  const rng = new Rng(seed);
  const out: LnCase[] = [];
  for (const xb of [8, 16] as const) for (const yb of [8, 16] as const) for (let i = 0; i < per; i++) out.push(makeCase(rng, xb, yb));
  return out;
}

describe('layernorm', () => {
  it('integer square root is floor(sqrt) on squares, their neighbours and large values', () => {
    for (const r of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 1n << 30n, (1n << 31n) - 1n, (1n << 32n) - 1n]) {
      expect(isqrt64(r * r)).toBe(r);
      if (r > 0n) expect(isqrt64(r * r - 1n)).toBe(r - 1n);
      expect(isqrt64(r * r + 2n * r)).toBe(r);
    }
  });

  it('C pk_isqrt_q60 (Newton) == TS isqrt64 on [2^60, 2^62): ends, squares and their neighbours, random', () => {
    const rng = new Rng(60);
    const lo = 1n << 60n;
    const hi = (1n << 62n) - 1n;
    const v: bigint[] = [lo, lo + 1n, hi, hi - 1n];
    const roots = [1n << 30n, (1n << 30n) + 1n, (1n << 31n) - 1n, 3037000499n, 1518500249n, 1518500250n];
    for (let i = 0; i < 3000; i++) roots.push((1n << 30n) + BigInt(rng.int(0, 2 ** 30 - 1)));
    for (const r of roots) for (const x of [r * r - 1n, r * r, r * r + 1n, r * r + 2n * r]) if (x >= lo && x <= hi) v.push(x);
    for (let i = 0; i < 20000; i++) v.push(lo + ((BigInt(rng.int(0, 2 ** 30 - 1)) << 31n) | BigInt(rng.int(0, 2 ** 31 - 1))) * (rng.next() < 0.5 ? 1n : 2n));
    const ok = v.filter((x) => x >= lo && x <= hi);
    const wr = new CaseWriter().begin('isqrt_q60').ints(ok.length, ...ok);
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual([ok.map((x) => String(isqrt64(x))).join(' ')]);
  });

  it('C pk_ln_scale_q60 (32-bit words) == the least a with w 4^a >= 2^60 on [1, 2^62): powers of 2 +-1, random', () => {
    const rng = new Rng(62);
    const w: bigint[] = [];
    for (let k = 0n; k < 62n; k++) for (const dlt of [-1n, 0n, 1n]) if ((1n << k) + dlt >= 1n) w.push((1n << k) + dlt);
    for (let i = 0; i < 5000; i++) {
      const bits = BigInt(rng.int(1, 62));
      w.push((1n << (bits - 1n)) | (((BigInt(rng.int(0, 2 ** 31 - 1)) << 31n) | BigInt(rng.int(0, 2 ** 31 - 1))) & ((1n << (bits - 1n)) - 1n)));
    }
    const least = (x: bigint): number => {
      let a = 0n;
      while (x << (2n * a) < 1n << 60n) a++;
      return Number(a);
    };
    const ok = w.filter((x) => x >= 1n && x < 1n << 62n);
    const wr = new CaseWriter().begin('ln_scale_q60').ints(ok.length, ...ok);
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual([ok.map(least).join(' ')]);
  });

  it('C pk_recip_q60 (two divu digit steps) == floor(2^60 / s) on [2^30, 2^31): ends, near powers of 2, random', () => {
    const rng = new Rng(61);
    const s: bigint[] = [1n << 30n, (1n << 30n) + 1n, (1n << 31n) - 1n, (1n << 31n) - 2n, 1518500249n, 1518500250n];
    for (let k = 0; k < 16; k++) for (const dlt of [-1n, 0n, 1n]) s.push((1n << 30n) + (1n << BigInt(14 + k)) + dlt);
    for (let i = 0; i < 20000; i++) s.push((1n << 30n) + BigInt(rng.int(0, 2 ** 30 - 1)));
    const ok = s.filter((x) => x >= 1n << 30n && x < 1n << 31n);
    const wr = new CaseWriter().begin('recip_q60').ints(ok.length, ...ok);
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual([ok.map((x) => String((1n << 60n) / x)).join(' ')]);
  });

  it("C == TS on rows whose scaled variance is exactly 2^60 (s = 2^30, R = 2^30: the kernel's -1 multiplier)", () => {
    const wr = new CaseWriter();
    const want: string[] = [];
    for (const xb of [8, 16] as const) {
      for (const yb of [8, 16] as const) {
        // d = 4, rows +-u: V = 64 u^2, W = V 2^E is a power of 4 times 2^60 / 4^a for u = 1, 2, 4
        const x = xb === 8 ? Int8Array.from([1, -1, 1, -1, 2, -2, 2, -2, -4, 4, -4, 4]) : Int16Array.from([1, -1, 1, -1, 2, -2, 2, -2, -4, 4, -4, 4]);
        const p: LayerNormParams = {
          T: 3, d: 4, xStride: 4, yStride: 4, epsQ: 0n, gamma: Int16Array.from([32767, -32768, 12345, -1]), beta: Int16Array.from([0, 7, -32768, 32767]),
          preShift: 16, ...quantizeMultiplier(yb === 8 ? 2 ** -10 : 2 ** -4), outMin: yb === 8 ? -128 : -32768, outMax: yb === 8 ? 127 : 32767,
        };
        const y = yb === 8 ? sentinelBuffer((k) => new Int8Array(k), 12) : sentinelBuffer((k) => new Int16Array(k), 12);
        layerNorm(x, p, y);
        wr.begin(`layernorm_i${xb}_i${yb}`)
          .ints(p.T, p.d, p.xStride, p.yStride, p.epsQ, p.preShift, p.mult, p.shift, p.outMin, p.outMax)
          .array(x).array(p.gamma).array(p.beta);
        want.push(line(y));
      }
    }
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual(want);
  });

  it('C == TS', () => {
    const cases = allCases(50, 30);
    const wr = new CaseWriter();
    for (const c of cases) {
      const { p } = c;
      wr.begin(`layernorm_i${c.xb}_i${c.yb}`)
        .ints(p.T, p.d, p.xStride, p.yStride, p.epsQ, p.preShift, p.mult, p.shift, p.outMin, p.outMax)
        .array(c.x).array(p.gamma).array(p.beta);
    }
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual(cases.map((c) => line(runTs(c))));
    // pre_shift over its range (|beta| from ~2^-13 to 4 times sqrt(d) max|gamma|)
    const ps = cases.map((c) => c.p.preShift);
    expect(Math.min(...ps)).toBeLessThanOrEqual(17);
    expect(Math.max(...ps)).toBe(32);
  });

  it('C == TS with multipliers of 1/2 and more (31 + shift < 33: the host kernel hands these to the node loop)', () => {
    const rng = new Rng(53);
    const cases = allCases(52, 4).map((c) => ({ ...c, p: { ...c.p, ...quantizeMultiplier(rng.pick([0.5, 0.75, 1, 1.5, 3])) } }));
    expect(Math.max(...cases.map((c) => 31 + c.p.shift))).toBeLessThan(33);
    const wr = new CaseWriter();
    for (const c of cases) {
      const { p } = c;
      wr.begin(`layernorm_i${c.xb}_i${c.yb}`)
        .ints(p.T, p.d, p.xStride, p.yStride, p.epsQ, p.preShift, p.mult, p.shift, p.outMin, p.outMax)
        .array(c.x).array(p.gamma).array(p.beta);
    }
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual(cases.map((c) => line(runTs(c))));
  });

  it('C == TS on 12 to 40 rows (the host kernel takes rows in groups of 16: full groups and tails)', () => {
    const rng = new Rng(54);
    const cases: LnCase[] = [];
    for (const xb of [8, 16] as const) for (const yb of [8, 16] as const) for (let i = 0; i < 4; i++) cases.push(makeCase(rng, xb, yb, 40));
    expect(Math.max(...cases.map((c) => c.p.T))).toBeGreaterThan(32);
    const wr = new CaseWriter();
    for (const c of cases) {
      const { p } = c;
      wr.begin(`layernorm_i${c.xb}_i${c.yb}`)
        .ints(p.T, p.d, p.xStride, p.yStride, p.epsQ, p.preShift, p.mult, p.shift, p.outMin, p.outMax)
        .array(c.x).array(p.gamma).array(p.beta);
    }
    for (const d of [driver, portable]) expect(d.run(wr)).toEqual(cases.map((c) => line(runTs(c))));
  });

  it('is within 0.52 output LSB plus the accumulator unit of the float LayerNorm (quantized gamma, exact beta)', () => {
    let worst = 0;
    let worstUnit = 0;
    for (const c of allCases(51, 12)) {
      const y = runTs(c);
      const { p } = c;
      const unit = requantReal(p); // s_acc / s_y: the accumulator unit in output LSBs
      worstUnit = Math.max(worstUnit, unit);
      for (let t = 0; t < p.T; t++) {
        const xr = Array.from({ length: p.d }, (_, i) => c.x[t * p.xStride + i] * c.sx);
        const mean = xr.reduce((a, b) => a + b, 0) / p.d;
        const variance = xr.reduce((a, b) => a + (b - mean) ** 2, 0) / p.d;
        // The kernel's eps is eps_q s_x^2 / d^3 (eps rounded to the variance's integer unit): against that
        // eps the bound is 0.52 LSB; against the true eps it grows by the rounding's first-order effect
        // |z gamma| / s_y * |eps_kernel - eps| / (2 (var + eps)), negligible unless var is within a few
        // thousand eps (rows a few input LSBs wide) or eps_q is tiny.
        const epsKernel = (Number(p.epsQ) * c.sx * c.sx) / (p.d ** 3 * 2 ** lnEpsFracBits(c.xb));
        for (let i = 0; i < p.d; i++) {
          for (const eps of [epsKernel, c.eps]) {
            const sd = Math.sqrt(variance + eps); // 0 only for a constant row with eps_q = 0: z = 0 there
            const zg = (sd === 0 ? 0 : (xr[i] - mean) / sd) * p.gamma[i] * c.sg;
            const ref = zg + c.beta[i];
            const epsEffect = sd === 0 ? 0 : (Math.abs(zg / c.sOut) * Math.abs(epsKernel - eps)) / (2 * sd * sd);
            const err = Math.abs(y[t * p.yStride + i] - saturate(ref / c.sOut, p.outMin, p.outMax)) - 1.01 * epsEffect - unit;
            worst = Math.max(worst, err);
          }
        }
      }
    }
    if (process.env.POSE_KERNELS_PRINT) console.log('layernorm worst error (LSB) beyond the accumulator unit', worst, 'largest unit', worstUnit);
    expect(worst).toBeLessThanOrEqual(0.52);
  });

  it('lnBeta: the smallest pre_shift in [16, 32] at which beta fits int16, null beyond 4 sqrt(d) max|gamma|', () => {
    const d = 64;
    const sg = 1 / 32767; // max|gamma| = 1
    expect(lnBeta([0, 0], d, sg)?.preShift).toBe(16);
    // at pre_shift p the int16 limit is |beta| < 2^(p-30) sqrt(d) max|gamma| (32767.5 units)
    expect(lnBeta([0.9 * 2 ** -6 * 8], d, sg)?.preShift).toBe(24);
    expect(lnBeta([1.1 * 2 ** -6 * 8], d, sg)?.preShift).toBe(25);
    const top = lnBeta([-3.99 * 8], d, sg);
    expect(top?.preShift).toBe(32);
    expect(top?.beta[0]).toBeGreaterThanOrEqual(-32768);
    expect(lnBeta([4.01 * 8], d, sg)).toBeNull();
  });

  it('C == TS at d = 160 (the widest, base) on full-range int16 rows whose c R passes 2^53 (the mirror switches to BigInt there)', () => {
    // c R = c 2^(56-a) / sqrt(V) (int16 input, E = 8) passes 2^53 only when a = 2 and |c| >= sqrt(V) / 2: three
    // values at one end of int16 and the rest at the other (V ~ 2^48.2, |c| ~ 2^23.3). Plus rows of one
    // outlier and of alternating extremes.
    const d = 160;
    const rows: number[][] = [];
    for (const hi of [32767, 32766, 32700]) rows.push([-32768, -32768, -32767, ...Array.from({ length: d - 3 }, (_, i) => hi - (i % 2))]);
    rows.push([...Array.from({ length: d - 3 }, (_, i) => -32768 + (i % 3)), 32767, 32767, 32767]);
    rows.push([-32768, ...Array.from({ length: d - 1 }, () => 32767)]);
    rows.push(Array.from({ length: d }, (_, i) => (i % 2 ? 32767 : -32768)));
    const x = Int16Array.from(rows.flat());
    const rng = new Rng(160);
    const gamma = Int16Array.from({ length: d }, () => rng.int(-32768, 32767));
    const beta = Int16Array.from({ length: d }, () => rng.int(-2000, 2000));
    let pastDouble = 0;
    for (const r of rows) {
      const sum = r.reduce((a, b) => a + b, 0);
      const v = r.reduce((a, b) => a + BigInt((d * b - sum) ** 2), 0n);
      const { r: R } = rowNormalizer(v, 0n, lnEpsFracBits(16));
      pastDouble += r.filter((xi) => Math.abs(d * xi - sum) * R >= 2 ** 53).length;
    }
    expect(pastDouble).toBeGreaterThan(0);
    const wr = new CaseWriter();
    const want: string[] = [];
    for (const yb of [8, 16] as const) {
      const p: LayerNormParams = {
        T: rows.length, d, xStride: d, yStride: d, epsQ: lnEpsQ(1e-5, d, 2 ** -8, 16), gamma, beta, preShift: 20,
        ...quantizeMultiplier(yb === 8 ? 2 ** -12 : 2 ** -5), outMin: yb === 8 ? -128 : -32768, outMax: yb === 8 ? 127 : 32767,
      };
      const y = sentinelBuffer((k) => (yb === 8 ? new Int8Array(k) : new Int16Array(k)), rows.length * d);
      layerNorm(x, p, y);
      wr.begin(`layernorm_i16_i${yb}`)
        .ints(p.T, p.d, p.xStride, p.yStride, p.epsQ, p.preShift, p.mult, p.shift, p.outMin, p.outMax)
        .array(x).array(p.gamma).array(p.beta);
      want.push(line(y));
    }
    for (const drv of [driver, portable]) expect(drv.run(wr)).toEqual(want);
  });

  it('a constant row gives beta, and the mirror refuses d > 160 and a pre_shift outside [16, 32]', () => {
    const c: LayerNormParams = {
      T: 1, d: 4, xStride: 4, yStride: 4, epsQ: 10n, gamma: Int16Array.from([100, 200, 300, 400]),
      beta: Int16Array.from([2 ** 14, -(2 ** 14), 0, 5]), preShift: 16, ...quantizeMultiplier(2 ** -14), outMin: -32768, outMax: 32767,
    };
    const y = new Int16Array(4);
    layerNorm(Int16Array.from([7, 7, 7, 7]), c, y);
    expect(Array.from(y)).toEqual([1, -1, 0, 0]);
    expect(() => layerNorm(new Int16Array(161), { ...c, d: 161, xStride: 161, yStride: 161 }, new Int16Array(161))).toThrow(
      'layernorm: d = 161 exceeds the kernel limit of 160',
    );
    expect(() => layerNorm(new Int16Array(4), { ...c, preShift: 15 }, new Int16Array(4))).toThrow('layernorm: pre_shift 15 outside [16, 32]');
  });
});
