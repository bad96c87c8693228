// ONNX Slice (opset >= 10 form: starts, ends, axes, steps as inputs, all known at compile time).
// torch's chunk() of the packed qkv projection exports as three Slices on the last axis.
import type { OpDef, Value } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { gather, intList, normAxis, requireInput, requireValue, shapeError, strides } from './support.ts';

interface SliceSpec {
  shape: number[];
  /** Per axis: first index and step. */
  start: number[];
  step: number[];
}

function spec(node: { name: string; op: string }, shape: readonly number[], starts: number[], ends: number[], axes: number[] | null, steps: number[] | null): SliceSpec {
  const rank = shape.length;
  const ax = axes ?? starts.map((_, i) => i);
  if (ends.length !== starts.length || ax.length !== starts.length || (steps && steps.length !== starts.length)) {
    throw shapeError(node, 'starts, ends, axes and steps have different lengths');
  }
  const out = [...shape];
  const start = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  ax.forEach((a0, i) => {
    const a = normAxis(node, a0, rank);
    const dim = shape[a];
    const st = steps ? steps[i] : 1;
    if (st === 0) throw shapeError(node, `step 0 on axis ${a0}`);
    let s = starts[i] < 0 ? starts[i] + dim : starts[i];
    let e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (st > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    out[a] = Math.max(0, Math.ceil((e - s) / st));
    start[a] = s;
    step[a] = st;
  });
  return { shape: out, start, step };
}

function specOf(node: { name: string; op: string }, shape: readonly number[], vals: (Value | undefined)[]): SliceSpec {
  return spec(node, shape, intList(vals[0]!), intList(vals[1]!), vals[2] ? intList(vals[2]) : null, vals[3] ? intList(vals[3]) : null);
}

export const Slice: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'data');
    const vals = [
      requireValue(node, inputs[1], 'the starts input'),
      requireValue(node, inputs[2], 'the ends input'),
      inputs[3] ? requireValue(node, inputs[3], 'the axes input') : undefined,
      inputs[4] ? requireValue(node, inputs[4], 'the steps input') : undefined,
    ];
    return [{ dtype: x.dtype, shape: specOf(node, x.shape, vals).shape }];
  },
  evaluate: (node, [x, ...rest]) => {
    const s = specOf(node, x!.shape, rest);
    const inStr = strides(x!.shape);
    const n = elementCount(s.shape);
    const index = new Int32Array(n);
    const idx = new Array<number>(s.shape.length).fill(0);
    for (let f = 0; f < n; f++) {
      let src = 0;
      for (let d = 0; d < idx.length; d++) src += (s.start[d] + idx[d] * s.step[d]) * inStr[d];
      index[f] = src;
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < s.shape[d]) break;
        idx[d] = 0;
      }
    }
    return [{ dtype: x!.dtype, shape: s.shape, data: gather(x!.data, index) }];
  },
};
