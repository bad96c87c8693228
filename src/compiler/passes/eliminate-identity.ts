// eliminate-identity: removes Identity nodes on run-time tensors by reading their input directly (after
// fold-constants, Identities of initializers are already constants). When the Identity writes a graph
// output, its input is renamed instead, so the graph keeps its output name (e.g. "keypoints").
import type { Graph } from '../ir/graph.ts';
import { cloneGraph, renameUses } from '../ir/helpers.ts';

export function eliminateIdentity(g: Graph): Graph {
  let out = cloneGraph(g);
  for (const name of g.nodes.filter((n) => n.op === 'Identity').map((n) => n.name)) {
    const node = out.nodes.find((n) => n.name === name)!;
    const src = node.inputs[0];
    const dst = node.outputs[0];
    const rest = { ...out, nodes: out.nodes.filter((n) => n.name !== name) };
    if (!out.outputs.includes(dst)) {
      out = renameUses(rest, dst, src);
      out.tensors.delete(dst);
    } else if (!out.inputs.includes(src) && !out.outputs.includes(src) && out.tensors.get(src)?.const === undefined) {
      out = renameUses(rest, src, dst);
      out.nodes = out.nodes.map((n) => (n.outputs.includes(src) ? { ...n, outputs: n.outputs.map((o) => (o === src ? dst : o)) } : n));
      out.tensors.delete(src);
    }
    // Otherwise (graph input or constant straight to a graph output) the Identity is the only way to
    // express the output: keep it.
  }
  return out;
}
