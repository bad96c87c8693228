// Mirror of pk_add_*: two tensors (or a tensor and a constant) rescaled to the output with one rounding.
import { saturate } from '../../quant/fixed-point.ts';
import { need, type Act } from '../common.ts';

/**
 * pk_add (pk_add.h), n = 31 + shift: for n >= 17, X = floor(a multA / 2^16) + floor(b multB / 2^16) and
 * y = sat(floor((X + 2^(n-17)) / 2^(n-16))); for n < 17, y = sat(floor((a multA + b multB + 2^(n-1)) / 2^n)).
 * |a|, |b| <= 2^15 and |mult| < 2^31 keep each product within 2^46, exact in doubles.
 */
export function addRequant(
  a: Act, b: Act, n: number, multA: number, multB: number, shift: number, outMin: number, outMax: number, y: Act,
): void {
  need(a, n, 'add a');
  need(b, n, 'add b');
  need(y, n, 'add y');
  const sh = 31 + shift;
  if (sh >= 17) {
    // pk_add.h: each product floored at 2^16 on its own (|a mult| < 2^47: exact in a double), then one rounding.
    const half = 2 ** (sh - 17);
    const div = 2 ** (sh - 16);
    for (let i = 0; i < n; i++) {
      const x = Math.floor((a[i] * multA) / 65536) + Math.floor((b[i] * multB) / 65536);
      y[i] = saturate(Math.floor((x + half) / div), outMin, outMax);
    }
    return;
  }
  const half = 2 ** (sh - 1);
  const div = 2 ** sh;
  for (let i = 0; i < n; i++) y[i] = saturate(Math.floor((a[i] * multA + b[i] * multB + half) / div), outMin, outMax);
}
