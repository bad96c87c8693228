// Fully connected layers (pe.Linear: MatMul + Add fused), int4 or int8 weights from the npz as stored, int16
// bias at scale s_in*s_w (times a power of two), one requantization per output. C: pk_linear_w{4,8}_X_Y, and
// pk_linear_w4r4_X_Y for the int8-activation form (int8 inputs, or int8 copies of int16 ones; int4 weights in
// the w4r4 layout): see int8Input below; pk_linear_w4r4_wide_Y for the other int8 candidates (int16 inputs as
// they are, w4r4 weights: see wideFits).
import type { Node } from '../../ir/graph.ts';
import type { LinearAttrs } from '../../ir/fused-ops.ts';
import { packInt4R4, packInt4Rows, quantizeMultiplier, quantizeValues, roundHalfAway, INT32_MAX } from '../../quant/fixed-point.ts';
import { HEADROOM, qmax, qmin, type QOpCommon, type QTensor } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs, type SimArg } from '../kernel.ts';
import { linearW4, linearW4R4, linearW8 } from './sim.ts';
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
  /** 'rows': packed int4 rows or int8 [out][in] (pk_linear_wW_X_Y); 'r4': int8 activations, w4r4 weights
   * (pk_linear_w4r4_X_Y); 'r4wide': int16 activations as they are, w4r4 weights (pk_linear_w4r4_wide_Y). */
  layout: 'rows' | 'r4' | 'r4wide';
  /** r4 with an int16 input: the int8 copy's requantization (x8 = sat(rq(x, mult, shift), -128, 127)). */
  xq: { mult: number; shift: number } | null;
  /** r4: input pairs per 16-bit lane flush (128 sum |w| <= 32767 over each group). */
  group: number;
  /** The weight's module (state_dict prefix) when this Linear may take int8 activations (int8Input's rules
   * but the training), and the scale its int8 input has or would have: the quantization plan's entry. */
  int8Candidate: { module: string; scale: number } | null;
}

/** Linears with at least this many inputs take int8 activations (the r4 kernel); below, the rounding of an
 * int8 copy is averaged over too few terms, and the layers (the skeleton refinement's) cost nothing. */
export const INT8_LINEAR_MIN_IN = 32;

/**
 * Whether a Linear may run on int8 activations (the r4 kernels, docs/quantization.md): int4 weights from the
 * npz, --act-bits 8 and at least INT8_LINEAR_MIN_IN inputs. Such a Linear is a candidate of the quantization
 * plan (src/compiler/quant/qplan.ts); it does run int8 when its input is int8 already (the normalized window),
 * or when the weights were trained for an int8 copy of its int16 input (__meta__.int8Inputs lists its module;
 * see PlanInputs.int8Inputs). The copy is made inside the kernel at the input's own scale (calibrated max |x|
 * / 127); the tensor stays int16 for its other readers (the residual stream, LayerNorm outputs).
 */
export function int8Candidate(ctx: PlanContext, node: Node, wbits: 4 | 8, module: string | null): boolean {
  const a = node.attrs as LinearAttrs;
  return module !== null && wbits === 4 && ctx.inp.actBits === 8 && a.inFeatures >= INT8_LINEAR_MIN_IN;
}

/**
 * Whether an int8 candidate that keeps its int16 input takes the wide kernel (w4r4 weights: the node unpacks
 * the offset-binary bytes in one instruction per nibble instead of two, and takes the offset out once per
 * token and output). Its accumulator starts at bias - 8 sum x and adds x (w + 8), so its partial sums reach
 * |bias| + 23 * 32768 * in, which must fit int32 (in < 2,849 with no bias).
 */
export function wideFits(inF: number, maxAbsBias: number): boolean {
  return maxAbsBias + 23 * 32768 * inF <= INT32_MAX;
}

function int8Input(ctx: PlanContext, xBits: number, module: string): boolean {
  if (xBits === 8) return true;
  const choice = ctx.inp.int8Inputs ?? 'trained';
  return choice === 'all' || (choice === 'trained' && (ctx.inp.weights.meta.int8Inputs ?? []).includes(module));
}

/** The real max |x| an int8 copy of `x` covers: its calibrated range, else what its scale was made from. */
function int8CopyScale(ctx: PlanContext, x: QTensor): number {
  const root = x.home === 'alias' ? x.aliasOf! : x.name;
  const r = ctx.inp.ranges.get(root);
  const maxAbs = r && r.maxAbs > 0 ? r.maxAbs : (x.scale * qmax(x.bits)) / HEADROOM[x.bits];
  return (maxAbs * HEADROOM[8]) / qmax(8);
}

function plan(ctx: PlanContext, node: Node): LinearOp {
  const a = node.attrs as LinearAttrs;
  const [xName, wName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  const { inFeatures: inF, outFeatures: outF, tokens: T } = a;
  // The permutation is the window's token-major layout (normalize kernel), possibly behind a fake quantization.
  const producer = (t: string) => ctx.g.nodes.find((n) => n.outputs.includes(t));
  const direct = producer(xName);
  const windowOp = direct?.op === 'pe.FakeQuant' ? producer(direct.inputs[0]) : direct;
  if (a.inputPerm && windowOp?.op !== 'pe.MinMaxNormalize') {
    ctx.fail(node, `input permutation [${a.inputPerm.join(',')}] is only supported on the normalized window`);
  }
  if (x.elems !== T * inF) ctx.fail(node, `input has ${x.elems} values, expected ${T} tokens x ${inF}`);
  const found = ctx.quantizedWeight(a.weightInitializer);
  let wbits: 4 | 8;
  let codes: Int8Array;
  let wScale: Float32Array;
  let perRow: boolean;
  let origin: string;
  let module: string | null = null;
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
    module = entry.npzKey.replace(/\.weight$/, '');
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
  const candidate = int8Candidate(ctx, node, wbits, module);
  const int8 = candidate && int8Input(ctx, x.bits, module!);
  // The int8 input: the tensor itself, or an int8 copy of an int16 tensor at its own scale s8.
  let xq: LinearOp['xq'] = null;
  let s8 = x.scale;
  if (int8 && x.bits === 16) {
    s8 = int8CopyScale(ctx, x);
    const q = quantizeMultiplier(x.scale / s8, `${node.name} int8 input copy`);
    xq = { mult: q.mult, shift: q.shift };
  }
  const rows = perRow ? outF : 1;
  const mult = new Int32Array(rows);
  const shift = new Int8Array(rows);
  for (let r = 0; r < rows; r++) {
    const q = quantizeMultiplier((s8 * wScale[r]) / y.scale, `${node.name} requantization`);
    mult[r] = q.mult;
    shift[r] = q.shift;
  }
  let planned: { values: Int16Array; shift: number } | null = null;
  if (bName) {
    planned = planBias(ctx.constFloats(bName, node), (o) => s8 * wScale[perRow ? o : 0]);
    if (!planned) ctx.fail(node, `bias ${bName} does not fit int16 x 2^${MAX_BIAS_SHIFT} at scale s_in*s_w`);
  }
  const maxAbsBias = planned ? Math.max(0, ...Array.from(planned.values, Math.abs)) * 2 ** planned.shift : 0;
  const wide = candidate && !int8 && x.bits === 16 && wideFits(inF, maxAbsBias);
  const r4 = int8 || wide;
  const weightKey = ctx.addConst({
    key: `${node.name}:weight`,
    ctype: r4 ? 'uint32_t' : wbits === 4 ? 'uint8_t' : 'int8_t',
    values: r4 ? packInt4R4(codes, outF, inF) : wbits === 4 ? packInt4Rows(codes, outF, inF) : Int8Array.from(codes),
    comment: `${node.name}: weight [${outF}][${inF}] from ${origin}${r4 ? ', int4 in the w4r4 layout (four rows per word)' : wbits === 4 ? ', int4 packed two per byte' : ''}`,
  });
  let biasKey: string | null = null;
  let biasShift = 0;
  let biasNote: string | null = null;
  if (planned) {
    biasShift = planned.shift;
    const worstLsb = planned.shift > 0 ? 2 ** (planned.shift - 1) * Math.max(...Array.from(wScale, (s) => (s8 * s) / y.scale)) : 0;
    if (planned.shift > 0) biasNote = `bias int16 x 2^${planned.shift}: rounded to ${2 ** planned.shift} accumulator units, at most ${worstLsb.toPrecision(3)} output LSB`;
    biasKey = ctx.addConst({
      key: `${node.name}:bias`,
      ctype: 'int16_t',
      values: planned.values,
      comment: `${node.name}: bias int16, times 2^${planned.shift}, at scale s_in*s_w (${a.biasInitializer ?? bName})`,
    });
  }
  // The kernel accumulates in int32: prove that no input can overflow it (worst case per output row).
  const xMax = x.bits === 8 || int8 ? 128 : 32768;
  const biasValues = biasKey ? ctx.constValues(biasKey) : null;
  for (let o = 0; o < outF; o++) {
    let sum = 0;
    for (let i = 0; i < inF; i++) sum += Math.abs(codes[o * inF + i]);
    const worst = xMax * sum + (biasValues ? Math.abs(biasValues[o] * 2 ** biasShift) : 0);
    if (worst > INT32_MAX) ctx.fail(node, `row ${o} can reach ${worst} in the int32 accumulator (int${x.bits} input x ${inF} weights); use --act-bits 8 or fewer input features`);
  }
  const group = int8 ? w4r4Group(codes, outF, inF) : 0;
  const multKey = ctx.addConst({ key: `${node.name}:mult`, ctype: 'int32_t', values: mult, comment: `${node.name}: requantization multiplier(s), Q31` });
  const shiftKey = ctx.addConst({ key: `${node.name}:shift`, ctype: 'int8_t', values: shift, comment: `${node.name}: requantization shift(s)` });
  const op: LinearOp = {
    ...ctx.common(node, [xName], [y.name]),
    kind: 'linear', wbits, T, inF, outF, xStride: inF, yStride: outF,
    weight: weightKey, bias: biasKey, biasShift, mult: multKey, shift: shiftKey, perRow, outMin: qmin(y.bits), outMax: qmax(y.bits),
    layout: int8 ? 'r4' : wide ? 'r4wide' : 'rows', xq, group,
    int8Candidate: candidate ? { module: module!, scale: x.bits === 8 ? x.scale : int8CopyScale(ctx, x) } : null,
  };
  op.macs = T * inF * outF;
  if (int8) op.scratchBytes = w4r4Scratch(T, inF, group);
  op.notes.push(`weights ${origin}; real multiplier s_in*s_w/s_out = ${((s8 * wScale[0]) / y.scale).toPrecision(6)}${perRow ? ' (row 0)' : ''}`);
  if (xq) op.notes.push(`int8 activations: the int16 input requantized to an int8 copy at scale ${s8.toPrecision(6)} (x * ${(x.scale / s8).toPrecision(6)}) in the kernel`);
  if (wide) op.notes.push('int16 activations at full width on w4r4 weights (offset-binary nibbles; 8 sum x taken out per token)');
  if (int8) op.notes.push(`two rows per register in 16-bit lanes, flushed every ${group} of ${(inF + 1) >> 1} input pairs (128 sum |w| <= 32767 over each group of every row)`);
  if (a.inputPerm) op.notes.push(`input permutation [${a.inputPerm.join(',')}] realized by the normalization writing token-major`);
  if (biasNote) op.notes.push(biasNote);
  return op;
}

/**
 * The r4 kernels add two rows' products in the 16-bit lanes of one register and split the lanes into int32
 * every `group` input pairs, so each lane's sum must stay within int16: for every row and every group of
 * pairs [k group, (k + 1) group), 128 sum |w| <= 32767 (|x| <= 128). The largest such group, from the layer's
 * own weights (one group for all of micro's encoder and head layers; 15 pairs is safe for any int4 row).
 */
export function w4r4Group(codes: ArrayLike<number>, outF: number, inF: number): number {
  const pairs = (inF + 1) >> 1;
  const fits = (g: number): boolean => {
    for (let o = 0; o < outF; o++) {
      for (let s0 = 0; s0 < inF; s0 += 2 * g) {
        let sum = 0;
        for (let i = s0; i < Math.min(inF, s0 + 2 * g); i++) sum += Math.abs(codes[o * inF + i]);
        if (128 * sum > 32767) return false;
      }
    }
    return true;
  };
  let g = 1;
  while (g < pairs && fits(g + 1)) g++;
  return g;
}

/** Bytes of the r4 kernel's scratch (PK_W4R4_SCRATCH in pk_linear.h): the packed int8 inputs of one token
 * (T < 5) or one block of five tokens, padded to 4 bytes, then an int32 input sum per token of it and group. */
export function w4r4Scratch(T: number, inF: number, group: number): number {
  const pairs = (inF + 1) >> 1;
  const tokens = T < 5 ? 1 : 5;
  return ((2 * tokens * pairs + 3) & ~3) + 4 * tokens * Math.ceil(pairs / group);
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
  const r4 = op.layout === 'r4';
  return [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    ...(op.xq ? [{ name: 'xq_mult', value: op.xq.mult }, { name: 'xq_shift', value: op.xq.shift }] : []),
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
    ...(r4 ? [{ name: 'group', value: op.group }, { name: 'scratch', value: r.scratch() }] : []),
  ];
}

/** The mirror with pk_linear's parameter order (w4: packed uint8 rows; w8: int8); the r4 forms (w4r4 words,
 * Uint32Array) have xq_mult, xq_shift after x when x is int16, and group, scratch at the end; the wide forms
 * (w4r4 words) the pk_linear_w4_* order. */
function mirror(...a: SimArg[]): void {
  const xq = a[0] instanceof Int16Array && a[6] instanceof Uint32Array ? { mult: a[1] as number, shift: a[2] as number } : null;
  const [x, T, inF, xStride, w, bias, biasShift, outF, mult, shift, perRow, outMin, outMax, y, yStride, group] =
    (xq ? [a[0], ...a.slice(3)] : a) as [Act, number, number, number, Uint8Array | Int8Array | Uint32Array, Int16Array | null, number, number,
      Int32Array, Int8Array, number, number, number, Act, number, number | undefined];
  const p = { T, in: inF, xStride, out: outF, yStride, bias, biasShift, mult, shift, perRow: perRow !== 0, outMin, outMax };
  if (w instanceof Uint32Array) linearW4R4(x, xq, w, { ...p, group: group ?? null }, y); // no group: the wide forms
  else if (w instanceof Uint8Array) linearW4(x, w, p, y);
  else linearW8(x, w, p, y);
}

export const linearKernel: Kernel<LinearOp> = {
  kinds: ['linear'],
  irOps: ['pe.Linear'],
  headers: ['pk_linear.h'],
  calibrated: true,
  clampsOutput: true,
  plan,
  cName: (op, bitsOf) =>
    op.layout === 'r4wide'
      ? `pk_linear_w4r4_wide_${typeSuffix(bitsOf(op.outputs[0]))}`
      : `pk_linear_w${op.layout === 'r4' ? '4r4' : op.wbits}_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args,
  mirror,
};
