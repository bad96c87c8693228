// checkGraph: the invariants every pass must preserve, run by lower() after each pass so a faulty rewrite
// is caught at the pass that made it: structure (validateGraph) and shapes (each node's inference, rerun on
// its current inputs, must agree with the tensor entries its outputs carry).
import { OPS } from '../ops/index.ts';
import type { InputInfo } from '../ops/types.ts';
import { describeNode, GraphError } from './errors.ts';
import type { Graph } from './graph.ts';
import { validateGraph } from './helpers.ts';

export function checkGraph(g: Graph): void {
  validateGraph(g);
  for (const node of g.nodes) {
    const def = OPS.get(node.op);
    if (!def) throw new GraphError(`${describeNode(node)}: op ${node.op} is not in the op registry`);
    const infos = node.inputs.map((i): InputInfo | undefined => {
      if (i === '') return undefined;
      const t = g.tensors.get(i)!;
      return { dtype: t.dtype, shape: t.shape, value: t.const ? { dtype: t.dtype, shape: t.shape, data: t.const } : undefined };
    });
    const outs = def.infer(node, infos);
    node.outputs.forEach((o, k) => {
      if (o === '') return;
      const t = g.tensors.get(o)!;
      if (!outs[k] || outs[k].dtype !== t.dtype || outs[k].shape.join() !== t.shape.join()) {
        throw new GraphError(`${describeNode(node)}: output "${o}" is recorded as ${t.dtype} [${t.shape.join(',')}] but the op gives ${outs[k]?.dtype} [${outs[k]?.shape.join(',')}]`);
      }
    });
  }
}
