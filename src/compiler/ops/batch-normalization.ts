// ONNX BatchNormalization in inference form (training_mode 0, output Y only): y = (x - mean) / sqrt(var +
// epsilon) * scale + B along axis 1. It has no kernel of its own: fold-batch-norm folds it into the Conv or
// the per-feature Linear (Gemm, MatMul) before it, including under QAT, where the npz's integer codes stay
// and only their per-channel scales and the bias change.
import type { Node } from '../ir/graph.ts';
import { elementCount } from '../ir/helpers.ts';
import type { InputInfo, OpDef, Value } from './types.ts';
import { fmtShape, requireFloat, requireInput, same, shapeError, unsupported } from './support.ts';

export interface BatchNormalizationAttrs {
  epsilon: number;
}

const PARAMS = ['scale', 'B', 'input_mean', 'input_var'] as const;

function infer(node: Node<BatchNormalizationAttrs>, inputs: (InputInfo | undefined)[]) {
  const x = requireInput(node, inputs, 0, 'X');
  requireFloat(node, x, 'X');
  if (x.shape.length < 2) throw shapeError(node, `X ${fmtShape(x.shape)} has no channel axis (axis 1)`);
  PARAMS.forEach((what, k) => {
    const p = requireInput(node, inputs, k + 1, what);
    if (p.shape.length !== 1 || p.shape[0] !== x.shape[1]) throw shapeError(node, `${what} ${fmtShape(p.shape)} is not one value per channel [${x.shape[1]}]`);
  });
  return same(x);
}

/** The per-channel factor gamma / sqrt(var + eps) and offset beta - mean * factor, in float64. */
export function batchNormAffine(epsilon: number, scale: ArrayLike<number>, bias: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>): { factor: number[]; offset: number[] } {
  const factor = Array.from(scale, (g, c) => g / Math.sqrt(variance[c] + epsilon));
  return { factor, offset: factor.map((f, c) => bias[c] - mean[c] * f) };
}

function evaluate(node: Node<BatchNormalizationAttrs>, [x, scale, b, mean, v]: (Value | undefined)[]): Value[] {
  const shape = x!.shape;
  const C = shape[1];
  const inner = elementCount(shape.slice(2));
  const xs = x!.data as Float32Array;
  const { factor, offset } = batchNormAffine(node.attrs.epsilon, scale!.data as Float32Array, b!.data as Float32Array, mean!.data as Float32Array, v!.data as Float32Array);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const c = Math.floor(i / inner) % C;
    out[i] = xs[i] * factor[c] + offset[c];
  }
  return [{ dtype: 'float32', shape: [...shape], data: out }];
}

export const BatchNormalization: OpDef<BatchNormalizationAttrs> = {
  parse: (a, opset, node) => {
    if (opset >= 14 && a.int('training_mode', 0) !== 0) throw unsupported(node, 'training_mode=1 is not supported (only inference: training_mode 0, running statistics as inputs)');
    if (node.outputCount > 1) throw unsupported(node, `only the output Y is supported (the node has ${node.outputCount} outputs; running_mean/running_var exist only in training mode)`);
    return { epsilon: a.float('epsilon', 1e-5) };
  },
  infer,
  evaluate,
  foldedOnly: 'folded into the Conv, or the Gemm/MatMul with a 2-D [rows, features] output, that produces its input and has no other reader',
};
