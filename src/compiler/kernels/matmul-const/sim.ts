// Mirror of pk_matmul_const_left_*: y = sat(requant(A x)) for a constant int16 A [n][m] and x [m][k]
// (the skeleton-graph refinement with the normalized COCO-17 adjacency).
import { checkInt32, requant, saturate } from '../../quant/fixed-point.ts';
import { need, type Act } from '../common.ts';

export function matmulConstLeft(
  a: Int16Array, x: Act, n: number, m: number, k: number, mult: number, shift: number,
  outMin: number, outMax: number, y: Act,
): void {
  need(a, n * m, 'matmul_const_left a');
  need(x, m * k, 'matmul_const_left x');
  need(y, n * k, 'matmul_const_left y');
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < m; j++) acc += a[i * m + j] * x[j * k + c];
      checkInt32(acc, `matmul_const_left [${i}][${c}]`);
      y[i * k + c] = saturate(requant(acc, mult, shift), outMin, outMax);
    }
  }
}
