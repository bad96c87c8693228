// ONNX Shape (with opset-15 start/end). Always known at compile time because every IR shape is static.
import type { OpDef, Value } from './types.ts';
import { requireInput } from './support.ts';

export interface ShapeAttrs {
  start: number;
  end: number | null;
}

function dims(node: { attrs: ShapeAttrs }, shape: readonly number[]): number[] {
  const r = shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return shape.slice(clamp(node.attrs.start), node.attrs.end === null ? r : clamp(node.attrs.end));
}

export function shapeValue(node: { attrs: ShapeAttrs }, shape: readonly number[]): Value {
  const d = dims(node, shape);
  return { dtype: 'int64', shape: [d.length], data: BigInt64Array.from(d, (x) => BigInt(x)) };
}

export const Shape: OpDef<ShapeAttrs> = {
  parse: (a) => ({ start: a.int('start', 0), end: a.has('end') ? a.int('end') : null }),
  infer: (node, inputs) => [{ dtype: 'int64', shape: [dims(node, requireInput(node, inputs, 0, 'data').shape).length] }],
  evaluate: (node, [x]) => [shapeValue(node, x!.shape)],
};
