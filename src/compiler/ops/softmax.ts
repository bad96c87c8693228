// ONNX Softmax (opset >= 13: one axis, any position), max-subtracted like onnxruntime.
import type { OpDef, Value } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { normAxis, requireFloat, requireInput, same } from './support.ts';

export interface SoftmaxAttrs {
  axis: number;
}

export function softmaxAlong(x: Value, axis: number): Value {
  const shape = x.shape;
  const n = shape[axis];
  const inner = elementCount(shape.slice(axis + 1));
  const outer = elementCount(shape.slice(0, axis));
  const src = x.data as Float32Array;
  const out = new Float32Array(src.length);
  const e = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, src[base + k * inner]);
      let s = 0;
      for (let k = 0; k < n; k++) s += e[k] = Math.exp(src[base + k * inner] - m);
      for (let k = 0; k < n; k++) out[base + k * inner] = e[k] / s;
    }
  }
  return { dtype: 'float32', shape: [...shape], data: out };
}

export const Softmax: OpDef<SoftmaxAttrs> = {
  // Import rejects opsets below 13, where Softmax had flatten-from-axis semantics and default axis 1.
  parse: (a) => ({ axis: a.int('axis', -1) }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'input');
    requireFloat(node, x, 'input');
    normAxis(node, node.attrs.axis, x.shape.length);
    return same(x);
  },
  evaluate: (node, [x]) => [softmaxAlong(x!, normAxis(node, node.attrs.axis, x!.shape.length))],
};
