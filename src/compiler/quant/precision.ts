// Which activation tensors are int16 and which follow --act-bits. Measured on micro (docs/quantization.md):
// the residual stream (every Add's operands and result), LayerNorm outputs, the attention inputs (q, k, v)
// and outputs, GELU inputs and outputs, the attention-pool scores, the model output and every SMALL tensor
// (<= SMALL_TENSOR values: the pooled vector, the head and the skeleton refinement) are int16 in every
// mode; the rest (the normalized window, ReLU hidden layers) use the --act-bits default. Small tensors cost almost
// nothing in the arena, but after pooling no averaging over tokens dilutes their rounding error any more.
// Tensors that must share one integer type (the two operands of an add, a view and its source, ReLU's
// input and output) are grouped with a union-find so a forced int16 spreads to the whole group.
import type { Graph } from '../ir/graph.ts';
import type { ActBits } from './qgraph.ts';

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/** Tensors with at most this many values are int16 regardless of --act-bits. */
export const SMALL_TENSOR = 512;

export function assignPrecision(g: Graph, actBits: ActBits): Map<string, ActBits> {
  const uf = new UnionFind();
  const forced = new Set<string>();
  const isConst = (n: string): boolean => g.tensors.get(n)?.const !== undefined;
  for (const node of g.nodes) {
    const acts = node.inputs.filter((n) => n !== '' && !isConst(n));
    switch (node.op) {
      case 'Add':
        for (const n of [...acts, node.outputs[0]]) forced.add(n);
        if (acts.length === 2) uf.union(acts[0], acts[1]);
        break;
      case 'pe.LayerNorm':
        forced.add(node.inputs[0]);
        forced.add(node.outputs[0]);
        break;
      case 'pe.AttentionPool':
        forced.add(node.inputs[1]);
        break;
      case 'pe.Attention':
        // q, k, v int16: the logits are q.k, and int8 q/k was the largest int8 error of the trained micro
        // (max keypoint error 8.3% -> 2.2% of torso; arena 4704 -> 6448 B). The output: the weighted sum is
        // exact in int32 inside the kernel, and rounding it to int8 cost accuracy at no arena saving.
        for (const n of node.inputs) forced.add(n);
        forced.add(node.outputs[0]);
        break;
      case 'pe.Gelu':
        // The FFN hidden layer around GELU: int8 there cost the trained micro (71.2% PCK@20) a max keypoint
        // error of 18% of torso (4.1% with int16), at no arena cost (the window is the larger buffer).
        forced.add(node.inputs[0]);
        forced.add(node.outputs[0]);
        break;
      case 'pe.Reshape':
      case 'Relu':
        uf.union(node.inputs[0], node.outputs[0]);
        break;
      default:
        break;
    }
  }
  for (const node of g.nodes) {
    for (const o of node.outputs) {
      const shape = g.tensors.get(o)?.shape;
      if (shape && shape.reduce((a, b) => a * b, 1) <= SMALL_TENSOR) forced.add(o);
    }
  }
  for (const out of g.outputs) forced.add(out);
  for (const inp of g.inputs) forced.add(inp);
  const forcedRoots = new Set([...forced].map((n) => uf.find(n)));
  const bits = new Map<string, ActBits>();
  const all = new Set<string>([...g.inputs, ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  for (const n of all) {
    if (n === '' || isConst(n)) continue;
    bits.set(n, forcedRoots.has(uf.find(n)) ? 16 : actBits);
  }
  return bits;
}
