// ONNX Conv, 1-D ([N,C,L]) and 2-D ([N,C,H,W]): strides, explicit pads (asymmetric too) or auto_pad,
// dilations, groups (depthwise included), optional bias. Also the sliding-window geometry that MaxPool and
// AveragePool share (windowGeometry). fold-batch-norm may fold a following BatchNormalization into W and B;
// it then records the original weight initializer and the per-channel factor (weightInitializer, rowFactor),
// so the kernel takes the npz's codes and multiplies their scales, while the float semantics stay a Conv.
import type { Node } from '../ir/graph.ts';
import type { AttrReader } from './attrs.ts';
import type { InputInfo, OpDef, Value } from './types.ts';
import { fmtShape, requireFloat, requireInput, shapeError, unsupported } from './support.ts';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** The sliding-window attributes shared by Conv, MaxPool and AveragePool, named as in the ONNX spec. */
export interface WindowAttrs {
  /** kernel_shape; null for a Conv that leaves it to W's shape. */
  kernelShape: number[] | null;
  strides: number[] | null;
  dilations: number[] | null;
  /** [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; null: zeros (or auto_pad). */
  pads: number[] | null;
  autoPad: AutoPad;
}

export interface ConvAttrs extends WindowAttrs {
  group: number;
  /** Set by fold-batch-norm: the ONNX initializer of the unfolded weight (the npz's tensor). */
  weightInitializer?: string;
  /** Set by fold-batch-norm: W[o] = weightInitializer[o] * rowFactor[o] (gamma / sqrt(var + eps)). */
  rowFactor?: number[];
}

/** A resolved window: every spatial list has `rank` entries (a 1-D op is rank 1). */
export interface WindowGeometry {
  rank: 1 | 2;
  N: number;
  C: number;
  inDims: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  outDims: number[];
}

const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

export function parseWindowAttrs(a: AttrReader, node: { name: string; op: string }): WindowAttrs {
  const autoPad = a.string('auto_pad', 'NOTSET') as AutoPad;
  if (!AUTO_PADS.includes(autoPad)) throw unsupported(node, `auto_pad "${autoPad}" is not one of ${AUTO_PADS.join(', ')}`);
  const list = (name: string): number[] | null => (a.has(name) ? a.ints(name) : null);
  return { kernelShape: list('kernel_shape'), strides: list('strides'), dilations: list('dilations'), pads: list('pads'), autoPad };
}

/** Resolves the window of an op reading `xShape` ([N,C,L] or [N,C,H,W]) with a `kernel` of spatial sizes. */
export function windowGeometry(node: Node, xShape: readonly number[], kernel: readonly number[], a: WindowAttrs, ceilMode = false): WindowGeometry {
  if (xShape.length !== 3 && xShape.length !== 4) {
    throw unsupported(node, `input ${fmtShape(xShape)} has rank ${xShape.length}; supported: 1-D [N,C,L] and 2-D [N,C,H,W]`);
  }
  const rank = (xShape.length - 2) as 1 | 2;
  const inDims = xShape.slice(2);
  const listOf = (v: number[] | null, what: string, fill: number, len: number = rank): number[] => {
    if (v === null) return new Array<number>(len).fill(fill);
    if (v.length !== len) throw shapeError(node, `${what} [${v.join(',')}] needs ${len} values for a ${rank}-D input ${fmtShape(xShape)}`);
    return v;
  };
  if (kernel.length !== rank) throw shapeError(node, `kernel [${kernel.join(',')}] does not fit the ${rank}-D input ${fmtShape(xShape)}`);
  const strides = listOf(a.strides, 'strides', 1);
  const dilations = listOf(a.dilations, 'dilations', 1);
  for (const [what, v] of [['kernel_shape', kernel], ['strides', strides], ['dilations', dilations]] as const) {
    if (v.some((d) => !Number.isInteger(d) || d < 1)) throw shapeError(node, `${what} [${v.join(',')}] must be positive`);
  }
  let padsBegin: number[];
  let padsEnd: number[];
  let outDims: number[];
  if (a.autoPad === 'NOTSET') {
    const pads = listOf(a.pads, 'pads', 0, 2 * rank);
    if (pads.some((p) => !Number.isInteger(p) || p < 0)) throw shapeError(node, `pads [${pads.join(',')}] must be >= 0`);
    padsBegin = pads.slice(0, rank);
    padsEnd = pads.slice(rank);
    outDims = inDims.map((d, i) => {
      const span = d + padsBegin[i] + padsEnd[i] - dilations[i] * (kernel[i] - 1) - 1;
      if (span < 0) return 0;
      let out = (ceilMode ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
      // As onnxruntime and PyTorch: a last window that would start inside the end padding is dropped.
      if (ceilMode && (out - 1) * strides[i] >= d + padsBegin[i]) out--;
      return out;
    });
  } else if (a.autoPad === 'VALID') {
    padsBegin = new Array<number>(rank).fill(0);
    padsEnd = new Array<number>(rank).fill(0);
    outDims = inDims.map((d, i) => {
      const span = d - dilations[i] * (kernel[i] - 1) - 1;
      return span < 0 ? 0 : Math.floor(span / strides[i]) + 1;
    });
  } else {
    // The spec's SAME padding with a dilation is ambiguous between versions, and onnxruntime refuses it.
    if (dilations.some((d) => d !== 1)) throw unsupported(node, `auto_pad ${a.autoPad} with dilations [${dilations.join(',')}] is not supported (give explicit pads)`);
    outDims = inDims.map((d, i) => Math.ceil(d / strides[i]));
    const total = inDims.map((d, i) => Math.max(0, (outDims[i] - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - d));
    const small = total.map((t) => Math.floor(t / 2));
    padsBegin = a.autoPad === 'SAME_UPPER' ? small : total.map((t, i) => t - small[i]);
    padsEnd = total.map((t, i) => t - padsBegin[i]);
  }
  if (outDims.some((d) => d < 1)) throw shapeError(node, `the window (kernel [${kernel.join(',')}], dilations [${dilations.join(',')}]) does not fit the padded input ${fmtShape(xShape)}`);
  return { rank, N: xShape[0], C: xShape[1], inDims, kernel: [...kernel], strides, dilations, padsBegin, padsEnd, outDims };
}

/** The geometry of a Conv node from its input and weight shapes, with the group checks. */
export function convGeometry(node: Node<ConvAttrs>, xShape: readonly number[], wShape: readonly number[]): WindowGeometry & { O: number; group: number } {
  const a = node.attrs;
  if (wShape.length !== xShape.length) throw shapeError(node, `W ${fmtShape(wShape)} does not match the input ${fmtShape(xShape)}`);
  const kernel = wShape.slice(2);
  if (a.kernelShape && a.kernelShape.join(',') !== kernel.join(',')) throw shapeError(node, `kernel_shape [${a.kernelShape.join(',')}] differs from W ${fmtShape(wShape)}`);
  const geo = windowGeometry(node, xShape, kernel, a);
  const O = wShape[0];
  const group = a.group;
  if (!Number.isInteger(group) || group < 1 || geo.C % group !== 0 || O % group !== 0) {
    throw shapeError(node, `group ${group} must divide the input channels (${geo.C}) and the output channels (${O})`);
  }
  if (wShape[1] * group !== geo.C) throw shapeError(node, `W ${fmtShape(wShape)} has ${wShape[1]} input channels per group; the input has ${geo.C} channels in ${group} group(s)`);
  return { ...geo, O, group };
}

function infer(node: Node<ConvAttrs>, inputs: (InputInfo | undefined)[]) {
  const x = requireInput(node, inputs, 0, 'X');
  const w = requireInput(node, inputs, 1, 'W');
  requireFloat(node, x, 'X');
  requireFloat(node, w, 'W');
  const geo = convGeometry(node, x.shape, w.shape);
  const b = inputs[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== geo.O)) throw shapeError(node, `B ${fmtShape(b.shape)} is not [${geo.O}]`);
  return [{ dtype: 'float32' as const, shape: [geo.N, geo.O, ...geo.outDims] }];
}

/** Direct convolution in float64 per output (rounded to float32 once, as every op here). */
function evaluate(node: Node<ConvAttrs>, [x, w, b]: (Value | undefined)[]): Value[] {
  const geo = convGeometry(node, x!.shape, w!.shape);
  const xs = x!.data as Float32Array, ws = w!.data as Float32Array, bs = b?.data as Float32Array | undefined;
  const [H, W] = geo.rank === 1 ? [1, geo.inDims[0]] : geo.inDims;
  const [KH, KW] = geo.rank === 1 ? [1, geo.kernel[0]] : geo.kernel;
  const [SH, SW] = geo.rank === 1 ? [1, geo.strides[0]] : geo.strides;
  const [DH, DW] = geo.rank === 1 ? [1, geo.dilations[0]] : geo.dilations;
  const [PH, PW] = geo.rank === 1 ? [0, geo.padsBegin[0]] : geo.padsBegin;
  const [OH, OW] = geo.rank === 1 ? [1, geo.outDims[0]] : geo.outDims;
  const Cg = geo.C / geo.group, Og = geo.O / geo.group;
  const out = new Float32Array(geo.N * geo.O * OH * OW);
  for (let n = 0; n < geo.N; n++) {
    for (let o = 0; o < geo.O; o++) {
      const g = Math.floor(o / Og);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let s = bs ? bs[o] : 0;
          for (let c = 0; c < Cg; c++) {
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * SW - PW + kw * DW;
                if (iw < 0 || iw >= W) continue;
                s += xs[((n * geo.C + g * Cg + c) * H + ih) * W + iw] * ws[((o * Cg + c) * KH + kh) * KW + kw];
              }
            }
          }
          out[((n * geo.O + o) * OH + oh) * OW + ow] = s;
        }
      }
    }
  }
  return [{ dtype: 'float32', shape: [geo.N, geo.O, ...geo.outDims], data: out }];
}

export const Conv: OpDef<ConvAttrs> = {
  parse: (a, _opset, node) => ({ ...parseWindowAttrs(a, node), group: a.int('group', 1) }),
  infer,
  evaluate,
  weightInputs: [1],
};
