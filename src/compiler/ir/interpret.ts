// Float IR interpreter: runs any Graph (ONNX primitives and fused pe.* ops) with the float reference
// semantics of each op. It is how the tests prove that lowering preserves the model (against
// onnxruntime-node), and what a back end can use as the float reference of every fused op.
import { OPS } from '../ops/index.ts';
import type { Value } from '../ops/types.ts';
import { describeNode, GraphError, ShapeError, UnsupportedOpError } from './errors.ts';
import type { Graph } from './graph.ts';
import { elementCount } from './helpers.ts';

/** Runs the graph; returns every tensor's value (constants, inputs, intermediates, outputs) by name. */
export function interpret(g: Graph, feeds: ReadonlyMap<string, Value> | Record<string, Value>): Map<string, Value> {
  const feedMap = feeds instanceof Map ? feeds : new Map(Object.entries(feeds));
  const env = new Map<string, Value>();
  for (const [name, t] of g.tensors) if (t.const !== undefined) env.set(name, { dtype: t.dtype, shape: t.shape, data: t.const });
  for (const name of g.inputs) {
    const t = g.tensors.get(name)!;
    const v = feedMap.get(name);
    if (!v) throw new GraphError(`no value given for graph input "${name}"`);
    if (v.dtype !== t.dtype || elementCount(v.shape) !== elementCount(t.shape)) {
      throw new ShapeError(`graph input "${name}" expects ${t.dtype} [${t.shape.join(',')}], got ${v.dtype} [${v.shape.join(',')}]`);
    }
    env.set(name, { ...v, shape: [...t.shape] });
  }
  for (const node of g.nodes) {
    const def = OPS.get(node.op);
    if (!def) throw new UnsupportedOpError(`${describeNode(node)}: the interpreter has no op ${node.op}`);
    const ins = node.inputs.map((i) => {
      if (i === '') return undefined;
      const v = env.get(i);
      if (!v) throw new GraphError(`${describeNode(node)} reads "${i}" before it is computed`);
      return v;
    });
    const outs = def.evaluate(node, ins);
    node.outputs.forEach((o, k) => {
      if (o !== '') env.set(o, outs[k]);
    });
  }
  return env;
}

/** Convenience: the graph outputs only, in graph order. */
export function runGraph(g: Graph, feeds: ReadonlyMap<string, Value> | Record<string, Value>): Value[] {
  const env = interpret(g, feeds);
  return g.outputs.map((o) => env.get(o)!);
}
