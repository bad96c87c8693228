// ONNX Gemm: Y = alpha * A * op(B) + beta * C, with A [M,K]. transA=1 is rejected: torch never emits it
// for a Linear and supporting it would only add an untested path.
import type { OpDef, Value } from './types.ts';
import { binary, broadcastShapes, fmtShape, requireFloat, requireInput, shapeError, unsupported } from './support.ts';
import { matmul } from './matmul-core.ts';
import { Transpose } from './transpose.ts';

export interface GemmAttrs {
  alpha: number;
  beta: number;
  transB: boolean;
}

export const Gemm: OpDef<GemmAttrs> = {
  parse: (a, _opset, node) => {
    if (a.int('transA', 0) !== 0) throw unsupported(node, 'transA=1 is not supported (only transA=0, as torch exports nn.Linear)');
    return { alpha: a.float('alpha', 1), beta: a.float('beta', 1), transB: a.int('transB', 0) !== 0 };
  },
  infer: (node, inputs) => {
    const a = requireInput(node, inputs, 0, 'A');
    const b = requireInput(node, inputs, 1, 'B');
    requireFloat(node, a, 'A');
    requireFloat(node, b, 'B');
    if (a.shape.length !== 2 || b.shape.length !== 2) throw shapeError(node, `A ${fmtShape(a.shape)} and B ${fmtShape(b.shape)} must both be 2-D`);
    const [m, k] = a.shape;
    const [bk, n] = node.attrs.transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (bk !== k) throw shapeError(node, `inner dims differ: A ${fmtShape(a.shape)}, B ${fmtShape(b.shape)} with transB=${node.attrs.transB ? 1 : 0}`);
    if (inputs[2]) broadcastShapes(node, [inputs[2].shape, [m, n]]);
    return [{ dtype: 'float32', shape: [m, n] }];
  },
  evaluate: (node, [a, b, c]) => {
    const bb: Value = node.attrs.transB ? Transpose.evaluate({ ...node, attrs: { perm: [1, 0] } }, [b])[0] : b!;
    let y = matmul(node, a!, bb);
    if (node.attrs.alpha !== 1) y = binary(node, y, { dtype: 'float32', shape: [], data: Float32Array.of(node.attrs.alpha) }, (p, q) => p * q);
    if (c) {
      const cc = node.attrs.beta === 1 ? c : binary(node, c, { dtype: 'float32', shape: [], data: Float32Array.of(node.attrs.beta) }, (p, q) => p * q);
      y = binary(node, y, cc, (p, q) => p + q);
    }
    return [y];
  },
  weightInputs: [1],
};
