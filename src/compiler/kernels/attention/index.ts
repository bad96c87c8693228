// Multi-head self-attention core (pe.Attention: softmax(q k^T * scale) v per head, after the q/k/v
// projections): int32 logits, the integer softmax in Q0.15, the weighted sum exact in int32, one
// requantization. q, k, v may be column ranges of one packed tensor (torch's fused projection).
// C: pk_attention_X_Y.
import type { Node } from '../../ir/graph.ts';
import type { AttentionAttrs } from '../../ir/fused-ops.ts';
import { quantizeMultiplier } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';
import { softmaxMultiplier } from '../softmax/plan.ts';
import { attention } from './sim.ts';

export interface AttentionOp extends QOpCommon, Requantized {
  kind: 'attention';
  T: number;
  H: number;
  hd: number;
  /** Operand tensors (the same packed qkv tensor for torch's fused projection), their row stride and column offsets. */
  q: string;
  k: string;
  v: string;
  ld: number;
  qOffset: number;
  kOffset: number;
  vOffset: number;
  logitShift: number;
  smMult: number;
  smShift: number;
}

function plan(ctx: PlanContext, node: Node): AttentionOp {
  const a = node.attrs as AttentionAttrs;
  const [qName, kName, vName] = node.inputs;
  const q = ctx.tensor(qName);
  const k = ctx.tensor(kName);
  const v = ctx.tensor(vName);
  const y = ctx.tensor(node.outputs[0]);
  if (q.bits !== k.bits || q.bits !== v.bits) ctx.fail(node, 'q, k and v must share one integer type');
  const ld = q.shape[q.shape.length - 1];
  for (const t of [k, v]) if (t.shape[t.shape.length - 1] !== ld) ctx.fail(node, 'q, k and v must have the same row length');
  for (const [n, o] of [['q', a.q], ['k', a.k], ['v', a.v]] as const) {
    if (o.headStride !== a.headDim) ctx.fail(node, `${n} head stride ${o.headStride} != head dim ${a.headDim} (heads must be contiguous)`);
  }
  if (q.elems / ld !== a.tokens) ctx.fail(node, `q has ${q.elems / ld} rows, expected ${a.tokens} tokens`);
  if (a.tokens > 128) ctx.fail(node, `${a.tokens} tokens > 128 (softmax kernel limit)`);
  const maxAcc = a.headDim * qmax(q.bits) * qmax(k.bits);
  const logitShift = Math.max(0, Math.ceil(Math.log2(maxAcc)) - 30);
  const sLogit = q.scale * k.scale * 2 ** logitShift * a.scale;
  const sm = softmaxMultiplier(ctx, node, sLogit, (2 * maxAcc) / 2 ** logitShift);
  const out = quantizeMultiplier(v.scale / (2 ** 15 * y.scale), `${node.name} output requantization`);
  // q, k, v are column offsets into one buffer when they are the same tensor (torch's packed qkv); separate
  // tensors are read at their own start with the given offset.
  const inputs = [...new Set([qName, kName, vName])];
  const op: AttentionOp = {
    ...ctx.common(node, inputs, [y.name]),
    kind: 'attention', T: a.tokens, H: a.heads, hd: a.headDim, q: qName, k: kName, v: vName, ld,
    qOffset: a.q.offset, kOffset: a.k.offset, vOffset: a.v.offset,
    logitShift, smMult: sm.mult, smShift: sm.shift, mult: out.mult, shift: out.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.scratchBytes = 4 * a.tokens;
  op.macs = 2 * a.heads * a.tokens * a.tokens * a.headDim;
  op.notes.push(`logit scale ${sLogit.toPrecision(6)} (attention scale ${a.scale.toPrecision(6)}, logit_shift ${logitShift}); softmax Q0.15; output multiplier ${out.mult} >> ${31 + out.shift}`);
  return op;
}

function args<R>(op: AttentionOp, r: Refs<R>): Arg<R>[] {
  return [
    { name: 'q', value: r.tensor(op.q, op.qOffset) },
    { name: 'k', value: r.tensor(op.k, op.kOffset) },
    { name: 'v', value: r.tensor(op.v, op.vOffset) },
    { name: 'ld', value: op.ld },
    { name: 'T', value: op.T },
    { name: 'H', value: op.H },
    { name: 'hd', value: op.hd },
    { name: 'logit_shift', value: op.logitShift },
    { name: 'sm_mult', value: op.smMult },
    { name: 'sm_shift', value: op.smShift },
    ...requantArgs<R>(op, 'mult'),
    { name: 'scratch', value: r.scratch() },
    { name: 'y', value: r.tensor(op.outputs[0]) },
    { name: 'y_stride', value: op.H * op.hd },
  ];
}

export const attentionKernel: Kernel<AttentionOp> = {
  kinds: ['attention'],
  irOps: ['pe.Attention'],
  headers: ['pk_softmax.h', 'pk_attention.h'],
  calibrated: true,
  precision(node, rules) {
    // q, k, v int16: the logits are q.k, and int8 q/k was the largest int8 error of the trained micro
    // (max keypoint error 8.3% -> 2.2% of torso; arena 4704 -> 6448 B). The output: the weighted sum is
    // exact in int32 inside the kernel, and rounding it to int8 cost accuracy at no arena saving.
    for (const n of node.inputs) rules.force(n);
    rules.force(node.outputs[0]);
  },
  plan,
  cName: (op, bitsOf) => `pk_attention_${typeSuffix(bitsOf(op.q))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args,
  mirror: (
    q: Act, k: Act, v: Act, ld: number, T: number, H: number, hd: number, logitShift: number, smMult: number, smShift: number,
    mult: number, shift: number, outMin: number, outMax: number, _scratch: Int32Array, y: Act, yStride: number,
  ) => attention(q, k, v, { ld, T, H, hd, logitShift, smMult, smShift, mult, shift, yStride, outMin, outMax }, y),
};
