// Attention core (pk_attention_*), attention pooling (pk_attention_pool_*) and the constant left matrix
// product (pk_matmul_const_left_*): C == TS bit for bit over T = 1..11, H in {1, 2, 4}, head dims
// 5..48 (4-column blocks and their tail), fused-qkv row layout (ld = 3d) and padded rows, int8/int16 in and out. Against float on the
// dequantized inputs:
//   attention / pooling: |y - ref| <= 0.5 LSB + (sum_j |v_j|) s_v / s_y * 2^-14 per output, i.e. the
//     final rounding plus the softmax's probability error bound (elementwise.test.ts) carried through
//     the weighted sum (the Q0.15 probabilities dominate; logits are exact or shifted by <= 2^-25 rel.)
//   matmul_const_left: |y - A x r| <= 0.5 LSB + 2^-30 relative (exact int32 sums, one rounding)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeMultiplier, requantReal } from '../../../src/compiler/quant/fixed-point.ts';
import type { Act } from '../../../src/compiler/kernels/common.ts';
import { attention, type AttentionParams } from '../../../src/compiler/kernels/attention/sim.ts';
import { attentionPool, type AttentionPoolParams } from '../../../src/compiler/kernels/attention-pool/sim.ts';
import { matmulConstLeft } from '../../../src/compiler/kernels/matmul-const/sim.ts';
import { buildDrivers, CaseWriter, type Driver, line, Rng, sentinelBuffer } from './harness.ts';

let driver: Driver;
beforeAll(() => {
  // the host build (sanitized, and -O2 as timed: the vectorized host variant), and the node's code
  // (-DPK_NO_HOST_VEC: the int16 logits in exact int32 pieces)
  driver = buildDrivers([{}, { optimized: true }, { portable: true }]);
});
afterAll(() => driver.dispose());

const LOG2E = Math.LOG2E;
const qmaxOf = (bits: 8 | 16): number => (bits === 8 ? 127 : 32767);
const newAct = (bits: 8 | 16, n: number): Act =>
  bits === 8 ? sentinelBuffer((k) => new Int8Array(k), n) : sentinelBuffer((k) => new Int16Array(k), n);
function randAct(rng: Rng, bits: 8 | 16, n: number, spread = 1): Act {
  const a = bits === 8 ? new Int8Array(n) : new Int16Array(n);
  const m = Math.round(qmaxOf(bits) * spread);
  return rng.fill(a, -m - 1, m);
}

interface AttCase {
  xb: 8 | 16;
  yb: 8 | 16;
  qkv: Act;
  p: AttentionParams;
  s: { q: number; k: number; v: number; y: number; logit: number };
}

function attCase(rng: Rng, xb: 8 | 16, yb: 8 | 16): AttCase {
  const T = rng.int(1, 11);
  const H = rng.pick([1, 2, 4]);
  const hd = rng.pick([5, 6, 8, 10, 16, 24, 32, 48]); // 5, 6, 10: the 4-column loop tail
  const d = H * hd;
  const ld = 3 * d + rng.pick([0, 0, 4]);
  const qkv = randAct(rng, xb, T * ld, rng.pick([1, 0.3, 0.05]));
  const sq = 4 / qmaxOf(xb);
  const sk = 4 / qmaxOf(xb);
  const sv = 2 / qmaxOf(xb);
  const maxAcc = hd * (qmaxOf(xb) + 1) ** 2;
  const logitShift = Math.max(0, Math.ceil(Math.log2(maxAcc)) - 30);
  const sm = quantizeMultiplier(((sq * sk * 2 ** logitShift) / Math.sqrt(hd)) * LOG2E * 2 ** 16);
  const sy = (sv * qmaxOf(xb) * rng.pick([1, 0.5, 0.1])) / qmaxOf(yb);
  const out = quantizeMultiplier(sv / (2 ** 15 * sy));
  const p: AttentionParams = {
    ld, T, H, hd, logitShift, smMult: sm.mult, smShift: sm.shift, mult: out.mult, shift: out.shift,
    outMin: -qmaxOf(yb) - 1, outMax: qmaxOf(yb), yStride: d + rng.pick([0, 2]),
  };
  return {
    xb, yb, qkv, p,
    s: { q: sq, k: sk, v: sv, y: sv / (2 ** 15 * requantReal(out)), logit: requantReal(sm) / (LOG2E * 2 ** 16) },
  };
}

function runAtt(c: AttCase): Act {
  const d = c.p.H * c.p.hd;
  const y = newAct(c.yb, (c.p.T - 1) * c.p.yStride + d);
  attention(c.qkv, c.qkv.subarray(d), c.qkv.subarray(2 * d), c.p, y);
  return y;
}

function attCases(seed: number, per: number): AttCase[] {
  const rng = new Rng(seed);
  const out: AttCase[] = [];
  for (const xb of [8, 16] as const) for (const yb of [8, 16] as const) for (let i = 0; i < per; i++) out.push(attCase(rng, xb, yb));
  return out;
}

describe('attention', () => {
  it('C == TS', () => {
    const cases = attCases(60, 15);
    const wr = new CaseWriter();
    for (const c of cases) {
      const { p } = c;
      wr.begin(`attention_i${c.xb}_i${c.yb}`)
        .ints(p.T, p.H, p.hd, p.ld, p.logitShift, p.smMult, p.smShift, p.mult, p.shift, p.outMin, p.outMax, p.yStride)
        .array(c.qkv);
    }
    expect(driver.run(wr)).toEqual(cases.map((c) => line(runAtt(c))));
  });

  // The int16 logits are summed in exact int32 pieces (pairs of columns, five keys per pass): inputs at the
  // int16 limits (q = k = -32768 makes a pair of products 2^31) reach the ends of those pieces' ranges;
  // odd head dims and T = 1..11 hit the single-column and single-key tails.
  it('C == TS on int16 q, k at their limits', () => {
    const rng = new Rng(62);
    const cases: AttCase[] = [];
    for (let i = 0; i < 40; i++) {
      const c = attCase(rng, 16, rng.pick([8, 16] as const));
      const hd = rng.pick([1, 2, 3, 7, 31, 32, 33]);
      const d = c.p.H * hd;
      const maxAcc = hd * 32768 ** 2;
      const logitShift = Math.max(0, Math.ceil(Math.log2(maxAcc)) - 30);
      const sm = quantizeMultiplier((((c.s.q * c.s.k * 2 ** logitShift) / Math.sqrt(hd)) * LOG2E * 2 ** 16));
      c.p = { ...c.p, hd, ld: 3 * d + rng.pick([0, 1]), logitShift, smMult: sm.mult, smShift: sm.shift, yStride: d };
      const qkv = new Int16Array(c.p.T * c.p.ld);
      const pNeg = rng.pick([1, 0.9, 0.5]);
      for (let k = 0; k < qkv.length; k++) {
        const u = rng.next();
        qkv[k] = u < pNeg ? -32768 : rng.pick([32767, -32767, rng.int(-32768, 32767)]);
      }
      c.qkv = qkv;
      cases.push(c);
    }
    const wr = new CaseWriter();
    for (const c of cases) {
      const { p } = c;
      wr.begin(`attention_i${c.xb}_i${c.yb}`)
        .ints(p.T, p.H, p.hd, p.ld, p.logitShift, p.smMult, p.smShift, p.mult, p.shift, p.outMin, p.outMax, p.yStride)
        .array(c.qkv);
    }
    expect(driver.run(wr)).toEqual(cases.map((c) => line(runAtt(c))));
  });

  // The x86-64 host variant: T and hd beyond the cases above (rows of 8 and 16 lanes plus tails; T T at and
  // past its 1024-logit softmax block, T hd at and past its 2048 split keys and hd past 256, where the
  // node's loops take over), softmax multipliers of 1/2 and more (n < 32: the scalar softmax), output
  // multipliers of 1/2 and more (pk_rq_sat's wide path), logits far apart (exponents past the table:
  // e = 0) and int16 extremes.
  it('C == TS across the host variant\'s paths and bounds', () => {
    const rng = new Rng(63);
    const cases: AttCase[] = [];
    const shapes: Array<[number, number]> = [[12, 17], [17, 33], [40, 40], [64, 32], [64, 33], [8, 256], [8, 257],
      [32, 64], [33, 64], [128, 16], [3, 300], [9, 15]];
    for (const [T, hd] of shapes) {
      for (const xb of [8, 16] as const) {
        const c = attCase(rng, xb, rng.pick([8, 16] as const));
        const H = T * hd > 2000 ? 1 : rng.pick([1, 2]);
        const d = H * hd;
        const maxAcc = hd * (qmaxOf(xb) + 1) ** 2;
        const logitShift = Math.max(0, Math.ceil(Math.log2(maxAcc)) - 30);
        const smScale = rng.pick([2 ** -6, 1, 2 ** 12, 2 ** 20]); // flat to one-hot; multipliers >= 1/2 (shift <= 0)
        const sm = quantizeMultiplier((((c.s.q * c.s.k * 2 ** logitShift) / Math.sqrt(hd)) * LOG2E * 2 ** 16 * smScale));
        const out = quantizeMultiplier(rng.pick([c.s.v / (2 ** 15 * c.s.y), 0.7, 3]));
        c.p = { ...c.p, T, H, hd, ld: 3 * d + rng.pick([0, 1]), logitShift, smMult: sm.mult, smShift: sm.shift,
          mult: out.mult, shift: out.shift, yStride: d };
        c.qkv = randAct(rng, xb, T * c.p.ld, rng.pick([1, 0.3, 0.05]));
        if (xb === 16 && rng.next() < 0.5) for (let k = 0; k < c.qkv.length; k += 3) c.qkv[k] = rng.pick([-32768, 32767]);
        cases.push(c);
      }
    }
    const wr = new CaseWriter();
    for (const c of cases) {
      const { p } = c;
      wr.begin(`attention_i${c.xb}_i${c.yb}`)
        .ints(p.T, p.H, p.hd, p.ld, p.logitShift, p.smMult, p.smShift, p.mult, p.shift, p.outMin, p.outMax, p.yStride)
        .array(c.qkv);
    }
    expect(driver.run(wr)).toEqual(cases.map((c) => line(runAtt(c))));
  });

  it('is within the stated bound of float attention on the dequantized q, k, v', () => {
    let worstExcess = -Infinity;
    let worst = 0;
    for (const c of attCases(61, 5)) {
      const y = runAtt(c);
      const { p, s } = c;
      const d = p.H * p.hd;
      const at = (t: number, col: number): number => c.qkv[t * p.ld + col];
      for (let h = 0; h < p.H; h++) {
        for (let t = 0; t < p.T; t++) {
          const logits = Array.from({ length: p.T }, (_, j) => {
            let acc = 0;
            for (let k = 0; k < p.hd; k++) acc += at(t, h * p.hd + k) * at(j, d + h * p.hd + k);
            return (acc * s.q * s.k) / Math.sqrt(p.hd);
          });
          const mx = Math.max(...logits);
          const e = logits.map((l) => Math.exp(l - mx));
          const sum = e.reduce((a, b) => a + b, 0);
          for (let k = 0; k < p.hd; k++) {
            let ref = 0;
            let absV = 0;
            for (let j = 0; j < p.T; j++) {
              const v = at(j, 2 * d + h * p.hd + k);
              ref += (e[j] / sum) * v * s.v;
              absV += Math.abs(v);
            }
            const refQ = Math.min(Math.max(ref / s.y, p.outMin), p.outMax);
            const err = Math.abs(y[t * p.yStride + h * p.hd + k] - refQ);
            worst = Math.max(worst, err);
            worstExcess = Math.max(worstExcess, err - (0.5 + ((absV * s.v) / s.y) * 2 ** -14));
          }
        }
      }
    }
    if (process.env.POSE_KERNELS_PRINT) console.log('attention worst error (LSB)', worst);
    expect(worstExcess).toBeLessThanOrEqual(0);
  });
});

describe('attention_pool', () => {
  interface PoolCase { xb: 8 | 16; yb: 8 | 16; x: Act; scores: Int16Array; p: AttentionPoolParams; sx: number; sy: number; ss: number }
  function cases(seed: number, per: number, ds: readonly number[] = [1, 17, 48, 64, 96]): PoolCase[] {
    const rng = new Rng(seed);
    const out: PoolCase[] = [];
    for (const xb of [8, 16] as const) for (const yb of [8, 16] as const) for (let i = 0; i < per; i++) {
      const T = rng.int(1, 11);
      const d = rng.pick(ds);
      const xStride = d + rng.pick([0, 3]);
      const x = randAct(rng, xb, (T - 1) * xStride + d);
      const scores = randAct(rng, 16, T, rng.pick([1, 0.01])) as Int16Array;
      const ss = 2 ** (rng.next() * 6 - 3) / 32767 * 8;
      const sm = quantizeMultiplier(ss * LOG2E * 2 ** 16);
      const sx = 3 / qmaxOf(xb);
      const sy = (sx * qmaxOf(xb) * rng.pick([1, 0.4])) / qmaxOf(yb);
      const o = quantizeMultiplier(sx / (2 ** 15 * sy));
      out.push({
        xb, yb, x, scores, sx, ss: requantReal(sm) / (LOG2E * 2 ** 16), sy: sx / (2 ** 15 * requantReal(o)),
        p: { T, d, xStride, smMult: sm.mult, smShift: sm.shift, mult: o.mult, shift: o.shift, outMin: -qmaxOf(yb) - 1, outMax: qmaxOf(yb) },
      });
    }
    return out;
  }
  const run = (c: PoolCase): Act => {
    const y = newAct(c.yb, c.p.d);
    attentionPool(c.x, c.scores, c.p, y);
    return y;
  };

  it('C == TS', () => {
    const cs = cases(70, 15);
    const wr = new CaseWriter();
    for (const c of cs) {
      const { p } = c;
      wr.begin(`pool_i${c.xb}_i${c.yb}`).ints(p.T, p.d, p.xStride, p.smMult, p.smShift, p.mult, p.shift, p.outMin, p.outMax)
        .array(c.x).array(c.scores);
    }
    expect(driver.run(wr)).toEqual(cs.map((c) => line(run(c))));
  });

  // The C kernel takes the columns in blocks of 8, 4, 2 and 1: every mix of them.
  it('C == TS for column counts covering every block mix', () => {
    const cs = cases(72, 12, [2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15]);
    const wr = new CaseWriter();
    for (const c of cs) {
      const { p } = c;
      wr.begin(`pool_i${c.xb}_i${c.yb}`).ints(p.T, p.d, p.xStride, p.smMult, p.smShift, p.mult, p.shift, p.outMin, p.outMax)
        .array(c.x).array(c.scores);
    }
    expect(driver.run(wr)).toEqual(cs.map((c) => line(run(c))));
  });

  it('is within the stated bound of float pooling', () => {
    let worstExcess = -Infinity;
    for (const c of cases(71, 5)) {
      const y = run(c);
      const logits = Array.from(c.scores, (v) => v * c.ss);
      const mx = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - mx));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < c.p.d; k++) {
        let ref = 0;
        let absX = 0;
        for (let t = 0; t < c.p.T; t++) {
          const v = c.x[t * c.p.xStride + k];
          ref += (e[t] / sum) * v * c.sx;
          absX += Math.abs(v);
        }
        const refQ = Math.min(Math.max(ref / c.sy, c.p.outMin), c.p.outMax);
        worstExcess = Math.max(worstExcess, Math.abs(y[k] - refQ) - (0.5 + ((absX * c.sx) / c.sy) * 2 ** -14));
      }
    }
    expect(worstExcess).toBeLessThanOrEqual(0);
  });
});

describe('matmul_const_left', () => {
  it('C == TS, and within 0.5 LSB (+2^-30 relative) of the float product', () => {
    const rng = new Rng(80);
    const wr = new CaseWriter();
    const want: string[] = [];
    let worst = 0;
    for (const xb of [8, 16] as const) for (const yb of [8, 16] as const) for (let i = 0; i < 12; i++) {
      const n = rng.pick([1, 2, 17]);
      const m = rng.pick([1, 3, 17]);
      const k = rng.pick([1, 2, 4, 5, 7, 11, 16, 64]); // column blocks of 8, 4, 2, 1;
      // A like a normalized adjacency: non-negative, rows summing to about 1, int16 at scale 1/2^14.
      const a = new Int16Array(n * m);
      for (let r = 0; r < n; r++) for (let j = 0; j < m; j++) a[r * m + j] = rng.next() < 0.3 ? rng.int(0, 2 ** 14 / 2) : 0;
      // Extreme: the largest A with sum_j |a| |x| < 2^31 for any x (what the compiler must guarantee).
      if (i === 0) a.fill(Math.min(32767, Math.floor((2 ** 31 - 1) / (m * 32768))));
      const x = randAct(rng, xb, m * k);
      const real = (qmaxOf(yb) / qmaxOf(xb)) * 2 ** (-14 + rng.next() * 2 - 1) * (i === 0 ? 2 ** -4 : 1);
      const q = quantizeMultiplier(real);
      const lo = rng.next() < 0.3 ? 0 : -qmaxOf(yb) - 1;
      const y = newAct(yb, n * k);
      matmulConstLeft(a, x, n, m, k, q.mult, q.shift, lo, qmaxOf(yb), y);
      wr.begin(`matmul_i${xb}_i${yb}`).ints(n, m, k, q.mult, q.shift, lo, qmaxOf(yb)).array(a).array(x);
      want.push(line(y));
      const r = requantReal(q);
      for (let ii = 0; ii < n; ii++) for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let j = 0; j < m; j++) acc += a[ii * m + j] * x[j * k + c];
        const exact = Math.min(Math.max(acc * r, lo), qmaxOf(yb));
        worst = Math.max(worst, Math.abs(y[ii * k + c] - exact) - Math.abs(acc * r) * 2 ** -30);
      }
    }
    expect(driver.run(wr)).toEqual(want);
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  // The C kernel takes the columns in blocks of 8, 4, 2 and 1 and skips zero entries of A: every k from 1
  // to 17 (each mix of blocks), rows of A all zero, dense, mixed-sign and sparse.
  it('C == TS for every column count 1..17 and zero, dense, signed and sparse rows of A', () => {
    const rng = new Rng(81);
    const wr = new CaseWriter();
    const want: string[] = [];
    for (const [xb, yb] of [[16, 16], [8, 8], [16, 8]] as const) for (let k = 1; k <= 17; k++) {
      const n = 5;
      const m = 1 + ((k * 3) % 7);
      const a = new Int16Array(n * m);
      for (let j = 0; j < m; j++) {
        a[m + j] = rng.int(-(2 ** 11), 2 ** 11); // row 1 dense, signed
        a[2 * m + j] = rng.next() < 0.2 ? rng.int(1, 2 ** 12) : 0; // row 2 sparse
      }
      a[3 * m] = 2 ** 12; // row 3: only the first entry
      a[4 * m + m - 1] = -(2 ** 12); // row 4: only the last; row 0 stays all zero
      const x = randAct(rng, xb, m * k);
      const q = quantizeMultiplier((qmaxOf(yb) / qmaxOf(xb)) * 2 ** -13);
      const y = newAct(yb, n * k);
      matmulConstLeft(a, x, n, m, k, q.mult, q.shift, -qmaxOf(yb) - 1, qmaxOf(yb), y);
      wr.begin(`matmul_i${xb}_i${yb}`).ints(n, m, k, q.mult, q.shift, -qmaxOf(yb) - 1, qmaxOf(yb)).array(a).array(x);
      want.push(line(y));
    }
    expect(driver.run(wr)).toEqual(want);
  });

  it('the mirror reports an accumulator that would overflow int32 in C, naming the element', () => {
    const a = new Int16Array(17 * 17).fill(32767);
    const x = new Int16Array(17).fill(-32768);
    expect(() => matmulConstLeft(a, x, 17, 17, 1, 2 ** 30, 0, -32768, 32767, new Int16Array(17))).toThrow(
      'matmul_const_left [0][0]: int32 accumulator overflow (-18253053952)',
    );
  });
});
