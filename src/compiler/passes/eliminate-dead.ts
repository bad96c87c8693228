// eliminate-dead: drops nodes none of whose outputs reach a graph output, then every tensor no remaining
// node or graph input/output mentions. Run after folding and after the fusions, which leave orphans.
import type { Graph, Tensor } from '../ir/graph.ts';

export function eliminateDead(g: Graph): Graph {
  const live = new Set<string>(g.outputs);
  const keep = new Array<boolean>(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => live.has(o))) {
      keep[i] = true;
      for (const inp of n.inputs) if (inp !== '') live.add(inp);
    }
  }
  const nodes = g.nodes.filter((_, i) => keep[i]);
  const used = new Set<string>([...g.inputs, ...g.outputs]);
  for (const n of nodes) for (const t of [...n.inputs, ...n.outputs]) if (t !== '') used.add(t);
  const tensors = new Map<string, Tensor>([...g.tensors].filter(([name]) => used.has(name)));
  return { ...g, inputs: [...g.inputs], outputs: [...g.outputs], nodes, tensors };
}
