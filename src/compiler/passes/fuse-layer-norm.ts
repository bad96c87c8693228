// fuse-layer-norm: LayerNormalization over the last axis (opset 17) and its opset-13 decomposition
// ReduceMean, Sub, Pow(2), ReduceMean, Add(eps), Sqrt, Div [, Mul(scale)] [, Add(bias)] become
// pe.LayerNorm with constant scale and bias. Run after fold-constants and canonicalize-views.
import type { LayerNormAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, constFloats, constScalar, isInternal, producers, replaceNodes, tensorOf, uniqueTensorName } from '../ir/helpers.ts';
import { fusedName, otherInput, producedBy, scalarOperand, soleConsumer, sourcesOf } from './pattern.ts';

export function fuseLayerNorm(g: Graph): Graph {
  for (;;) {
    const next = fuseOp(g) ?? fuseDecomposed(g);
    if (!next) return g;
    g = next;
  }
}

function lastAxisOnly(g: Graph, n: Node): boolean {
  const rank = tensorOf(g, n.inputs[0]).shape.length;
  const axes: number[] | null = n.attrs.axes ?? (n.inputs[1] ? Array.from(constFloatsOrInts(g, n.inputs[1])) : null);
  return axes !== null && axes.length === 1 && (axes[0] === -1 || axes[0] === rank - 1) && n.attrs.keepdims === true;
}

function constFloatsOrInts(g: Graph, name: string): number[] {
  const c = g.tensors.get(name)?.const;
  return c ? Array.from(c as ArrayLike<number | bigint>, Number) : [];
}

/** A constant with exactly `size` values, or undefined. */
function paramOf(g: Graph, name: string, size: number): string | undefined {
  const d = constFloats(g, name);
  return d && d.length === size ? name : undefined;
}

function build(g: Graph, anchor: Node, x: string, scale: string, bias: string, out: string, attrs: LayerNormAttrs, matched: Set<Node>): Graph {
  const fused: Node<LayerNormAttrs> = {
    name: fusedName(g, anchor.name, 'LayerNorm'),
    op: 'pe.LayerNorm',
    inputs: [x, scale, bias],
    outputs: [out],
    attrs,
    sources: sourcesOf(g, matched),
  };
  return replaceNodes(g, [...matched], [fused]);
}

/** Scale of ones / bias of zeros for a LayerNorm without them, so pe.LayerNorm always has both. */
function filled(g: Graph, base: string, size: number, value: number): { g: Graph; name: string } {
  const name = uniqueTensorName(g, base);
  const tensors = new Map(g.tensors);
  tensors.set(name, { name, dtype: 'float32', shape: [size], const: new Float32Array(size).fill(value) });
  return { g: { ...g, tensors }, name };
}

function fuseOp(g: Graph): Graph | undefined {
  for (const n of g.nodes) {
    if (n.op !== 'LayerNormalization') continue;
    const shape = tensorOf(g, n.inputs[0]).shape;
    const size = shape[shape.length - 1];
    const axis = n.attrs.axis as number;
    if (axis !== -1 && axis !== shape.length - 1) continue;
    const scale = paramOf(g, n.inputs[1], size);
    if (!scale) continue;
    let bias = n.inputs[2] ? paramOf(g, n.inputs[2], size) : undefined;
    if (n.inputs[2] && !bias) continue;
    let gg = g;
    if (!bias) ({ g: gg, name: bias } = filled(g, `${n.name}::bias`, size, 0));
    return build(gg, n, n.inputs[0], scale, bias, n.outputs[0], { epsilon: n.attrs.epsilon, size, decomposed: false }, new Set([n]));
  }
  return undefined;
}

function fuseDecomposed(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const div of g.nodes) {
    if (div.op !== 'Div') continue;
    const sub = producedBy(prod, div.inputs[0], 'Sub');
    const sqrt = producedBy(prod, div.inputs[1], 'Sqrt');
    if (!sub || !sqrt) continue;
    const x = sub.inputs[0];
    const mean = producedBy(prod, sub.inputs[1], 'ReduceMean');
    if (!mean || mean.inputs[0] !== x || !lastAxisOnly(g, mean)) continue;
    const addEps = producedBy(prod, sqrt.inputs[0], 'Add');
    const eps = addEps && scalarOperand(g, addEps);
    if (!addEps || !eps) continue;
    const varMean = producedBy(prod, eps.other, 'ReduceMean');
    if (!varMean || !lastAxisOnly(g, varMean)) continue;
    const sq = prod.get(varMean.inputs[0]);
    const squares = sq && ((sq.op === 'Pow' && sq.inputs[0] === sub.outputs[0] && constScalar(g, sq.inputs[1]) === 2) || (sq.op === 'Mul' && sq.inputs[0] === sub.outputs[0] && sq.inputs[1] === sub.outputs[0]));
    if (!sq || !squares) continue;
    const shape = tensorOf(g, x).shape;
    const size = shape[shape.length - 1];
    const matched = new Set<Node>([div, sub, sqrt, mean, addEps, varMean, sq]);
    let out = div.outputs[0];
    let scale: string | undefined;
    let bias: string | undefined;
    const mul = soleConsumer(g, cons, out);
    if (mul?.op === 'Mul') {
      const s = paramOf(g, otherInput(mul, out) ?? '', size);
      if (s) {
        scale = s;
        matched.add(mul);
        out = mul.outputs[0];
      }
    }
    const add = soleConsumer(g, cons, out);
    if (add?.op === 'Add') {
      const b = paramOf(g, otherInput(add, out) ?? '', size);
      if (b) {
        bias = b;
        matched.add(add);
        out = add.outputs[0];
      }
    }
    const last = [...matched].find((n) => n.outputs[0] === out)!;
    if (!isInternal(g, cons, [...matched].filter((n) => n !== last), matched)) continue;
    let gg = g;
    if (!scale) ({ g: gg, name: scale } = filled(gg, `${div.name}::scale`, size, 1));
    if (!bias) ({ g: gg, name: bias } = filled(gg, `${div.name}::bias`, size, 0));
    return build(gg, mean, x, scale, bias, out, { epsilon: eps.value, size, decomposed: true }, matched);
  }
  return undefined;
}
