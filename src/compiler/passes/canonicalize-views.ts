// canonicalize-views: turns Reshape, Flatten, Squeeze and Unsqueeze (whose shape/axes operands are
// constants after fold-constants) into pe.Reshape with the static output shape, so the fusions and the back
// end handle one kind of view. Run after fold-constants.
import type { ReshapeAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { cloneGraph, tensorOf } from '../ir/helpers.ts';

const VIEWS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

export function canonicalizeViews(g: Graph): Graph {
  const out = cloneGraph(g);
  out.nodes = g.nodes.map((n): Node => {
    if (!VIEWS.has(n.op)) return n;
    const attrs: ReshapeAttrs = { shape: [...tensorOf(g, n.outputs[0]).shape] };
    return { name: n.name, op: 'pe.Reshape', inputs: [n.inputs[0]], outputs: [n.outputs[0]], attrs, sources: [...n.sources] };
  });
  return out;
}
