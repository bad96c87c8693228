// fuse-min-max-normalize: the window normalization (x - min) / (max - min + eps), exported as
// ReduceMin, ReduceMax, Sub, Sub, Add(eps), Div with min/max over the whole window, becomes one
// pe.MinMaxNormalize. Run after fold-constants (eps must be a constant).
import type { MinMaxNormalizeAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, elementCount, isInternal, producers, replaceNodes, tensorOf } from '../ir/helpers.ts';
import { fusedName, producedBy, scalarOperand, sourcesOf } from './pattern.ts';

export function fuseMinMaxNormalize(g: Graph): Graph {
  for (;;) {
    const m = findOne(g);
    if (!m) return g;
    g = m;
  }
}

/** Reduces all of x to one value (the batch is 1, so all axes or all but the batch axis). */
function reducesAll(g: Graph, r: Node | undefined, x: string): boolean {
  return r !== undefined && r.inputs[0] === x && elementCount(tensorOf(g, r.outputs[0]).shape) === 1;
}

function findOne(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const div of g.nodes) {
    if (div.op !== 'Div') continue;
    const num = producedBy(prod, div.inputs[0], 'Sub');
    const den = producedBy(prod, div.inputs[1], 'Add');
    if (!num || !den) continue;
    const x = num.inputs[0];
    const rmin = producedBy(prod, num.inputs[1], 'ReduceMin');
    if (!reducesAll(g, rmin, x)) continue;
    const eps = scalarOperand(g, den);
    if (!eps) continue;
    const range = producedBy(prod, eps.other, 'Sub');
    if (!range) continue;
    const rmax = producedBy(prod, range.inputs[0], 'ReduceMax');
    const rmin2 = producedBy(prod, range.inputs[1], 'ReduceMin');
    if (!reducesAll(g, rmax, x) || !reducesAll(g, rmin2, x)) continue;
    const matched = new Set<Node>([div, num, den, range, rmin!, rmax!, rmin2!]);
    if (!isInternal(g, cons, [...matched].filter((n) => n !== div), matched)) continue;
    const attrs: MinMaxNormalizeAttrs = { epsilon: eps.value };
    const fused: Node<MinMaxNormalizeAttrs> = {
      name: fusedName(g, div.name, 'MinMaxNormalize'),
      op: 'pe.MinMaxNormalize',
      inputs: [x],
      outputs: [div.outputs[0]],
      attrs,
      sources: sourcesOf(g, matched),
    };
    return replaceNodes(g, [...matched], [fused]);
  }
  return undefined;
}
