// Mirror of pk_relu_*.
import type { Act } from '../common.ts';

/** pk_relu: y may be x. */
export function relu(x: Act, n: number, y: Act): void {
  for (let i = 0; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
}
