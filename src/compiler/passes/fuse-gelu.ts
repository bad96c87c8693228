// fuse-gelu: the exact GELU as torch exports it, Div(x, sqrt 2) -> Erf -> Add(1) -> Mul(x, .) -> Mul(0.5)
// (also x * 1/sqrt 2, and the 0.5 applied to x first), becomes pe.Gelu. Run after fold-constants.
import type { GeluAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, isInternal, producers, replaceNodes } from '../ir/helpers.ts';
import { fusedName, near, otherInput, scalarOperand, soleConsumer, sourcesOf } from './pattern.ts';

export function fuseGelu(g: Graph): Graph {
  for (;;) {
    const next = findOne(g);
    if (!next) return g;
    g = next;
  }
}

function findOne(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const erf of g.nodes) {
    if (erf.op !== 'Erf') continue;
    const scaleNode = prod.get(erf.inputs[0]);
    const sc = scaleNode && scalarOperand(g, scaleNode);
    if (!scaleNode || !sc) continue;
    const isScale = (scaleNode.op === 'Div' && scaleNode.inputs[1] !== sc.other && near(sc.value, Math.SQRT2)) || (scaleNode.op === 'Mul' && near(sc.value, Math.SQRT1_2));
    if (!isScale) continue;
    const x = sc.other;
    const add1 = soleConsumer(g, cons, erf.outputs[0]);
    const one = add1?.op === 'Add' ? scalarOperand(g, add1) : undefined;
    if (!add1 || !one || !near(one.value, 1)) continue;
    const m1 = soleConsumer(g, cons, add1.outputs[0]);
    if (!m1 || m1.op !== 'Mul') continue;
    const m1Other = otherInput(m1, add1.outputs[0]);
    let last: Node | undefined;
    const matched = new Set<Node>([scaleNode, erf, add1, m1]);
    if (m1Other === x) {
      // 0.5 applied last: Mul(Mul(x, 1 + erf), 0.5)
      const m2 = soleConsumer(g, cons, m1.outputs[0]);
      const half = m2?.op === 'Mul' ? scalarOperand(g, m2) : undefined;
      if (!m2 || !half || !near(half.value, 0.5)) continue;
      matched.add(m2);
      last = m2;
    } else {
      // 0.5 applied to x first: Mul(Mul(x, 0.5), 1 + erf)
      const pre = m1Other ? prod.get(m1Other) : undefined;
      const half = pre?.op === 'Mul' ? scalarOperand(g, pre) : undefined;
      if (!pre || !half || half.other !== x || !near(half.value, 0.5)) continue;
      matched.add(pre);
      last = m1;
    }
    if (!isInternal(g, cons, [...matched].filter((n) => n !== last), matched)) continue;
    const fused: Node<GeluAttrs> = {
      name: fusedName(g, erf.name, 'Gelu'),
      op: 'pe.Gelu',
      inputs: [x],
      outputs: [last.outputs[0]],
      attrs: { approximate: 'none' },
      sources: sourcesOf(g, matched),
    };
    return replaceNodes(g, [...matched], [fused]);
  }
  return undefined;
}
