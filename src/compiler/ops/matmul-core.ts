// numpy matmul semantics over float32 values (1-D promotion, broadcast batch dims), accumulating in float64.
import type { NodeRef } from '../ir/errors.ts';
import { elementCount } from '../ir/helpers.ts';
import type { Value } from './types.ts';
import { broadcastIndex, broadcastShapes, fmtShape, shapeError } from './support.ts';

export function matmulShape(node: NodeRef, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) throw shapeError(node, 'MatMul of a scalar');
  const a2 = a.length === 1 ? [1, a[0]] : [...a];
  const b2 = b.length === 1 ? [b[0], 1] : [...b];
  const k = a2[a2.length - 1];
  if (b2[b2.length - 2] !== k) throw shapeError(node, `cannot multiply ${fmtShape(a)} by ${fmtShape(b)} (inner dims ${k} and ${b2[b2.length - 2]})`);
  const batch = broadcastShapes(node, [a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

export function matmul(node: NodeRef, a: Value, b: Value): Value {
  const shape = matmulShape(node, a.shape, b.shape);
  const a2 = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const b2 = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const m = a2[a2.length - 2], k = a2[a2.length - 1], n = b2[b2.length - 1];
  const batch = broadcastShapes(node, [a2.slice(0, -2), b2.slice(0, -2)]);
  const ia = broadcastIndex(a2.slice(0, -2), batch);
  const ib = broadcastIndex(b2.slice(0, -2), batch);
  const x = a.data as Float32Array, y = b.data as Float32Array;
  const nb = elementCount(batch);
  const out = new Float32Array(nb * m * n);
  for (let bi = 0; bi < nb; bi++) {
    const ao = ia[bi] * m * k, bo = ib[bi] * k * n, oo = bi * m * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += x[ao + r * k + i] * y[bo + i * n + c];
        out[oo + r * n + c] = s;
      }
    }
  }
  return { dtype: 'float32', shape, data: out };
}
