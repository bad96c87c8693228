// fuse-matmul-const: MatMul(A, x) with a constant 2-D A on the left and a [1, inner, cols] activation (the
// skeleton-graph refinement's adjacency product over the keypoint axis) becomes pe.MatMulConst. Run after
// fold-constants (A may come from a folded normalization of the adjacency).
import type { MatMulConstAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { constFloats, replaceNodes, tensorOf } from '../ir/helpers.ts';
import { fusedName } from './pattern.ts';

export function fuseMatMulConst(g: Graph): Graph {
  for (const mm of g.nodes) {
    if (mm.op !== 'MatMul') continue;
    const a = tensorOf(g, mm.inputs[0]);
    const x = tensorOf(g, mm.inputs[1]);
    if (!constFloats(g, a.name) || a.shape.length !== 2 || x.const !== undefined) continue;
    if (x.shape.length !== 3 || x.shape[0] !== 1 || x.shape[1] !== a.shape[1]) continue;
    const attrs: MatMulConstAttrs = { rows: a.shape[0], inner: a.shape[1], cols: x.shape[2], aInitializer: a.name };
    const fused: Node<MatMulConstAttrs> = {
      name: fusedName(g, mm.name, 'MatMulConst'),
      op: 'pe.MatMulConst',
      inputs: [a.name, x.name],
      outputs: [mm.outputs[0]],
      attrs,
      sources: [...mm.sources],
    };
    return fuseMatMulConst(replaceNodes(g, [mm], [fused]));
  }
  return g;
}
