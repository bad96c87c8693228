// Temporal attention pooling (pe.AttentionPool): softmax over one int16 score per token, then the
// probability-weighted sum of the tokens, exact in int32, one requantization. C: pk_attention_pool_X_Y.
import type { Node } from '../../ir/graph.ts';
import type { AttentionPoolAttrs } from '../../ir/fused-ops.ts';
import { quantizeMultiplier } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';
import { softmaxMultiplier } from '../softmax/plan.ts';
import { attentionPool } from './sim.ts';

export interface AttentionPoolOp extends QOpCommon, Requantized {
  kind: 'attention_pool';
  T: number;
  d: number;
  smMult: number;
  smShift: number;
}

function plan(ctx: PlanContext, node: Node): AttentionPoolOp {
  const a = node.attrs as AttentionPoolAttrs;
  const [xName, sName] = node.inputs;
  const x = ctx.tensor(xName);
  const s = ctx.tensor(sName);
  const y = ctx.tensor(node.outputs[0]);
  if (s.bits !== 16) ctx.fail(node, 'pooling scores must be int16');
  if (s.elems !== a.tokens || x.elems !== a.tokens * a.dim) ctx.fail(node, `expects ${a.tokens} scores and [${a.tokens},${a.dim}] tokens`);
  const sm = softmaxMultiplier(ctx, node, s.scale, 65535);
  const out = quantizeMultiplier(x.scale / (2 ** 15 * y.scale), `${node.name} output requantization`);
  const op: AttentionPoolOp = {
    ...ctx.common(node, [xName, sName], [y.name]),
    kind: 'attention_pool', T: a.tokens, d: a.dim, smMult: sm.mult, smShift: sm.shift, mult: out.mult, shift: out.shift,
    outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.scratchBytes = 4 * a.tokens;
  op.macs = a.tokens * a.dim;
  op.notes.push(`softmax over ${a.tokens} scores (scale ${s.scale.toPrecision(6)}) in Q0.15; output multiplier ${out.mult} >> ${31 + out.shift}`);
  return op;
}

function args<R>(op: AttentionPoolOp, r: Refs<R>): Arg<R>[] {
  return [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'T', value: op.T },
    { name: 'd', value: op.d },
    { name: 'x_stride', value: op.d },
    { name: 'scores', value: r.tensor(op.inputs[1]) },
    { name: 'sm_mult', value: op.smMult },
    { name: 'sm_shift', value: op.smShift },
    ...requantArgs<R>(op, 'out_min'),
    { name: 'scratch', value: r.scratch() },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ];
}

export const attentionPoolKernel: Kernel<AttentionPoolOp> = {
  kinds: ['attention_pool'],
  irOps: ['pe.AttentionPool'],
  headers: ['pk_attention_pool.h'],
  calibrated: true,
  precision: (node, rules) => rules.force(node.inputs[1]),
  plan,
  cName: (op, bitsOf) => `pk_attention_pool_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args,
  mirror: (
    x: Act, T: number, d: number, xStride: number, scores: Int16Array, smMult: number, smShift: number, mult: number, shift: number,
    outMin: number, outMax: number, _scratch: Int32Array, y: Act,
  ) => attentionPool(x, scores, { T, d, xStride, smMult, smShift, mult, shift, outMin, outMax }, y),
};
