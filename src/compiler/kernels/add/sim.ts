// Mirror of pk_add_*: two tensors (or a tensor and a constant) rescaled to the output with one rounding.
import { saturate } from '../../quant/fixed-point.ts';
import { need, type Act } from '../common.ts';

/**
 * pk_add: y = sat(floor((a multA + b multB + 2^(n-1)) / 2^n)), n = 31 + shift. |a|, |b| < 2^15 and
 * mult < 2^31 keep each product below 2^46; the sum stays exact in doubles when n <= 52, else BigInt.
 */
export function addRequant(
  a: Act, b: Act, n: number, multA: number, multB: number, shift: number, outMin: number, outMax: number, y: Act,
): void {
  need(a, n, 'add a');
  need(b, n, 'add b');
  need(y, n, 'add y');
  const sh = 31 + shift;
  if (sh <= 52) {
    const half = 2 ** (sh - 1);
    const div = 2 ** sh;
    for (let i = 0; i < n; i++) y[i] = saturate(Math.floor((a[i] * multA + b[i] * multB + half) / div), outMin, outMax);
    return;
  }
  const bs = BigInt(sh);
  const bhalf = 1n << (bs - 1n);
  for (let i = 0; i < n; i++) {
    const v = (BigInt(a[i]) * BigInt(multA) + BigInt(b[i]) * BigInt(multB) + bhalf) >> bs;
    y[i] = saturate(Number(v), outMin, outMax);
  }
}
