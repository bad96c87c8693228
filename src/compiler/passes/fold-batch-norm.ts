// fold-batch-norm: a BatchNormalization whose input is the output of a Conv (constant W) or of a pe.Linear
// with a 2-D output ([rows, features]: BatchNorm1d after a Linear), read by nothing else, is folded into it:
// W'[o] = W[o] f[o], B'[o] = (B[o] - mean[o]) f[o] + beta[o], f = gamma / sqrt(var + eps). The folded op
// writes the BatchNormalization's output and records the npz's weight (weightInitializer) and f (rowFactor):
// the kernel keeps the npz's integer codes, exactly as QAT trained them, and multiplies each row's scale by
// f (a negative f negates the row's codes). Run after fuse-linear. A BatchNormalization that follows
// anything else stays, and planning refuses it naming the node.
import type { ConvAttrs } from '../ops/conv.ts';
import { batchNormAffine, type BatchNormalizationAttrs } from '../ops/batch-normalization.ts';
import type { LinearAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { constFloats, consumers, producers, replaceNodes, tensorOf, uniqueTensorName } from '../ir/helpers.ts';
import { soleConsumer } from './pattern.ts';

export function foldBatchNorm(g: Graph): Graph {
  for (;;) {
    const next = foldOne(g);
    if (!next) return g;
    g = next;
  }
}

function foldOne(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const bn of g.nodes) {
    if (bn.op !== 'BatchNormalization') continue;
    const params = bn.inputs.slice(1).map((n) => constFloats(g, n));
    if (params.some((p) => !p)) continue;
    const [gamma, beta, mean, variance] = params as Float32Array[];
    const src = prod.get(bn.inputs[0]);
    if (!src || soleConsumer(g, cons, bn.inputs[0]) !== bn) continue;
    let wName: string, rows: number, rowLen: number, initializer: string;
    if (src.op === 'Conv') {
      const w = tensorOf(g, src.inputs[1]);
      if (!constFloats(g, w.name)) continue;
      [rows, rowLen] = [w.shape[0], w.const!.length / w.shape[0]];
      wName = w.name;
      initializer = (src.attrs as ConvAttrs).weightInitializer ?? w.name;
    } else if (src.op === 'pe.Linear') {
      const a = src.attrs as LinearAttrs;
      if (tensorOf(g, src.outputs[0]).shape.length !== 2) continue; // [rows, features]: axis 1 is the features
      [rows, rowLen] = [a.outFeatures, a.inFeatures];
      wName = src.inputs[1];
      initializer = a.weightInitializer;
    } else continue;
    const { factor, offset } = batchNormAffine((bn.attrs as BatchNormalizationAttrs).epsilon, gamma, beta, mean, variance);
    const w = constFloats(g, wName)!;
    const folded = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) folded[i] = w[i] * factor[Math.floor(i / rowLen)];
    const b = src.inputs[2] ? constFloats(g, src.inputs[2]) : undefined;
    if (src.inputs[2] && !b) continue;
    const bias = Float32Array.from({ length: rows }, (_, o) => (b ? b[o] : 0) * factor[o] + offset[o]);
    const tensors = new Map(g.tensors);
    const wOut = uniqueTensorName(g, `${wName}::bn`);
    tensors.set(wOut, { name: wOut, dtype: 'float32', shape: [...tensorOf(g, wName).shape], const: folded });
    const bOut = uniqueTensorName({ ...g, tensors }, `${bn.name}::bias`);
    tensors.set(bOut, { name: bOut, dtype: 'float32', shape: [rows], const: bias });
    const prior = (src.attrs as { rowFactor?: number[] }).rowFactor;
    const fused: Node = {
      ...src,
      inputs: [src.inputs[0], wOut, bOut],
      outputs: [bn.outputs[0]],
      attrs: {
        ...src.attrs,
        weightInitializer: initializer,
        rowFactor: factor.map((f, o) => f * (prior ? prior[o] : 1)),
        ...(src.op === 'pe.Linear' ? { biasInitializer: bOut } : {}),
      },
      sources: [...src.sources, ...bn.sources],
    };
    const next = replaceNodes({ ...g, tensors }, [src, bn], [fused]);
    next.tensors.set(bn.outputs[0], { ...tensorOf(g, bn.outputs[0]), shape: [...tensorOf(g, src.outputs[0]).shape] });
    return next;
  }
  return undefined;
}
