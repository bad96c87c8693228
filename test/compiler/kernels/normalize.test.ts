// Window min-max normalization (pk_minmax_normalize_{i8,i16}): C == TS bit for bit on random, sparse,
// two-level, constant and negative-valued windows of the model's size [342][10] and of odd sizes; the
// output is token-major. Against float: the integer result is the exactly rounded (x-min)*qmax/range up
// to 2^-16 LSB (one floored reciprocal per window), and within (0.5 + 2^-16)/qmax + 1e-6/(range/2^8)
// + 1e-6 of the float model's (x - min) / (max - min + 1e-6) on the amplitudes x/2^8: the eps term
// shrinks the float result by a relative 1e-6/range, float32 rounding adds a few 1e-8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minmaxNormalize, normalizeScale } from '../../../src/compiler/kernels/normalize/sim.ts';
import { buildDrivers, CaseWriter, type Driver, line, Rng, sentinelBuffer } from './harness.ts';

let driver: Driver;
beforeAll(() => {
  // the host build (sanitized, and -O2 as timed: the vectorized passes), and the node's code
  // (-DPK_NO_HOST_VEC: the paired min/max scan)
  driver = buildDrivers([{}, { optimized: true }, { portable: true }]);
});
afterAll(() => driver.dispose());

interface Win {
  F: number;
  P: number;
  x: Int16Array;
}

function windows(seed: number): Win[] {
  const rng = new Rng(seed);
  const out: Win[] = [];
  const shapes: Array<[number, number]> = [[342, 10], [342, 10], [342, 10], [1, 1], [3, 7], [5, 1], [17, 4]];
  for (let k = 0; k < 70; k++) {
    const [F, P] = shapes[k % shapes.length];
    const x = new Int16Array(F * P);
    switch (k % 7) {
      case 0: rng.fill(x, 0, 32767); break; // full amplitude range
      case 1: rng.fill(x, 1000, 1010); break; // tiny range: coarse steps, many ties
      case 2: x.fill(rng.int(0, 32767)); break; // constant window
      case 3: for (let i = 0; i < x.length; i++) x[i] = rng.next() < 0.5 ? 0 : 32767; break; // two levels
      case 4: rng.fill(x, -32768, 32767); break; // outside the contract (negative) but still defined
      case 5: rng.fill(x, 100, 116); x[0] = 100; x[x.length - 1] = 116; break; // power-of-two range: exact ties
      default: for (let i = 0; i < x.length; i++) x[i] = Math.round(Math.abs(rng.normal()) * 3000); break;
    }
    out.push({ F, P, x });
  }
  return out;
}

function runTs(w: Win, bits: 8 | 16): Int8Array | Int16Array {
  const n = w.F * w.P;
  const y = bits === 8 ? sentinelBuffer((k) => new Int8Array(k), n) : sentinelBuffer((k) => new Int16Array(k), n);
  minmaxNormalize(w.x, w.F, w.P, y);
  return y;
}

describe('minmax_normalize', () => {
  it('C == TS for int8 and int16 outputs', () => {
    const ws = windows(20);
    const wr = new CaseWriter();
    const want: string[] = [];
    for (const bits of [8, 16] as const) {
      for (const w of ws) {
        wr.begin('minmax').ints(bits, w.F, w.P).array(w.x);
        want.push(line(runTs(w, bits)));
      }
    }
    expect(driver.run(wr)).toEqual(want);
  });

  // The C kernel scans min/max in pairs (an odd count starts after x[0]), splits the reciprocal into
  // rh = QMAX / range and rl, and runs four f per iteration with a one-at-a-time tail: ranges at the edges
  // of those paths (1, QMAX - 1 .. QMAX + 1 where rh turns 0, 2 QMAX - 1 .. 2 QMAX + 2 where the one-multiply
  // form starts, 2^15, 2^16 - 1), the extremes placed first, last or both at one end, F from 1 to 8 and 342
  // (every tail length), even and odd F * P. The host's vectorized pass runs along f in steps of 8 and 16
  // with a scalar tail: F = 15, 16, 17, 31, 33 take each of those paths.
  it('C == TS on range edges, extremes at either end, odd sizes', () => {
    const rng = new Rng(22);
    const wr = new CaseWriter();
    const want: string[] = [];
    const shapes: Array<[number, number]> = [[342, 10], [7, 3], [6, 3], [8, 3], [4, 5], [2, 1], [1, 2], [3, 1], [5, 4],
      [15, 2], [16, 3], [17, 1], [31, 2], [33, 3]];
    const ranges = [1, 2, 126, 127, 128, 129, 253, 254, 255, 256, 32766, 32767, 32768, 32769, 65533, 65534, 65535];
    for (const [F, P] of shapes) {
      for (const range of ranges) {
        for (let place = 0; place < 4; place++) {
          const n = F * P;
          if (n < 2) continue;
          const lo = range === 65535 ? -32768 : rng.int(-32768, 32767 - range);
          const x = new Int16Array(n);
          rng.fill(x, lo, lo + range);
          // place 0: min first, max last; 1: max first, min last; 2: both at the start; 3: both at the end
          const [iMin, iMax] = [[0, n - 1], [n - 1, 0], [0, 1], [n - 1, n - 2]][place];
          x[iMin] = lo;
          x[iMax] = lo + range;
          for (const bits of [8, 16] as const) {
            wr.begin('minmax').ints(bits, F, P).array(x);
            want.push(line(runTs({ F, P, x }, bits)));
          }
        }
      }
    }
    expect(driver.run(wr)).toEqual(want);
  });

  it('writes token-major [P][F] and maps min to 0, max to qmax', () => {
    const x = Int16Array.from([5, 9, 7, 1]); // F = 2, P = 2: x[f][p]
    const y = new Int8Array(4);
    minmaxNormalize(x, 2, 2, y);
    // (x - 1) * 127 / 8: f0 = [5, 9] -> [63.5, 127]; f1 = [7, 1] -> [95.25, 0]; token-major [p][f]
    expect(Array.from(y)).toEqual([64, 95, 127, 0]);
  });

  it('rounds exact halves up', () => {
    const y = new Int8Array(3);
    minmaxNormalize(Int16Array.from([0, 1, 2]), 3, 1, y); // 1 * 127 / 2 = 63.5
    expect(Array.from(y)).toEqual([0, 64, 127]);
  });

  it('gives all zeros for a constant window, as the float model does', () => {
    const y = new Int16Array(6).fill(9);
    minmaxNormalize(new Int16Array(6).fill(1234), 3, 2, y);
    expect(Array.from(y)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('is the exactly rounded quotient up to 2^-16 LSB, and within the stated bound of the float model', () => {
    for (const bits of [8, 16] as const) {
      const qmax = bits === 8 ? 127 : 32767;
      let worstExact = 0;
      let worstExcess = -Infinity; // float error minus the window's stated bound (must stay <= 0)
      for (const w of windows(21)) {
        const y = runTs(w, bits);
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of w.x) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        const range = hi - lo;
        const fmin = Math.fround(lo / 256);
        const fden = Math.fround(Math.fround(Math.fround(hi / 256) - fmin) + 1e-6);
        for (let f = 0; f < w.F; f++) {
          for (let p = 0; p < w.P; p++) {
            const got = y[p * w.F + f];
            const d = w.x[f * w.P + p] - lo;
            const exact = range === 0 ? 0 : (d * qmax) / range;
            worstExact = Math.max(worstExact, Math.abs(got - exact));
            const flt = Math.fround(Math.fround(w.x[f * w.P + p] / 256 - fmin) / fden);
            const bound = (0.5 + 2 ** -16) / qmax + (range === 0 ? 0 : 1e-6 / (range / 256)) + 1e-6;
            worstExcess = Math.max(worstExcess, Math.abs(got * normalizeScale(bits) - flt) - bound);
          }
        }
      }
      expect(worstExact).toBeLessThanOrEqual(0.5 + 2 ** -16);
      expect(worstExcess).toBeLessThanOrEqual(0);
    }
  });
});
