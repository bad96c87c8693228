// Integer parameters of the element-wise, normalization and softmax-based ops (the kernels' exact
// arithmetic is in templates/c/pose_kernels.h and docs/fixed-point.md; each function here derives the
// parameters those formulas expect from the tensor scales).
import type { Node } from '../ir/graph.ts';
import type { AttentionAttrs, AttentionPoolAttrs, LayerNormAttrs } from '../ir/fused-ops.ts';
import { gelu } from '../ops/pe-gelu.ts';
import { lnBeta, lnEpsQ, LN_PRE_SHIFT_MAX } from '../sim/kernels/layernorm.ts';
import { quantizeMultiplier, quantizeValues, roundHalfAway, saturate, INT32_MAX } from './fixed-point.ts';
import { qmax, qmin, type QOp } from './qgraph.ts';
import type { PlanContext } from './plan.ts';

const LOG2E = Math.LOG2E;

/** Bits of int8 (per tensor, symmetric) used for a constant operand of an add (the positional embedding). */
const ADD_CONST_BITS = 8;

export function planAdd(ctx: PlanContext, node: Node): QOp {
  const y = ctx.tensor(node.outputs[0]);
  const isConst = (n: string): boolean => ctx.g.tensors.get(n)?.const !== undefined;
  const acts = node.inputs.filter((n) => !isConst(n));
  const consts = node.inputs.filter((n) => isConst(n));
  if (acts.length === 0) ctx.fail(node, 'adds two constants (should have been folded)');
  const a = ctx.tensor(acts[0]);
  let sb: number;
  let bConst: string | null = null;
  let bDesc: string;
  if (acts.length === 2) {
    const b = ctx.tensor(acts[1]);
    if (b.elems !== a.elems) ctx.fail(node, `adds tensors of ${a.elems} and ${b.elems} elements; only same-size adds are supported`);
    sb = b.scale;
    bDesc = b.name;
  } else {
    const values = ctx.constFloats(consts[0], node);
    if (values.length !== a.elems) ctx.fail(node, `adds a constant of ${values.length} elements to ${a.elems}; broadcasting is not supported`);
    let m = 0;
    for (const v of values) m = Math.max(m, Math.abs(v));
    sb = (m > 0 ? m : 1) / qmax(ADD_CONST_BITS);
    bConst = ctx.addConst({
      key: `${node.name}:b`,
      ctype: 'int8_t',
      values: quantizeValues(values, sb, ADD_CONST_BITS) as Int8Array,
      comment: `${node.name}: constant operand ${consts[0]} int8, scale ${sb.toPrecision(6)}`,
    });
    bDesc = `${consts[0]} (const)`;
  }
  // One shared shift: the larger real multiplier sets it, the other gets the same exponent.
  const ra = a.scale / y.scale;
  const rb = sb / y.scale;
  const big = quantizeMultiplier(Math.max(ra, rb), `${node.name} requantization`);
  const n = 31 + big.shift;
  const multA = ra >= rb ? big.mult : Math.round(ra * 2 ** n);
  const multB = ra >= rb ? Math.round(rb * 2 ** n) : big.mult;
  const op: QOp = {
    ...ctx.common(node, bConst ? [a.name] : [a.name, acts[1]], [y.name]),
    kind: 'add', n: a.elems, bConst, multA, multB, shift: big.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`y = (a*${multA} + b*${multB}) >> ${n}: real multipliers ${ra.toPrecision(6)} (${a.name}), ${rb.toPrecision(6)} (${bDesc})`);
  return op;
}

function unaryFunction(node: Node, ctx: PlanContext): (x: number) => number {
  switch (node.op) {
    case 'pe.Gelu':
      return gelu;
    case 'Tanh':
      return Math.tanh;
    case 'Sigmoid':
      return (v) => 1 / (1 + Math.exp(-v));
    default:
      return ctx.fail(node, 'no lookup-table form');
  }
}

/** GELU / tanh / sigmoid as a table built from the exact float function at the input and output scales. */
export function planLut(ctx: PlanContext, node: Node): QOp {
  const f = unaryFunction(node, ctx);
  const x = ctx.tensor(node.inputs[0]);
  const y = ctx.tensor(node.outputs[0]);
  const lo = qmin(y.bits);
  const hi = qmax(y.bits);
  const code = (v: number): number => saturate(roundHalfAway(f(v * x.scale) / y.scale), lo, hi);
  let table: Int8Array | Int16Array;
  let kind: 'lut8' | 'lut16';
  if (x.bits === 8) {
    kind = 'lut8';
    table = y.bits === 8 ? new Int8Array(256) : new Int16Array(256);
    for (let i = 0; i < 256; i++) table[i] = code(i - 128);
  } else {
    // 257 samples every 256 codes; the kernel interpolates linearly between them (513 every 128 codes
    // halved the GELU error, 1.1 instead of 2.1 int16 LSB, for 1 KB more flash per table: no measurable
    // effect on the model's keypoints, docs/quantization.md).
    kind = 'lut16';
    table = new Int16Array(257);
    for (let i = 0; i < 257; i++) table[i] = code(-32768 + 256 * i);
  }
  const key = ctx.addConst({
    key: `${node.name}:table`,
    ctype: table instanceof Int8Array ? 'int8_t' : 'int16_t',
    values: table,
    comment: `${node.name}: ${node.op} table, ${table.length} entries, input scale ${x.scale.toPrecision(6)} -> output scale ${y.scale.toPrecision(6)}`,
  });
  const op: QOp = { ...ctx.common(node, [x.name], [y.name]), kind, n: x.elems, table: key };
  op.notes.push(kind === 'lut8' ? 'y = table[x + 128], table from the exact float function' : 'y = 257-point table every 256 codes, linear interpolation');
  return op;
}

export function planLayerNorm(ctx: PlanContext, node: Node, a: LayerNormAttrs): QOp {
  const [xName, gName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  const d = a.size;
  if (x.elems % d !== 0) ctx.fail(node, `normalized axis ${d} does not divide ${x.elems} elements`);
  if (d > 128) ctx.fail(node, `normalized axis of ${d} > 128 (kernel limit)`);
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
  const op: QOp = {
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

/** (mult, shift) for pk_exp_q24 on logits of real scale `s`: s * log2(e) * 2^16. */
function softmaxMultiplier(ctx: PlanContext, node: Node, s: number, maxDiff: number): { mult: number; shift: number } {
  const q = quantizeMultiplier(s * LOG2E * 2 ** 16, `${node.name} softmax`);
  // The exp kernel clamps differences at 2^31 - 1: that must already be far into exp underflow.
  if (maxDiff > INT32_MAX && INT32_MAX * s * LOG2E < 25) ctx.fail(node, `logit scale ${s} is too small for the softmax's clamped range`);
  return q;
}

export function planAttention(ctx: PlanContext, node: Node, a: AttentionAttrs): QOp {
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
  const op: QOp = {
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

export function planAttentionPool(ctx: PlanContext, node: Node, a: AttentionPoolAttrs): QOp {
  const [xName, sName] = node.inputs;
  const x = ctx.tensor(xName);
  const s = ctx.tensor(sName);
  const y = ctx.tensor(node.outputs[0]);
  if (s.bits !== 16) ctx.fail(node, 'pooling scores must be int16');
  if (s.elems !== a.tokens || x.elems !== a.tokens * a.dim) ctx.fail(node, `expects ${a.tokens} scores and [${a.tokens},${a.dim}] tokens`);
  const sm = softmaxMultiplier(ctx, node, s.scale, 65535);
  const out = quantizeMultiplier(x.scale / (2 ** 15 * y.scale), `${node.name} output requantization`);
  const op: QOp = {
    ...ctx.common(node, [xName, sName], [y.name]),
    kind: 'attention_pool', T: a.tokens, d: a.dim, smMult: sm.mult, smShift: sm.shift, mult: out.mult, shift: out.shift,
    outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.scratchBytes = 4 * a.tokens;
  op.macs = a.tokens * a.dim;
  op.notes.push(`softmax over ${a.tokens} scores (scale ${s.scale.toPrecision(6)}) in Q0.15; output multiplier ${out.mult} >> ${31 + out.shift}`);
  return op;
}
