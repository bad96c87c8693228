// Conv, 1-D and 2-D, in the ONNX layout (NCL / NCHW): int4 or int8 weights from the npz as stored, with one
// scale per tensor or per output channel (a folded BatchNormalization makes them per channel), int16 bias at
// scale s_x s_w[o] (times a power of two, planBias), one requantization per output channel. The C gathers
// the receptive fields of `block` output positions into scratch rows (zeros where the window is in the
// padding) and runs the linear kernel on them, so the convolution gets the linear kernel's blocked inner
// loops; a depthwise conv (one input and one output channel per group) takes a direct loop instead.
// C: pk_conv_w{4,8}_X_Y (templates/c/kernels/pk_conv.h).
import type { Node } from '../../ir/graph.ts';
import { convGeometry, type ConvAttrs } from '../../ops/conv.ts';
import { packInt4Rows, quantizeMultiplier, INT32_MAX } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { planBias } from '../linear/index.ts';
import { planWeights } from '../weights.ts';
import { conv, type ConvShape } from './sim.ts';

/** Output positions gathered per call of the linear kernel (its register blocks are ten tokens). */
export const CONV_BLOCK = 10;

export interface ConvOp extends QOpCommon, ConvShape {
  kind: 'conv';
  wbits: 4 | 8;
  weight: string;
  /** int16 bias constant, applied as bias[o] * 2^biasShift. */
  bias: string | null;
  biasShift: number;
  mult: string;
  shift: string;
  perRow: boolean;
  outMin: number;
  outMax: number;
  /** Output positions per gathered block (0: the depthwise loop, no scratch). */
  block: number;
}

function plan(ctx: PlanContext, node: Node): ConvOp {
  const a = node.attrs as ConvAttrs;
  const [xName, wName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  const wShape = ctx.g.tensors.get(wName)?.shape;
  if (!wShape || ctx.g.tensors.get(wName)?.const === undefined) ctx.fail(node, `the weight ${wName} must be a constant (an initializer)`);
  const geo = convGeometry(node as Node<ConvAttrs>, x.shape, wShape);
  const two = geo.rank === 2;
  const s: ConvShape = {
    N: geo.N, C: geo.C, H: two ? geo.inDims[0] : 1, W: geo.inDims[two ? 1 : 0], O: geo.O, groups: geo.group,
    KH: two ? geo.kernel[0] : 1, KW: geo.kernel[two ? 1 : 0], SH: two ? geo.strides[0] : 1, SW: geo.strides[two ? 1 : 0],
    DH: two ? geo.dilations[0] : 1, DW: geo.dilations[two ? 1 : 0], PH: two ? geo.padsBegin[0] : 0, PW: geo.padsBegin[two ? 1 : 0],
    OH: two ? geo.outDims[0] : 1, OW: geo.outDims[two ? 1 : 0],
  };
  const Cg = s.C / s.groups, Og = s.O / s.groups, rowLen = Cg * s.KH * s.KW;
  const wq = planWeights(ctx, node, { initializer: a.weightInitializer ?? wName, floatName: wName, rows: s.O, rowLen, rowFactor: a.rowFactor, what: 'W' });
  const weightKey = ctx.addConst({
    key: `${node.name}:weight`,
    ctype: wq.bits === 4 ? 'uint8_t' : 'int8_t',
    values: wq.bits === 4 ? packInt4Rows(wq.codes, s.O, rowLen) : wq.codes,
    comment: `${node.name}: weight [${s.O}][${rowLen}] (${Cg} channels x ${s.KH} x ${s.KW} per output) from ${wq.origin}${wq.bits === 4 ? ', int4 packed two per byte, rows on byte boundaries' : ''}`,
  });
  const rows = wq.perRow ? s.O : 1;
  const mult = new Int32Array(rows);
  const shift = new Int8Array(rows);
  for (let r = 0; r < rows; r++) {
    const q = quantizeMultiplier((x.scale * wq.scale[r]) / y.scale, `${node.name} requantization`);
    mult[r] = q.mult;
    shift[r] = q.shift;
  }
  let biasKey: string | null = null;
  let biasShift = 0;
  if (bName) {
    const planned = planBias(ctx.constFloats(bName, node), (o) => x.scale * wq.scale[o]);
    if (!planned) ctx.fail(node, `bias ${bName} does not fit int16 x 2^16 at scale s_in*s_w`);
    biasShift = planned.shift;
    biasKey = ctx.addConst({ key: `${node.name}:bias`, ctype: 'int16_t', values: planned.values, comment: `${node.name}: bias int16, times 2^${planned.shift}, at scale s_in*s_w[o] (${bName})` });
  }
  // The accumulators are int32: prove that no input can overflow them (worst case per output channel).
  const xMax = x.bits === 8 ? 128 : 32768;
  const biasValues = biasKey ? ctx.constValues(biasKey) : null;
  for (let o = 0; o < s.O; o++) {
    let sum = 0;
    for (let i = 0; i < rowLen; i++) sum += Math.abs(wq.codes[o * rowLen + i]);
    const worst = xMax * sum + (biasValues ? Math.abs(biasValues[o] * 2 ** biasShift) : 0);
    if (worst > INT32_MAX) ctx.fail(node, `output channel ${o} can reach ${worst} in the int32 accumulator (int${x.bits} input x ${rowLen} weights); use --act-bits 8`);
  }
  const multKey = ctx.addConst({ key: `${node.name}:mult`, ctype: 'int32_t', values: mult, comment: `${node.name}: requantization multiplier(s), Q31` });
  const shiftKey = ctx.addConst({ key: `${node.name}:shift`, ctype: 'int8_t', values: shift, comment: `${node.name}: requantization shift(s)` });
  const depthwise = Cg === 1 && Og === 1;
  const positions = s.N * s.OH * s.OW;
  const block = depthwise ? 0 : Math.min(CONV_BLOCK, positions);
  const op: ConvOp = {
    ...ctx.common(node, [xName], [y.name]),
    ...s,
    kind: 'conv', wbits: wq.bits, weight: weightKey, bias: biasKey, biasShift, mult: multKey, shift: shiftKey, perRow: wq.perRow,
    outMin: qmin(y.bits), outMax: qmax(y.bits), block,
  };
  // Scratch: the gathered rows (input type) and the linear kernel's output rows (output type), each 4-aligned.
  op.scratchBytes = block === 0 ? 0 : align4(block * rowLen * (x.bits / 8)) + align4(block * Og * (y.bits / 8));
  op.macs = positions * s.O * rowLen;
  op.notes.push(`weights ${wq.origin}; real multiplier s_in*s_w/s_out = ${((x.scale * wq.scale[0]) / y.scale).toPrecision(6)}${wq.perRow ? ' (channel 0)' : ''}`);
  op.notes.push(depthwise
    ? `depthwise: ${s.groups} channels, direct loop`
    : `${s.groups > 1 ? `${s.groups} groups, ` : ''}${positions} output positions gathered ${block} at a time into rows of ${rowLen}, then the linear kernel`);
  if (biasShift > 0) op.notes.push(`bias int16 x 2^${biasShift}: rounded to ${2 ** biasShift} accumulator units`);
  return op;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function args<R>(op: ConvOp, r: Refs<R>): Arg<R>[] {
  return [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'N', value: op.N },
    { name: 'C', value: op.C },
    { name: 'H', value: op.H },
    { name: 'W', value: op.W },
    { name: 'w', value: r.constant(op.weight), wrap: true },
    { name: 'bias', value: op.bias ? r.constant(op.bias) : r.none() },
    { name: 'bias_shift', value: op.biasShift },
    { name: 'O', value: op.O },
    { name: 'groups', value: op.groups },
    { name: 'KH', value: op.KH, wrap: true },
    { name: 'KW', value: op.KW },
    { name: 'SH', value: op.SH },
    { name: 'SW', value: op.SW },
    { name: 'DH', value: op.DH },
    { name: 'DW', value: op.DW },
    { name: 'PH', value: op.PH },
    { name: 'PW', value: op.PW },
    { name: 'OH', value: op.OH },
    { name: 'OW', value: op.OW },
    { name: 'mult', value: r.constant(op.mult), wrap: true },
    { name: 'shift', value: r.constant(op.shift) },
    { name: 'per_row', value: op.perRow ? 1 : 0 },
    { name: 'out_min', value: op.outMin },
    { name: 'out_max', value: op.outMax },
    { name: 'block', value: op.block, wrap: true },
    { name: 'scratch', value: op.block > 0 ? r.scratch() : r.none() },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ];
}

/** The mirror with pk_conv's parameter order (scratch is the C's working memory; the mirror needs none). */
function mirror(
  x: Act, N: number, C: number, H: number, W: number, w: Uint8Array | Int8Array, bias: Int16Array | null, biasShift: number,
  O: number, groups: number, KH: number, KW: number, SH: number, SW: number, DH: number, DW: number, PH: number, PW: number,
  OH: number, OW: number, mult: Int32Array, shift: Int8Array, perRow: number, outMin: number, outMax: number,
  _block: number, _scratch: Int32Array | null, y: Act,
): void {
  conv(x, { N, C, H, W, O, groups, KH, KW, SH, SW, DH, DW, PH, PW, OH, OW }, w, bias, biasShift, mult, shift, perRow !== 0, outMin, outMax, y);
}

export const convKernel: Kernel<ConvOp> = {
  kinds: ['conv'],
  irOps: ['Conv'],
  headers: ['pk_conv.h'],
  calibrated: true,
  clampsOutput: true,
  plan,
  cName: (op, bitsOf) => `pk_conv_w${op.wbits}_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args,
  mirror,
};
