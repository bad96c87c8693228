// GRU (one layer, forward, both linear_before_reset forms) in integers. Weights W, R: the npz's int4/int8 codes
// with per-row (or per-tensor) scales. The input projections of all steps run first, through the linear kernel,
// into int16 gate pre-activations at the fixed scale G = 2^-11 (+-16: sigmoid and tanh are flat beyond it to
// 1e-7); per step the recurrent product R h (h in Q15) requantizes to the same scale, and the gates read fixed
// 257-point interpolated tables: sigmoid over [-16, 16) in steps of 1/8, tanh over [-8, 8) in steps of 1/16,
// both accurate over the whole range a pre-activation can take (max error 2e-4 and 4e-4 in the function's
// value: the interpolation's h^2/8 max|f''| plus half a Q15 step; tanh(8) is 1 - 2e-7), so no calibration of
// the gates is needed. The recurrent biases of z and r (and of the candidate when linear_before_reset is 0) fold
// into the input bias; with linear_before_reset 1 the candidate's stays apart, in G units, inside r * (R h + Rb).
// h' = n + z (h - n) in Q15. C: pk_gru_wW_i16 (templates/c/kernels/pk_gru.h).
import type { Node } from '../../ir/graph.ts';
import type { GruAttrs } from '../../ops/gru.ts';
import { packInt4Rows, quantizeMultiplier, roundHalfAway, INT32_MAX } from '../../quant/fixed-point.ts';
import type { QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { planBias } from '../linear/index.ts';
import { planWeights, type PlannedWeights } from '../weights.ts';
import { GRU_G_BITS, gru } from './sim.ts';

export interface GruOp extends QOpCommon {
  kind: 'gru';
  wbits: 4 | 8;
  T: number;
  I: number;
  H: number;
  lbr: 0 | 1;
  w: string;
  wb: string | null;
  wbShift: number;
  wMult: string;
  wShift: string;
  r: string;
  rMult: string;
  rShift: string;
  /** linear_before_reset 1: the candidate's recurrent bias in G units (int16), else null. */
  rbn: string | null;
  sig: string;
  tanh: string;
  /** Output tensors, or null when the graph does not read them. */
  y: string | null;
  yh: string | null;
}

const G = 2 ** -GRU_G_BITS;
const Q15 = 2 ** -15;

/** The gate tables in Q15: sigmoid at -16 + k/8, tanh at -8 + k/16, k = 0..256. */
export function gruTables(): { sig: Int16Array; tanh: Int16Array } {
  const q15 = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)));
  return {
    sig: Int16Array.from({ length: 257 }, (_, k) => q15(1 / (1 + Math.exp(-(-16 + k / 8))))),
    tanh: Int16Array.from({ length: 257 }, (_, k) => q15(Math.tanh(-8 + k / 16))),
  };
}

function plan(ctx: PlanContext, node: Node): GruOp {
  const a = node.attrs as GruAttrs;
  const [xName, wName, rName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const [T, , I] = x.shape;
  const H = a.hiddenSize;
  for (const n of [wName, rName, bName]) if (n && ctx.g.tensors.get(n)?.const === undefined) ctx.fail(node, `${n} must be a constant (an initializer)`);
  const w = planWeights(ctx, node, { initializer: wName, floatName: wName, rows: 3 * H, rowLen: I, what: 'W' });
  const r = planWeights(ctx, node, { initializer: rName, floatName: rName, rows: 3 * H, rowLen: H, what: 'R' });
  if (w.bits !== r.bits) ctx.fail(node, `W is int${w.bits} and R int${r.bits}; both must have the same width`);
  const b = bName ? ctx.constFloats(bName, node) : new Float32Array(6 * H);
  // Recurrent biases outside r * (...) add to the input bias; the rest stays in G units.
  const wb = Float32Array.from({ length: 3 * H }, (_, j) => b[j] + (j < 2 * H || !a.linearBeforeReset ? b[3 * H + j] : 0));
  const planned = planBias(wb, (j) => x.scale * w.scale[j]);
  if (!planned) ctx.fail(node, `the input biases do not fit int16 x 2^16 at scale s_x s_W`);
  let rbn: string | null = null;
  if (a.linearBeforeReset) {
    const v = Int16Array.from({ length: H }, (_, k) => roundHalfAway(b[5 * H + k] / G));
    for (let k = 0; k < H; k++) if (Math.abs(b[5 * H + k] / G) > 32767) ctx.fail(node, `recurrent bias Rb_h[${k}] = ${b[5 * H + k]} is beyond +-16`);
    rbn = ctx.addConst({ key: `${node.name}:rbn`, ctype: 'int16_t', values: v, comment: `${node.name}: recurrent bias of the candidate gate, int16 at 2^-${GRU_G_BITS}` });
  }
  const xMax = x.bits === 8 ? 128 : 32768;
  const proveRows = (q: PlannedWeights, rowLen: number, inMax: number, what: string, bias: (j: number) => number): void => {
    for (let j = 0; j < 3 * H; j++) {
      let s = 0;
      for (let i = 0; i < rowLen; i++) s += Math.abs(q.codes[j * rowLen + i]);
      if (inMax * s + Math.abs(bias(j)) > INT32_MAX) ctx.fail(node, `${what} row ${j} can overflow the int32 accumulator`);
    }
  };
  proveRows(w, I, xMax, 'W', (j) => planned.values[j] * 2 ** planned.shift);
  proveRows(r, H, 32768, 'R', () => 0);
  const mults = (q: PlannedWeights, inScale: number, what: string): { mult: Int32Array; shift: Int8Array } => {
    const mult = new Int32Array(3 * H);
    const shift = new Int8Array(3 * H);
    for (let j = 0; j < 3 * H; j++) {
      const m = quantizeMultiplier((inScale * q.scale[j]) / G, `${node.name} ${what} requantization`);
      mult[j] = m.mult;
      shift[j] = m.shift;
    }
    return { mult, shift };
  };
  const wm = mults(w, x.scale, 'W');
  const rm = mults(r, Q15, 'R');
  const pack = (q: PlannedWeights, rowLen: number) => (q.bits === 4 ? packInt4Rows(q.codes, 3 * H, rowLen) : q.codes);
  const tables = gruTables();
  const consumed = (name: string | undefined): string | null => {
    if (!name) return null;
    if (ctx.consumers(name).length === 0 && !ctx.g.outputs.includes(name)) return null;
    if (ctx.isModelOutput(name)) ctx.fail(node, `writes the model output ${name}; its hidden state is Q15, and the output's scale is fixed: end the model with an op that requantizes (a Linear)`);
    ctx.newTensor(name, Q15);
    return name;
  };
  const y = consumed(node.outputs[0]);
  const yh = consumed(node.outputs[1]);
  if (!y && !yh) ctx.fail(node, 'neither output is used');
  const key = (k: string) => `${node.name}:${k}`;
  const op: GruOp = {
    ...ctx.common(node, [xName], [y, yh].filter((n): n is string => n !== null)),
    kind: 'gru', wbits: w.bits, T, I, H, lbr: a.linearBeforeReset,
    w: ctx.addConst({ key: key('W'), ctype: w.bits === 4 ? 'uint8_t' : 'int8_t', values: pack(w, I), comment: `${node.name}: W [${3 * H}][${I}] (gates z, r, h) from ${w.origin}` }),
    wb: ctx.addConst({ key: key('Wb'), ctype: 'int16_t', values: planned.values, comment: `${node.name}: input biases (with the recurrent ones that fold in), int16 x 2^${planned.shift} at s_x s_W` }),
    wbShift: planned.shift,
    wMult: ctx.addConst({ key: key('W:mult'), ctype: 'int32_t', values: wm.mult, comment: `${node.name}: W rows requantized to 2^-${GRU_G_BITS}, Q31` }),
    wShift: ctx.addConst({ key: key('W:shift'), ctype: 'int8_t', values: wm.shift, comment: `${node.name}: W row shifts` }),
    r: ctx.addConst({ key: key('R'), ctype: r.bits === 4 ? 'uint8_t' : 'int8_t', values: pack(r, H), comment: `${node.name}: R [${3 * H}][${H}] from ${r.origin}` }),
    rMult: ctx.addConst({ key: key('R:mult'), ctype: 'int32_t', values: rm.mult, comment: `${node.name}: R rows (h in Q15) requantized to 2^-${GRU_G_BITS}, Q31` }),
    rShift: ctx.addConst({ key: key('R:shift'), ctype: 'int8_t', values: rm.shift, comment: `${node.name}: R row shifts` }),
    rbn,
    sig: ctx.addConst({ key: key('sigmoid'), ctype: 'int16_t', values: tables.sig, comment: 'GRU gate table: sigmoid(-16 + k/8) in Q15, k = 0..256' }),
    tanh: ctx.addConst({ key: key('tanh'), ctype: 'int16_t', values: tables.tanh, comment: 'GRU gate table: tanh(-8 + k/16) in Q15, k = 0..256' }),
    y, yh,
  };
  op.scratchBytes = 2 * (T * 3 * H + 8 * H);
  op.macs = T * 3 * H * (I + H);
  op.notes.push(`weights ${w.origin} and ${r.origin}; gates int16 at 2^-${GRU_G_BITS}, tables over +-16 (sigmoid) and +-8 (tanh); h Q15; linear_before_reset ${a.linearBeforeReset}`);
  if (planned.shift > 0) op.notes.push(`input bias int16 x 2^${planned.shift}`);
  return op;
}

function args<R>(op: GruOp, r: Refs<R>): Arg<R>[] {
  return [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'T', value: op.T },
    { name: 'I', value: op.I },
    { name: 'H', value: op.H },
    { name: 'lbr', value: op.lbr },
    { name: 'w', value: r.constant(op.w), wrap: true },
    { name: 'wb', value: op.wb ? r.constant(op.wb) : r.none() },
    { name: 'wb_shift', value: op.wbShift },
    { name: 'w_mult', value: r.constant(op.wMult) },
    { name: 'w_shift', value: r.constant(op.wShift) },
    { name: 'r', value: r.constant(op.r), wrap: true },
    { name: 'r_mult', value: r.constant(op.rMult) },
    { name: 'r_shift', value: r.constant(op.rShift) },
    { name: 'rbn', value: op.rbn ? r.constant(op.rbn) : r.none() },
    { name: 'sig', value: r.constant(op.sig), wrap: true },
    { name: 'tanh_table', value: r.constant(op.tanh) },
    { name: 'scratch', value: r.scratch() },
    { name: 'y', value: op.y ? r.tensor(op.y) : r.none(), wrap: true },
    { name: 'y_h', value: op.yh ? r.tensor(op.yh) : r.none() },
  ];
}

/** The mirror with pk_gru's parameter order (scratch is the C's working memory). */
function mirror(
  x: Act, T: number, I: number, H: number, lbr: number, w: Uint8Array | Int8Array, wb: Int16Array | null, wbShift: number,
  wMult: Int32Array, wShift: Int8Array, r: Uint8Array | Int8Array, rMult: Int32Array, rShift: Int8Array, rbn: Int16Array | null,
  sig: Int16Array, tanh: Int16Array, _scratch: Int32Array, y: Int16Array | null, yh: Int16Array | null,
): void {
  gru(x, { T, I, H, lbr, w, wb, wbShift, wMult, wShift, r, rMult, rShift, rbn, sig, tanh }, y, yh);
}

export const gruKernel: Kernel<GruOp> = {
  kinds: ['gru'],
  irOps: ['GRU'],
  headers: ['pk_gru.h'],
  calibrated: false,
  // X is int16 too: its rounding enters every gate of every step and compounds through the state (the gru
  // reference model at int8 X: 7.8% of the torso on its worst test window against the float model; int16 X:
  // 3.1%, with the rest of the model at int8).
  precision(node, rules) {
    rules.force(node.inputs[0]);
    for (const o of node.outputs) if (o) rules.force(o);
  },
  plan,
  cName: (op, bitsOf) => `pk_gru_w${op.wbits}_${typeSuffix(bitsOf(op.inputs[0]))}`,
  args,
  mirror,
};
