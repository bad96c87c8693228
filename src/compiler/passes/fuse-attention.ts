// fuse-attention: the multi-head scaled-dot-product core, as torch exports it, becomes pe.Attention:
//   q, k, v = views of the packed qkv projection (Reshape/Transpose/Gather, or Slice/Split + Reshape/Transpose)
//   Softmax(MatMul(q, k^T) * scale) -> MatMul(., v) -> Transpose -> Reshape [1, T, H*hd]
// Instead of matching one fixed sequence of view ops, each operand's chain of data-movement ops is run on
// an "index tensor" (element i holds i) of its source: the result says exactly which source column every
// (head, token, j) element reads, and the fusion applies only when that is the affine layout pe.Attention
// describes (column = offset + h * headStride + j). Run after canonicalize-views and BEFORE fuse-linear:
// the sources are the q/k/v projection outputs either way (fuse-linear keeps output names), but fuse-linear
// would otherwise fold the head-merging Transpose/Reshape into the output projection's input permutation.
import type { AttentionAttrs, AttentionOperand } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, elementCount, isConst, isInternal, producers, replaceNodes, tensorOf } from '../ir/helpers.ts';
import { OPS } from '../ops/index.ts';
import type { Value } from '../ops/types.ts';
import { fusedName, producedBy, scalarOperand, soleConsumer, sourcesOf } from './pattern.ts';

const MOVES = new Set(['Transpose', 'pe.Reshape', 'Gather', 'Slice', 'Split']);

interface Step {
  node: Node;
  /** Which output of the node the chain continues with. */
  out: string;
}

export function fuseAttention(g: Graph): Graph {
  for (;;) {
    const next = findOne(g);
    if (!next) return g;
    g = next;
  }
}

/** Walks back from `tensor` through data-movement ops whose other operands are constants. */
function traceBack(g: Graph, prod: Map<string, Node>, tensor: string): { base: string; chain: Step[] } {
  const chain: Step[] = [];
  let cur = tensor;
  for (;;) {
    const n = prod.get(cur);
    if (!n || !MOVES.has(n.op) || n.inputs.slice(1).some((i) => i !== '' && !isConst(g, i))) break;
    chain.unshift({ node: n, out: cur });
    cur = n.inputs[0];
  }
  return { base: cur, chain };
}

/** Runs the chain on an index tensor of `shape`, whose element i holds `start(i)`. */
function runIndex(g: Graph, shape: number[], chain: Step[], start: (i: number) => number): Value {
  const n = elementCount(shape);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start(i);
  let v: Value = { dtype: 'float32', shape: [...shape], data };
  for (const { node, out } of chain) {
    const inputs = node.inputs.map((i, k): Value | undefined => {
      if (k === 0) return v;
      if (i === '') return undefined;
      const t = tensorOf(g, i);
      return { dtype: t.dtype, shape: t.shape, data: t.const! };
    });
    v = OPS.get(node.op)!.evaluate(node, inputs)[node.outputs.indexOf(out)];
  }
  return v;
}

/**
 * Where each (h, t, j) of a [1, H, T, D] operand (or [1, H, D, T] when `keyTransposed`) sits in its
 * [T, C] source, when that is column offset + h*headStride + j of row t; otherwise undefined.
 */
function operandLayout(g: Graph, prod: Map<string, Node>, tensor: string, H: number, T: number, D: number, keyTransposed: boolean): { base: string; chain: Step[]; op: AttentionOperand } | undefined {
  const { base, chain } = traceBack(g, prod, tensor);
  const bshape = tensorOf(g, base).shape;
  const C = bshape[bshape.length - 1];
  if (elementCount(bshape) !== T * C) return undefined;
  const idx = runIndex(g, bshape, chain, (i) => i);
  const want = keyTransposed ? [1, H, D, T] : [1, H, T, D];
  if (idx.shape.join() !== want.join()) return undefined;
  const d = idx.data as Float32Array;
  const at = (h: number, t: number, j: number): number => d[keyTransposed ? (h * D + j) * T + t : (h * T + t) * D + j];
  const offset = at(0, 0, 0);
  const headStride = H > 1 ? at(1, 0, 0) - offset : D;
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) if (at(h, t, j) !== t * C + offset + h * headStride + j) return undefined;
  }
  return { base, chain, op: { offset, headStride } };
}

function findOne(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const sm of g.nodes) {
    if (sm.op !== 'Softmax') continue;
    const logitsShape = tensorOf(g, sm.inputs[0]).shape;
    if (logitsShape.length !== 4 || logitsShape[0] !== 1 || (sm.attrs.axis !== -1 && sm.attrs.axis !== 3)) continue;
    const [, H, T] = logitsShape;
    // Optional scale between the q.k product and the softmax.
    let scale = 1;
    const matched = new Set<Node>([sm]);
    let qk = producedBy(prod, sm.inputs[0], 'MatMul');
    if (!qk) {
      const sNode = prod.get(sm.inputs[0]);
      const s = sNode && (sNode.op === 'Mul' || sNode.op === 'Div') ? scalarOperand(g, sNode) : undefined;
      if (!sNode || !s || (sNode.op === 'Div' && sNode.inputs[0] !== s.other)) continue;
      scale = sNode.op === 'Mul' ? s.value : 1 / s.value;
      qk = producedBy(prod, s.other, 'MatMul');
      matched.add(sNode);
    }
    if (!qk) continue;
    const pv = soleConsumer(g, cons, sm.outputs[0]);
    if (!pv || pv.op !== 'MatMul' || pv.inputs[0] !== sm.outputs[0]) continue;
    const D = tensorOf(g, qk.inputs[0]).shape[3];
    if (D === undefined) continue;
    const q = operandLayout(g, prod, qk.inputs[0], H, T, D, false);
    const k = operandLayout(g, prod, qk.inputs[1], H, T, D, true);
    const v = operandLayout(g, prod, pv.inputs[1], H, T, D, false);
    if (!q || !k || !v) continue;
    // Output: follow single-consumer views until the heads are merged into [1, T, H*D].
    const outChain: Step[] = [];
    let cur = pv.outputs[0];
    let merged: string | undefined;
    for (;;) {
      const n = soleConsumer(g, cons, cur);
      if (!n || (n.op !== 'Transpose' && n.op !== 'pe.Reshape')) break;
      outChain.push({ node: n, out: n.outputs[0] });
      cur = n.outputs[0];
      if (tensorOf(g, cur).shape.join() !== [1, T, H * D].join()) continue;
      const idx = runIndex(g, [1, H, T, D], outChain, (i) => i).data as Float32Array;
      let ok = true;
      for (let t = 0; t < T && ok; t++) for (let h = 0; h < H && ok; h++) for (let j = 0; j < D && ok; j++) ok = idx[t * H * D + h * D + j] === (h * T + t) * D + j;
      if (ok) {
        merged = cur;
        break;
      }
    }
    if (!merged) continue;
    for (const s of [...q.chain, ...k.chain, ...v.chain, ...outChain]) matched.add(s.node);
    matched.add(qk).add(pv);
    const last = outChain[outChain.length - 1].node;
    if (!isInternal(g, cons, [...matched].filter((n) => n !== last), matched)) continue;
    const attrs: AttentionAttrs = { heads: H, headDim: D, tokens: T, scale, q: q.op, k: k.op, v: v.op };
    const fused: Node<AttentionAttrs> = {
      name: fusedName(g, sm.name, 'Attention'),
      op: 'pe.Attention',
      inputs: [q.base, k.base, v.base],
      outputs: [merged],
      attrs,
      sources: sourcesOf(g, matched),
    };
    return replaceNodes(g, [...matched], [fused]);
  }
  return undefined;
}
