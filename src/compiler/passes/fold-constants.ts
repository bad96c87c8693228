// fold-constants: evaluates every node whose inputs are all constants (and every Shape, since shapes are
// static after import) and replaces it by constant tensors. Run right after import, before any fusion, so
// the shape subgraphs torch emits (Shape/Gather/Unsqueeze/Concat -> Reshape) disappear and fusions only
// see constants where ONNX had computed shapes.
import type { Graph, Node } from '../ir/graph.ts';
import { cloneGraph } from '../ir/helpers.ts';
import { OPS } from '../ops/index.ts';
import type { Value } from '../ops/types.ts';
import { describeNode, GraphError } from '../ir/errors.ts';

export function foldConstants(g: Graph): Graph {
  const out = cloneGraph(g);
  const kept: Node[] = [];
  for (const node of g.nodes) {
    const isShape = node.op === 'Shape';
    const foldable = isShape || node.inputs.every((i) => i === '' || out.tensors.get(i)?.const !== undefined);
    const def = OPS.get(node.op);
    if (!foldable || !def || node.outputs.some((o) => g.outputs.includes(o))) {
      kept.push(node);
      continue;
    }
    const inputs: (Value | undefined)[] = node.inputs.map((i, k) => {
      if (i === '') return undefined;
      const t = out.tensors.get(i);
      if (!t) throw new GraphError(`${describeNode(node)} reads "${i}", which is not defined`);
      // Shape only looks at its input's shape, which is static even when the data is not.
      if (isShape && k === 0) return { dtype: t.dtype, shape: t.shape, data: new Float32Array(0) };
      return { dtype: t.dtype, shape: t.shape, data: t.const! };
    });
    const values = def.evaluate(node, inputs);
    node.outputs.forEach((o, k) => {
      if (o === '') return;
      const v = values[k];
      out.tensors.set(o, { name: o, dtype: v.dtype, shape: [...v.shape], const: v.data });
    });
  }
  out.nodes = kept;
  return out;
}
