// Fully connected layers (pe.Linear: MatMul + Add fused), int4 or int8 weights from the npz as stored, int16
// bias at scale s_in*s_w (times a power of two), one requantization per output. C: pk_linear_w{4,8}_X_Y.
import type { Node } from '../../ir/graph.ts';
import type { LinearAttrs } from '../../ir/fused-ops.ts';
import { packInt4Rows, quantizeMultiplier, quantizeValues, roundHalfAway, INT32_MAX } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { linearW4, linearW8 } from './sim.ts';
import { planWeights } from '../weights.ts';

export interface LinearOp extends QOpCommon {
  kind: 'linear';
  wbits: 4 | 8;
  T: number;
  inF: number;
  outF: number;
  xStride: number;
  yStride: number;
  weight: string;
  /** int16 bias constant, applied as bias[o] * 2^biasShift (see planBias). */
  bias: string | null;
  biasShift: number;
  mult: string;
  shift: string;
  perRow: boolean;
  outMin: number;
  outMax: number;
}

function plan(ctx: PlanContext, node: Node): LinearOp {
  const a = node.attrs as LinearAttrs;
  const [xName, wName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  const { inFeatures: inF, outFeatures: outF, tokens: T } = a;
  if (a.inputPerm && ctx.g.nodes.find((n) => n.outputs.includes(xName))?.op !== 'pe.MinMaxNormalize') {
    ctx.fail(node, `input permutation [${a.inputPerm.join(',')}] is only supported on the normalized window`);
  }
  if (x.elems !== T * inF) ctx.fail(node, `input has ${x.elems} values, expected ${T} tokens x ${inF}`);
  const found = ctx.quantizedWeight(a.weightInitializer);
  let wbits: 4 | 8;
  let codes: Int8Array;
  let wScale: Float32Array;
  let perRow: boolean;
  let origin: string;
  if (found) {
    const { tensor: qt, entry } = found;
    if (qt.shape.length !== 2 || qt.shape[0] !== outF || qt.shape[1] !== inF) {
      ctx.fail(node, `${ctx.inp.weights.path}: ${entry.npzKey} has shape [${qt.shape.join(',')}], the graph needs [${outF},${inF}] (weights do not fit the graph)`);
    }
    if (qt.bits !== ctx.inp.bits) ctx.fail(node, `${ctx.inp.weights.path}: ${entry.npzKey} is int${qt.bits} but --bits ${ctx.inp.bits} was asked for`);
    wbits = qt.bits;
    codes = qt.q;
    wScale = qt.scale;
    perRow = qt.scaleAxis === 'row';
    origin = `${entry.npzKey} (npz int${qt.bits}${perRow ? ', per-row scales' : `, scale ${qt.scale[0].toPrecision(6)}`})`;
    if (a.rowFactor) {
      // A folded BatchNormalization: the codes stay, each row's scale takes its factor (planWeights).
      const w = planWeights(ctx, node, { initializer: a.weightInitializer, floatName: wName, rows: outF, rowLen: inF, rowFactor: a.rowFactor });
      codes = w.codes;
      wScale = Float32Array.from(w.scale);
      perRow = true;
      origin = w.origin;
    }
  } else {
    // A weight the npz keeps float (the attention-pool score vector): int8 per tensor, symmetric.
    const w = ctx.constFloats(wName, node);
    let m = 0;
    for (const v of w) m = Math.max(m, Math.abs(v));
    const s = m > 0 ? m / 127 : 1;
    codes = quantizeValues(w, s, 8) as Int8Array;
    wbits = 8;
    wScale = Float32Array.of(s);
    perRow = false;
    origin = `${a.weightInitializer} (float in the npz; quantized here to int8, scale ${s.toPrecision(6)})`;
  }
  const weightKey = ctx.addConst({
    key: `${node.name}:weight`,
    ctype: wbits === 4 ? 'uint8_t' : 'int8_t',
    values: wbits === 4 ? packInt4Rows(codes, outF, inF) : Int8Array.from(codes),
    comment: `${node.name}: weight [${outF}][${inF}] from ${origin}${wbits === 4 ? ', int4 packed two per byte' : ''}`,
  });
  const rows = perRow ? outF : 1;
  const mult = new Int32Array(rows);
  const shift = new Int8Array(rows);
  for (let r = 0; r < rows; r++) {
    const q = quantizeMultiplier((x.scale * wScale[r]) / y.scale, `${node.name} requantization`);
    mult[r] = q.mult;
    shift[r] = q.shift;
  }
  let biasKey: string | null = null;
  let biasShift = 0;
  let biasNote: string | null = null;
  if (bName) {
    const b = ctx.constFloats(bName, node);
    const planned = planBias(b, (o) => x.scale * wScale[perRow ? o : 0]);
    if (!planned) ctx.fail(node, `bias ${bName} does not fit int16 x 2^${MAX_BIAS_SHIFT} at scale s_in*s_w`);
    biasShift = planned.shift;
    const worstLsb = planned.shift > 0 ? 2 ** (planned.shift - 1) * Math.max(...Array.from(wScale, (s) => (x.scale * s) / y.scale)) : 0;
    if (planned.shift > 0) biasNote = `bias int16 x 2^${planned.shift}: rounded to ${2 ** planned.shift} accumulator units, at most ${worstLsb.toPrecision(3)} output LSB`;
    biasKey = ctx.addConst({
      key: `${node.name}:bias`,
      ctype: 'int16_t',
      values: planned.values,
      comment: `${node.name}: bias int16, times 2^${planned.shift}, at scale s_in*s_w (${a.biasInitializer ?? bName})`,
    });
  }
  // The kernel accumulates in int32: prove that no input can overflow it (worst case per output row).
  const xMax = x.bits === 8 ? 128 : 32768;
  const biasValues = biasKey ? ctx.constValues(biasKey) : null;
  for (let o = 0; o < outF; o++) {
    let sum = 0;
    for (let i = 0; i < inF; i++) sum += Math.abs(codes[o * inF + i]);
    const worst = xMax * sum + (biasValues ? Math.abs(biasValues[o] * 2 ** biasShift) : 0);
    if (worst > INT32_MAX) ctx.fail(node, `row ${o} can reach ${worst} in the int32 accumulator (int${x.bits} input x ${inF} weights); use --act-bits 8 or fewer input features`);
  }
  const multKey = ctx.addConst({ key: `${node.name}:mult`, ctype: 'int32_t', values: mult, comment: `${node.name}: requantization multiplier(s), Q31` });
  const shiftKey = ctx.addConst({ key: `${node.name}:shift`, ctype: 'int8_t', values: shift, comment: `${node.name}: requantization shift(s)` });
  const op: LinearOp = {
    ...ctx.common(node, [xName], [y.name]),
    kind: 'linear', wbits, T, inF, outF, xStride: inF, yStride: outF,
    weight: weightKey, bias: biasKey, biasShift, mult: multKey, shift: shiftKey, perRow, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.macs = T * inF * outF;
  op.notes.push(`weights ${origin}; real multiplier s_in*s_w/s_out = ${((x.scale * wScale[0]) / y.scale).toPrecision(6)}${perRow ? ' (row 0)' : ''}`);
  if (a.inputPerm) op.notes.push(`input permutation [${a.inputPerm.join(',')}] realized by the normalization writing token-major`);
  if (biasNote) op.notes.push(biasNote);
  return op;
}

const MAX_BIAS_SHIFT = 16;

/**
 * Biases are stored as int16 with one power-of-two scale per op (they are ~5% of micro's constant data as
 * int32): the smallest shift s >= 0 at which every round(b / (scale(o) 2^s)) fits int16. s = 0 gives the
 * same integers as an int32 bias; s > 0 rounds each bias to a multiple of 2^s accumulator units (error at
 * most 2^(s-1) of them, i.e. 2^(s-1) s_in s_w / s_out output LSB, stated in the op's notes). Null when even
 * 2^MAX_BIAS_SHIFT is not enough.
 */
export function planBias(b: ArrayLike<number>, scale: (o: number) => number): { values: Int16Array; shift: number } | null {
  for (let shift = 0; shift <= MAX_BIAS_SHIFT; shift++) {
    const values = new Int16Array(b.length);
    let fits = true;
    for (let o = 0; o < b.length && fits; o++) {
      const v = roundHalfAway(b[o] / (scale(o) * 2 ** shift));
      fits = v >= -32768 && v <= 32767;
      values[o] = v;
    }
    if (fits) return { values, shift };
  }
  return null;
}

/** pk_linear_*'s parameters in order; the simulator calls the mirror with the same list. */
function args<R>(op: LinearOp, r: Refs<R>): Arg<R>[] {
  // A per-tensor multiplier and shift go into the call as literals rather than pose_weights.c arrays, so the
  // compiler sees constants once the kernel is inlined.
  const requant = (key: string): R => (op.perRow ? r.constant(key) : r.constantInline(key));
  return [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'T', value: op.T },
    { name: 'in', value: op.inF },
    { name: 'x_stride', value: op.xStride },
    { name: 'w', value: r.constant(op.weight) },
    { name: 'bias', value: op.bias ? r.constant(op.bias) : r.none() },
    { name: 'bias_shift', value: op.biasShift },
    { name: 'out', value: op.outF },
    { name: 'mult', value: requant(op.mult), wrap: true },
    { name: 'shift', value: requant(op.shift) },
    { name: 'per_row', value: op.perRow ? 1 : 0 },
    { name: 'out_min', value: op.outMin },
    { name: 'out_max', value: op.outMax },
    { name: 'y', value: r.tensor(op.outputs[0]) },
    { name: 'y_stride', value: op.yStride },
  ];
}

/** The mirror with pk_linear's parameter order (w4: packed uint8 rows; w8: int8). */
function mirror(
  x: Act, T: number, inF: number, xStride: number, w: Uint8Array | Int8Array, bias: Int16Array | null, biasShift: number, outF: number,
  mult: Int32Array, shift: Int8Array, perRow: number, outMin: number, outMax: number, y: Act, yStride: number,
): void {
  const p = { T, in: inF, xStride, out: outF, yStride, bias, biasShift, mult, shift, perRow: perRow !== 0, outMin, outMax };
  if (w instanceof Uint8Array) linearW4(x, w, p, y);
  else linearW8(x, w, p, y);
}

export const linearKernel: Kernel<LinearOp> = {
  kinds: ['linear'],
  irOps: ['pe.Linear'],
  headers: ['pk_linear.h'],
  calibrated: true,
  clampsOutput: true,
  plan,
  cName: (op, bitsOf) => `pk_linear_w${op.wbits}_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args,
  mirror,
};
