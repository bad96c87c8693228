// Transpose as data movement, on codes. A permutation that only moves axes of size 1 keeps the element order
// (a view, no code), and so does [0,3,1,2] of the normalized window, which the normalization already writes
// token-major; anything else copies: after dropping size-1 axes and merging axes that stay adjacent, at most
// four axes, y[i0][i1][i2][i3] = x[i0 s0 + i1 s1 + i2 s2 + i3 s3], with one requantization (the identity at the
// input's scale; the model output's scale when it is the output). C: pk_transpose_X_Y (pk_transpose.h).
import type { Node } from '../../ir/graph.ts';
import type { TransposeAttrs } from '../../ops/transpose.ts';
import { quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';

export const TRANSPOSE_MAX_RANK = 4;

export interface TransposeOp extends QOpCommon, Requantized {
  kind: 'transpose';
  /** Output dims and the input stride of each output axis, padded in front to four axes (dim 1, stride 0). */
  dims: number[];
  strides: number[];
}

/**
 * The movement of a transpose of `shape` by `perm`, reduced: size-1 axes dropped, output axes whose input axes
 * are consecutive merged. Returns the output dims and the input strides (in elements) of the reduced axes.
 */
export function reduceTranspose(shape: readonly number[], perm: readonly number[]): { dims: number[]; strides: number[] } {
  const inStride: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    inStride[i] = acc;
    acc *= shape[i];
  }
  const axes = perm.filter((p) => shape[p] !== 1);
  const dims: number[] = [];
  const strides: number[] = [];
  let prev = -2;
  for (const p of axes) {
    // Output axis p follows output axis prev, and p comes right after prev in the input (only size-1 axes
    // between them): one run.
    if (dims.length > 0 && p > prev && shape.slice(prev + 1, p).every((d) => d === 1)) {
      dims[dims.length - 1] *= shape[p];
      strides[strides.length - 1] = inStride[p];
    } else {
      dims.push(shape[p]);
      strides.push(inStride[p]);
    }
    prev = p;
  }
  return { dims, strides };
}

function plan(ctx: PlanContext, node: Node): TransposeOp | null {
  const x = ctx.tensor(node.inputs[0]);
  const out = node.outputs[0];
  const a = node.attrs as TransposeAttrs;
  const perm = a.perm.length > 0 ? a.perm : [...x.shape.keys()].reverse();
  const producer = ctx.g.nodes.find((n) => n.outputs.includes(x.name));
  const reduced = reduceTranspose(x.shape, perm);
  const windowTokens = producer?.op === 'pe.MinMaxNormalize' && perm.join(',') === '0,3,1,2';
  if ((windowTokens || (reduced.dims.length <= 1)) && !ctx.isModelOutput(out)) {
    ctx.view(out, x.name);
    return null;
  }
  if (reduced.dims.length > TRANSPOSE_MAX_RANK) {
    ctx.fail(node, `moves ${reduced.dims.length} groups of axes (perm [${perm.join(',')}] of [${x.shape.join(',')}]); at most ${TRANSPOSE_MAX_RANK} are supported`);
  }
  const y = ctx.newTensor(out, x.scale);
  const q = quantizeMultiplier(x.scale / y.scale, `${node.name} requantization`);
  const pad = TRANSPOSE_MAX_RANK - reduced.dims.length;
  const op: TransposeOp = {
    ...ctx.common(node, [x.name], [out]), kind: 'transpose',
    dims: [...new Array<number>(pad).fill(1), ...reduced.dims], strides: [...new Array<number>(pad).fill(0), ...reduced.strides],
    mult: q.mult, shift: q.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`perm [${perm.join(',')}]: output [${reduced.dims.join('][')}] from input strides [${reduced.strides.join(',')}]`);
  return op;
}

/** Mirror of pk_transpose_X_Y. */
function transpose(
  x: Act, d0: number, d1: number, d2: number, d3: number, s0: number, s1: number, s2: number, s3: number,
  mult: number, shift: number, outMin: number, outMax: number, y: Act,
): void {
  need(y, d0 * d1 * d2 * d3, 'transpose y');
  need(x, 1 + (d0 - 1) * s0 + (d1 - 1) * s1 + (d2 - 1) * s2 + (d3 - 1) * s3, 'transpose x');
  let k = 0;
  for (let i0 = 0; i0 < d0; i0++)
    for (let i1 = 0; i1 < d1; i1++)
      for (let i2 = 0; i2 < d2; i2++)
        for (let i3 = 0; i3 < d3; i3++) y[k++] = saturate(requant(x[i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3], mult, shift), outMin, outMax);
}

export const transposeKernel: Kernel<TransposeOp> = {
  kinds: ['transpose'],
  irOps: ['Transpose'],
  headers: ['pk_transpose.h'],
  calibrated: false,
  precision: (node, rules) => rules.tie(node.inputs[0], node.outputs[0]),
  plan,
  cName: (op, bitsOf) => `pk_transpose_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: TransposeOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    ...op.dims.map((d, i) => ({ name: `d${i}`, value: d })),
    ...op.strides.map((s, i) => ({ name: `s${i}`, value: s, wrap: i === 0 })),
    ...requantArgs<R>(op),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: transpose,
};
