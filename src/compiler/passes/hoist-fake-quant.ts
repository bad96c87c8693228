// hoist-fake-quant: moves a pe.FakeQuant (a QuantizeLinear -> DequantizeLinear pair) above the Transpose and
// Reshape views in front of it. Fake quantization is element-wise, so it commutes with any permutation of the
// elements; above them, the views meet the MatMul again and fuse-linear folds them into the Linear as before
// (micro's QAT export quantizes the projection's input after the packet permutation), and the pair sits on
// the tensor that is actually stored (the normalized window, int8 at the pair's scale: a view). Run after
// fuse-attention (the head-merging views belong to pe.Attention) and before fuse-linear.
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, producers, replaceNodes, uniqueTensorName } from '../ir/helpers.ts';

const VIEWS = new Set(['Transpose', 'pe.Reshape']);

export function hoistFakeQuant(g: Graph): Graph {
  for (;;) {
    const next = hoistOne(g);
    if (!next) return g;
    g = next;
  }
}

function hoistOne(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const fq of g.nodes) {
    if (fq.op !== 'pe.FakeQuant') continue;
    const view = prod.get(fq.inputs[0]);
    if (!view || !VIEWS.has(view.op) || (cons.get(view.outputs[0]) ?? []).length !== 1 || g.outputs.includes(view.outputs[0])) continue;
    const src = view.inputs[0];
    const srcTensor = g.tensors.get(src);
    if (!srcTensor || srcTensor.const !== undefined) continue;
    // src -> fq' -> quantized (src's shape) -> view' -> fq's output (its shape and readers unchanged)
    const quantized = uniqueTensorName(g, `${src}_q`);
    const hoisted: Node = { ...fq, inputs: [src], outputs: [quantized] };
    const moved: Node = { ...view, inputs: [quantized, ...view.inputs.slice(1)], outputs: [fq.outputs[0]] };
    const out = replaceNodes(g, [view, fq], [hoisted, moved]);
    out.tensors.set(quantized, { name: quantized, dtype: srcTensor.dtype, shape: [...srcTensor.shape] });
    out.tensors.delete(view.outputs[0]);
    return out;
  }
  return undefined;
}
