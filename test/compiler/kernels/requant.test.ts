// Requantization: the one rounding step of every kernel. The C pk_requant (via the driver) and the TS
// requant must agree on every input, including the int32 extremes and exact ties; quantizeMultiplier
// must represent a real scale within 2^-31 relative error; and requant(acc) must be acc * real rounded
// half up, within 0.5 LSB plus the multiplier's representation error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FixedPointError,
  INT32_MAX,
  INT32_MIN,
  quantizeMultiplier,
  requant,
  requantReal,
  saturate,
} from '../../../src/compiler/quant/fixed-point.ts';
import { buildDriver, CaseWriter, type Driver, Rng } from './harness.ts';

let driver: Driver;
let portable: Driver;
beforeAll(() => {
  driver = buildDriver();
  portable = buildDriver({ portable: true }); // the node's pk_rq_sat (n < 33 scaled onto the 32-bit path)
});
afterAll(() => {
  driver.dispose();
  portable.dispose();
});

describe('requant', () => {
  it('rounds exact ties half up (towards +infinity), on both signs', () => {
    const half = quantizeMultiplier(0.5); // mult 2^30, n = 31: acc * 0.5 exactly
    expect(half).toEqual({ mult: 2 ** 30, shift: 0 });
    expect(requant(3, half.mult, half.shift)).toBe(2); // 1.5 -> 2
    expect(requant(-3, half.mult, half.shift)).toBe(-1); // -1.5 -> -1
    expect(requant(-1, half.mult, half.shift)).toBe(0); // -0.5 -> 0
    expect(requant(1, half.mult, half.shift)).toBe(1); // 0.5 -> 1
    const eighth = quantizeMultiplier(1 / 8);
    expect(requant(-12, eighth.mult, eighth.shift)).toBe(-1); // -1.5 -> -1
    expect(requant(-13, eighth.mult, eighth.shift)).toBe(-2); // -1.625 -> -2
  });

  it('C and TS agree on random, extreme and tie inputs (zero differences)', () => {
    const rng = new Rng(1);
    const cases: Array<[number, number, number]> = [];
    const accs = [0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MIN + 1, 2 ** 30, -(2 ** 30)];
    const mults = [0, 2 ** 30, 2 ** 31 - 1, 2 ** 30 + 1, 1518500250];
    for (const a of accs) for (const m of mults) for (const s of [-30, -1, 0, 1, 15, 21, 22, 30, 31]) cases.push([a, m, s]);
    for (let i = 0; i < 3000; i++) {
      const acc = rng.next() < 0.3 ? rng.int(-1000, 1000) : rng.int(INT32_MIN, INT32_MAX);
      cases.push([acc, rng.int(2 ** 30, 2 ** 31 - 1), rng.int(-30, 31)]);
    }
    // Ties: acc * mult an odd multiple of 2^(n-1).
    for (let i = 0; i < 500; i++) {
      const s = rng.int(-10, 20);
      const m = 2 ** 30;
      const n = 31 + s;
      // acc * 2^30 = (2k + 1) 2^(n-1)  <=>  acc = (2k + 1) 2^(n-31)
      if (n >= 31) cases.push([(2 * rng.int(-1000, 1000) + 1) * 2 ** (n - 31), m, s]);
    }
    const w = new CaseWriter();
    for (const [a, m, s] of cases) w.begin('requant').ints(a, m, s);
    const got = driver.run(w);
    let compared = 0;
    const mismatches: string[] = [];
    cases.forEach(([a, m, s], i) => {
      const c = BigInt(got[i]);
      const ts = requant(a, m, s);
      if (c <= 2n ** 53n && c >= -(2n ** 53n)) {
        if (ts !== Number(c)) mismatches.push(`requant(${a}, ${m}, ${s}): C ${c}, TS ${ts}`);
        compared++;
      } else if (!(Math.abs(ts) >= 2 ** 53 && Math.sign(ts) === Number(c > 0n) - Number(c < 0n))) {
        // Beyond 2^53 a double cannot hold the int64; the kernels saturate such values to int16 anyway.
        mismatches.push(`requant(${a}, ${m}, ${s}): C ${c}, TS ${ts}`);
      }
    });
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(3000);
  });

  it('pk_rq_sat (the kernels\' 32-bit requantize-and-saturate) == sat(requant) on every shift path', () => {
    const rng = new Rng(4);
    const cases: Array<[number, number, number, number, number]> = [];
    const ranges: Array<[number, number]> = [[-128, 127], [-32768, 32767], [0, 127], [0, 32767], [INT32_MIN, INT32_MAX]];
    for (let i = 0; i < 6000; i++) {
      const s = rng.int(-30, 31); // n = 1 .. 62: both 32-bit paths and the n <= 31 overflow checks
      const acc = rng.next() < 0.2 ? rng.pick([INT32_MAX, INT32_MIN, 0, 1, -1]) : rng.next() < 0.5 ? rng.int(-70000, 70000) : rng.int(INT32_MIN, INT32_MAX);
      const [lo, hi] = rng.pick(ranges);
      cases.push([acc, rng.next() < 0.1 ? 0 : rng.int(2 ** 30, 2 ** 31 - 1), s, lo, hi]);
    }
    // Exact ties at n = 31, 32, 33 and a result of exactly 2^31 - 1 + rounding.
    for (const s of [0, 1, 2]) for (const a of [1, 3, -1, -3, 5, -5]) cases.push([a * 2 ** s, 2 ** 30, s, INT32_MIN, INT32_MAX]);
    cases.push([INT32_MAX, 2 ** 31 - 1, -30, INT32_MIN, INT32_MAX], [INT32_MIN, 2 ** 31 - 1, -30, INT32_MIN, INT32_MAX]);
    // acc values that just fit, and just do not fit, int32 once scaled by 2^(33 - n) (the node's two paths)
    for (let n = 1; n <= 32; n++) {
      const k = 33 - n;
      if (k > 30) continue;
      for (const a of [2 ** (31 - k) - 1, 2 ** (31 - k), -(2 ** (31 - k)), -(2 ** (31 - k)) - 1]) cases.push([a, 2 ** 31 - 1, n - 31, INT32_MIN, INT32_MAX]);
    }
    const w = new CaseWriter();
    for (const c of cases) w.begin('rqsat').ints(...c);
    for (const d of [driver, portable]) {
      const got = d.run(w);
      const bad = cases.filter((c, i) => Number(got[i]) !== saturate(requant(c[0], c[1], c[2]), c[3], c[4]));
      expect(bad).toEqual([]);
    }
  });

  it('is acc * real rounded half up, within 0.5 LSB plus the multiplier representation error', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 5000; i++) {
      const real = 2 ** (rng.next() * 40 - 30);
      const q = quantizeMultiplier(real);
      const acc = rng.int(-(2 ** 24), 2 ** 24);
      const err = Math.abs(requant(acc, q.mult, q.shift) - acc * real);
      expect(err).toBeLessThanOrEqual(0.5 + Math.abs(acc) * real * 2 ** -30 + 1e-9);
    }
  });
});

describe('quantizeMultiplier', () => {
  it('keeps mult in [2^30, 2^31) with relative error <= 2^-31', () => {
    const rng = new Rng(3);
    const reals = [1, 0.5, 0.25, 2 ** -20, 2 ** 29, 1 - 1e-12, 0.75, 2 ** -32 * 1.5];
    for (let i = 0; i < 5000; i++) reals.push(2 ** (rng.next() * 60 - 31));
    for (const r of reals) {
      const q = quantizeMultiplier(r);
      expect(q.mult).toBeGreaterThanOrEqual(2 ** 30);
      expect(q.mult).toBeLessThan(2 ** 31);
      expect(Math.abs(requantReal(q) - r) / r).toBeLessThanOrEqual(2 ** -31);
    }
  });

  it('maps 0 to a zero multiplier', () => {
    expect(quantizeMultiplier(0)).toEqual({ mult: 0, shift: 0 });
  });

  it('rejects multipliers it cannot represent, naming them', () => {
    expect(() => quantizeMultiplier(2 ** 30, 'node /proj/MatMul')).toThrow(FixedPointError);
    expect(() => quantizeMultiplier(2 ** 30, 'node /proj/MatMul')).toThrow(
      /node \/proj\/MatMul: real multiplier 1073741824 needs a shift of -31/,
    );
    expect(() => quantizeMultiplier(2 ** -40, 'x')).toThrow(/x: real multiplier .* needs a shift of 39/);
    expect(() => quantizeMultiplier(-1, 'y')).toThrow('y: real multiplier -1 is not a finite non-negative number');
    expect(() => quantizeMultiplier(NaN, 'z')).toThrow('z: real multiplier NaN is not a finite non-negative number');
  });
});
