// fuse-attention-pool: temporal attention pooling, Softmax(scores [1,T,1], axis 1) -> Mul with x [1,T,d]
// -> ReduceSum over the token axis (keepdims 0) -> [1,d], becomes pe.AttentionPool. The scores are the
// output of pe.Linear(d, 1), so run after fuse-linear.
import type { AttentionPoolAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, isInternal, replaceNodes, tensorOf } from '../ir/helpers.ts';
import { fusedName, otherInput, soleConsumer, sourcesOf } from './pattern.ts';

export function fuseAttentionPool(g: Graph): Graph {
  for (;;) {
    const next = findOne(g);
    if (!next) return g;
    g = next;
  }
}

function reducedAxes(g: Graph, n: Node): number[] | undefined {
  if (n.attrs.axes) return n.attrs.axes as number[];
  const c = n.inputs[1] ? g.tensors.get(n.inputs[1])?.const : undefined;
  return c ? Array.from(c as ArrayLike<number | bigint>, Number) : undefined;
}

function findOne(g: Graph): Graph | undefined {
  const cons = consumers(g);
  for (const sm of g.nodes) {
    if (sm.op !== 'Softmax') continue;
    const s = tensorOf(g, sm.inputs[0]).shape;
    if (s.length !== 3 || s[0] !== 1 || s[2] !== 1 || (sm.attrs.axis !== 1 && sm.attrs.axis !== -2)) continue;
    const T = s[1];
    const mul = soleConsumer(g, cons, sm.outputs[0]);
    if (!mul || mul.op !== 'Mul') continue;
    const x = otherInput(mul, sm.outputs[0]);
    if (!x) continue;
    const xs = tensorOf(g, x).shape;
    if (xs.length !== 3 || xs[0] !== 1 || xs[1] !== T) continue;
    const sum = soleConsumer(g, cons, mul.outputs[0]);
    if (!sum || sum.op !== 'ReduceSum' || sum.attrs.keepdims) continue;
    const axes = reducedAxes(g, sum);
    if (!axes || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -2)) continue;
    const matched = new Set<Node>([sm, mul, sum]);
    if (!isInternal(g, cons, [sm, mul], matched)) continue;
    const attrs: AttentionPoolAttrs = { tokens: T, dim: xs[2] };
    const fused: Node<AttentionPoolAttrs> = {
      name: fusedName(g, sm.name, 'AttentionPool'),
      op: 'pe.AttentionPool',
      inputs: [x, sm.inputs[0]],
      outputs: [sum.outputs[0]],
      attrs,
      sources: sourcesOf(g, matched),
    };
    return replaceNodes(g, [...matched], [fused]);
  }
  return undefined;
}
