// ONNX LayerNormalization (opset 17): normalizes over the axes from `axis` to the last. Only the Y output
// is supported; torch never asks for Mean / InvStdDev.
import type { OpDef, Value } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { broadcastIndex, normAxis, requireFloat, requireInput, same, unsupported } from './support.ts';

export interface LayerNormalizationAttrs {
  axis: number;
  epsilon: number;
}

/** Float reference layer norm over the trailing axes from `axis`, biased variance, float64 statistics. */
export function layerNorm(x: Value, axis: number, epsilon: number, scale: Value, bias: Value | undefined): Value {
  const normShape = x.shape.slice(axis);
  const size = elementCount(normShape);
  const rows = elementCount(x.shape) / size;
  const si = broadcastIndex(scale.shape, normShape);
  const bi = bias ? broadcastIndex(bias.shape, normShape) : undefined;
  const src = x.data as Float32Array, g = scale.data as Float32Array, b = bias?.data as Float32Array | undefined;
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    const o = r * size;
    let mean = 0;
    for (let i = 0; i < size; i++) mean += src[o + i];
    mean /= size;
    let v = 0;
    for (let i = 0; i < size; i++) v += (src[o + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / size + epsilon);
    for (let i = 0; i < size; i++) out[o + i] = (src[o + i] - mean) * inv * g[si[i]] + (b && bi ? b[bi[i]] : 0);
  }
  return { dtype: 'float32', shape: [...x.shape], data: out };
}

export const LayerNormalization: OpDef<LayerNormalizationAttrs> = {
  parse: (a, _opset, node) => {
    if (node.outputCount > 1) throw unsupported(node, 'the Mean and InvStdDev outputs are not supported (only Y)');
    if (a.has('stash_type') && a.int('stash_type') !== 1) throw unsupported(node, `stash_type=${a.int('stash_type')} is not supported (only 1, float)`);
    return { axis: a.int('axis', -1), epsilon: a.float('epsilon', 1e-5) };
  },
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'X');
    requireFloat(node, x, 'X');
    normAxis(node, node.attrs.axis, x.shape.length);
    requireInput(node, inputs, 1, 'Scale');
    return same(x);
  },
  evaluate: (node, [x, scale, bias]) => [layerNorm(x!, normAxis(node, node.attrs.axis, x!.shape.length), node.attrs.epsilon, scale!, bias)],
};
