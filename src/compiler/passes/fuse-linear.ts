// fuse-linear: MatMul(x, W) [+ Add(bias)] with a constant 2-D W, and Gemm(x, W, C) with alpha = beta = 1,
// become pe.Linear with the weight in PyTorch [out, in] layout (transposed from MatMul's [in, out] form,
// which attrs.weightTransposed records for the npz weight map). When the input is Transpose -> Reshape of
// a tensor (the per-packet projection of the [1,3,114,10] window), the Transpose is folded into
// attrs.inputPerm. Run after fold-constants, canonicalize-views and fuse-attention (which must claim the
// head-merging Transpose/Reshape first).
import type { LinearAttrs } from '../ir/fused-ops.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { consumers, constFloats, elementCount, isInternal, producers, replaceNodes, tensorOf, uniqueTensorName } from '../ir/helpers.ts';
import { outputShape as linearOutputShape } from '../ops/pe-linear.ts';
import { fusedName, otherInput, producedBy, soleConsumer, sourcesOf } from './pattern.ts';

export function fuseLinear(g: Graph): Graph {
  for (;;) {
    const next = findOne(g);
    if (!next) return g;
    g = next;
  }
}

function transpose2d(d: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(d.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = d[r * cols + c];
  return t;
}

function findOne(g: Graph): Graph | undefined {
  const prod = producers(g);
  const cons = consumers(g);
  for (const mm of g.nodes) {
    let x: string, wName: string, transposed: boolean, biasName: string | undefined;
    const matched = new Set<Node>([mm]);
    let out = mm.outputs[0];
    if (mm.op === 'MatMul') {
      x = mm.inputs[0];
      wName = mm.inputs[1];
      const w = g.tensors.get(wName);
      if (!w?.const || w.shape.length !== 2 || !(w.const instanceof Float32Array) || g.tensors.get(x)?.const) continue;
      if (tensorOf(g, x).shape.length < 2) continue;
      transposed = true;
    } else if (mm.op === 'Gemm') {
      if (mm.attrs.alpha !== 1 || mm.attrs.beta !== 1) continue;
      x = mm.inputs[0];
      wName = mm.inputs[1];
      if (!constFloats(g, wName) || g.tensors.get(x)?.const) continue;
      transposed = !mm.attrs.transB;
      if (mm.inputs[2]) {
        const c = constFloats(g, mm.inputs[2]);
        const outF = tensorOf(g, out).shape[1];
        if (!c || c.length !== outF) continue;
        biasName = mm.inputs[2];
      }
    } else continue;
    const w = tensorOf(g, wName);
    const [inF, outF] = transposed ? w.shape : [w.shape[1], w.shape[0]];
    if (!biasName) {
      const add = soleConsumer(g, cons, out);
      const other = add?.op === 'Add' ? otherInput(add, out) : undefined;
      const b = other !== undefined ? g.tensors.get(other) : undefined;
      if (add && other && b?.const instanceof Float32Array && b.const.length === outF && b.shape[b.shape.length - 1] === outF) {
        biasName = other;
        matched.add(add);
        out = add.outputs[0];
      }
    }
    // Fold Transpose -> Reshape in front of the weight into an input permutation (reshape is a view, so the
    // rows of [tokens, in] are those of the transposed tensor when the reshape keeps `in` as its last dim).
    let inputPerm: number[] | null = null;
    const view = producedBy(prod, x, 'pe.Reshape');
    const tr = view ? producedBy(prod, view.inputs[0], 'Transpose') : undefined;
    if (view && tr && tensorOf(g, x).shape.at(-1) === inF) {
      const chain = new Set<Node>([...matched, view, tr]);
      if (isInternal(g, cons, [view, tr], chain)) {
        const rank = tensorOf(g, tr.inputs[0]).shape.length;
        inputPerm = tr.attrs.perm.length > 0 ? [...tr.attrs.perm] : [...Array(rank).keys()].reverse();
        matched.add(view).add(tr);
        x = tr.inputs[0];
      }
    }
    const last = [...matched].find((n) => n.outputs[0] === out)!;
    if (!isInternal(g, cons, [...matched].filter((n) => n !== last), matched)) continue;
    let gg = g;
    let weightTensor = wName;
    if (transposed) {
      weightTensor = uniqueTensorName(g, `${wName}::T`);
      const tensors = new Map(g.tensors);
      tensors.set(weightTensor, { name: weightTensor, dtype: 'float32', shape: [outF, inF], const: transpose2d(w.const as Float32Array, inF, outF) });
      gg = { ...g, tensors };
    }
    const attrs: LinearAttrs = {
      inFeatures: inF,
      outFeatures: outF,
      tokens: elementCount(tensorOf(g, x).shape) / inF,
      weightInitializer: wName,
      weightTransposed: transposed,
      biasInitializer: biasName ?? null,
      inputPerm,
    };
    const fused: Node<LinearAttrs> = {
      name: fusedName(g, mm.name, 'Linear'),
      op: 'pe.Linear',
      inputs: [x, weightTensor, biasName ?? ''],
      outputs: [out],
      attrs,
      sources: sourcesOf(g, matched),
    };
    const next = replaceNodes(gg, [...matched], [fused]);
    // pe.Linear's output shape is [..., tokens, out]; keep the tensor entry consistent with it.
    next.tensors.set(out, { ...tensorOf(g, out), shape: linearOutputShape(tensorOf(g, x).shape, attrs) });
    return next;
  }
  return undefined;
}
