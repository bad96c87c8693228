// ONNX Erf (the exact GELU as torch exports it), with an erf accurate to ~1e-15 since JavaScript has none.
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf in float64: Maclaurin series below |x| = 3 (terms peak near 170, so ~3 of 16 digits are lost to
 * cancellation: still ~1e-13), Laplace's continued fraction for erfc above (converges fast there), and
 * exactly +-1 from |x| = 6 on, where erfc(x) < 2e-17.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export const Erf: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: floatUnaryInfer,
  evaluate: (_node, [x]) => [mapFloat(x!, erf)],
};
