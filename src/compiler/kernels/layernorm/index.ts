// Layer normalization over each token's d features (pe.LayerNorm): integer mean and variance, an integer
// square root and one reciprocal per row, int16 gamma and beta, one requantization. Inputs and outputs
// are int16 (the residual stream). C: pk_layernorm_X_Y; the arithmetic is in docs/fixed-point.md.
import type { Node } from '../../ir/graph.ts';
import type { LayerNormAttrs } from '../../ir/fused-ops.ts';
import { quantizeMultiplier, quantizeValues } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';
import { layerNorm, lnBeta, lnEpsQ, LN_MAX_D, LN_PRE_SHIFT_MAX } from './sim.ts';

export interface LayerNormOp extends QOpCommon, Requantized {
  kind: 'layernorm';
  T: number;
  d: number;
  /** eps in the kernel's scaled-variance unit (up to 2^56, hence a bigint). */
  epsQ: bigint;
  gamma: string;
  beta: string;
  preShift: number;
}

function plan(ctx: PlanContext, node: Node): LayerNormOp {
  const a = node.attrs as LayerNormAttrs;
  const [xName, gName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  const d = a.size;
  if (x.elems % d !== 0) ctx.fail(node, `normalized axis ${d} does not divide ${x.elems} elements`);
  if (d > LN_MAX_D) ctx.fail(node, `normalized axis of ${d} > ${LN_MAX_D} (kernel limit)`);
  const T = x.elems / d;
  const gamma = ctx.constFloats(gName, node);
  const beta = bName ? ctx.constFloats(bName, node) : new Float32Array(d);
  let gm = 0;
  for (const v of gamma) gm = Math.max(gm, Math.abs(v));
  const sg = (gm > 0 ? gm : 1) / 32767;
  const gq = quantizeValues(gamma, sg, 16) as Int16Array;
  // beta is int16 in the accumulator unit 2^(pre_shift-30) sqrt(d) s_g: the smallest pre_shift (>= 16)
  // at which every beta fits (the finest unit; |t| <= 2^30 and |gamma_q| < 2^15 keep |acc| < 2^31).
  const lb = lnBeta(beta, d, sg);
  if (!lb) {
    let bm = 0;
    for (const v of beta) bm = Math.max(bm, Math.abs(v));
    return ctx.fail(node, `beta (max |beta| ${bm}) is too large against gamma (max |gamma| ${gm}) for int16 beta at pre_shift ${LN_PRE_SHIFT_MAX}`);
  }
  const { preShift, sAcc } = lb;
  let epsQ: bigint;
  try {
    epsQ = lnEpsQ(a.epsilon, d, x.scale, x.bits);
  } catch (err) {
    return ctx.fail(node, (err as Error).message);
  }
  const q = quantizeMultiplier(sAcc / y.scale, `${node.name} requantization`);
  const gKey = ctx.addConst({ key: `${node.name}:gamma`, ctype: 'int16_t', values: gq, comment: `${node.name}: gamma ${gName} int16, scale ${sg.toPrecision(6)}` });
  const bKey = ctx.addConst({ key: `${node.name}:beta`, ctype: 'int16_t', values: lb.beta, comment: `${node.name}: beta ${bName || '(none)'} int16 at the accumulator scale ${sAcc.toPrecision(6)}` });
  const op: LayerNormOp = {
    ...ctx.common(node, [x.name], [y.name]),
    kind: 'layernorm', T, d, epsQ, gamma: gKey, beta: bKey, preShift, mult: q.mult, shift: q.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`eps_q ${epsQ}, pre_shift ${preShift}, multiplier ${q.mult} >> ${31 + q.shift}`);
  // The accumulator unit in output LSBs (the multiplier's real value): its rounding adds up to half of it.
  // Below 2^-4 as a rule (micro: 2^-5.8); a beta much larger than the output's range could push it up.
  const accLsb = sAcc / y.scale;
  if (accLsb > 2 ** -4) op.notes.push(`int16 beta: accumulator unit ${accLsb.toPrecision(3)} output LSB (coarse)`);
  return op;
}

function args<R>(op: LayerNormOp, r: Refs<R>): Arg<R>[] {
  return [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'T', value: op.T },
    { name: 'd', value: op.d },
    { name: 'x_stride', value: op.d },
    { name: 'eps_q', value: op.epsQ },
    { name: 'gamma', value: r.constant(op.gamma) },
    { name: 'beta', value: r.constant(op.beta) },
    { name: 'pre_shift', value: op.preShift },
    ...requantArgs<R>(op, 'out_min'),
    { name: 'y', value: r.tensor(op.outputs[0]) },
    { name: 'y_stride', value: op.d },
  ];
}

export const layerNormKernel: Kernel<LayerNormOp> = {
  kinds: ['layernorm'],
  irOps: ['pe.LayerNorm'],
  headers: ['pk_layernorm.h'],
  calibrated: true,
  precision(node, rules) {
    rules.force(node.inputs[0]);
    rules.force(node.outputs[0]);
  },
  plan,
  cName: (op, bitsOf) => `pk_layernorm_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args,
  mirror: (
    x: Act, T: number, d: number, xStride: number, epsQ: bigint, gamma: Int16Array, beta: Int16Array, preShift: number,
    mult: number, shift: number, outMin: number, outMax: number, y: Act, yStride: number,
  ) => layerNorm(x, { T, d, xStride, yStride, epsQ, gamma, beta, preShift, mult, shift, outMin, outMax }, y),
};
