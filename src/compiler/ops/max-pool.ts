// ONNX MaxPool, 1-D and 2-D: kernel_shape, strides, pads (asymmetric too) or auto_pad, dilations, ceil_mode;
// padding never wins (it is -inf). Only the output Y (not Indices) and storage_order 0.
import type { Node } from '../ir/graph.ts';
import { parseWindowAttrs, windowGeometry, type WindowAttrs, type WindowGeometry } from './conv.ts';
import type { InputInfo, OpDef, Value } from './types.ts';
import { requireFloat, requireInput, shapeError, unsupported } from './support.ts';

export interface PoolAttrs extends WindowAttrs {
  ceilMode: boolean;
  /** AveragePool only: padded positions count in the divisor. */
  countIncludePad: boolean;
}

/** The resolved window of a MaxPool or AveragePool node over an input of `xShape`. */
export function poolGeometry(node: Node<PoolAttrs>, xShape: readonly number[]): WindowGeometry {
  const k = node.attrs.kernelShape;
  if (!k) throw unsupported(node, 'kernel_shape is required');
  const geo = windowGeometry(node, xShape, k, node.attrs, node.attrs.ceilMode);
  // A window inside the padding only would have no input element (max of nothing, average of nothing).
  geo.padsBegin.forEach((p, i) => {
    if (p >= (geo.kernel[i] - 1) * geo.dilations[i] + 1 || geo.padsEnd[i] >= (geo.kernel[i] - 1) * geo.dilations[i] + 1) {
      throw shapeError(node, `pads [${[...geo.padsBegin, ...geo.padsEnd].join(',')}] must be smaller than the window (kernel [${geo.kernel.join(',')}])`);
    }
  });
  return geo;
}

export function parsePoolAttrs(a: Parameters<NonNullable<OpDef['parse']>>[0], node: { name: string; op: string; outputCount: number }): PoolAttrs {
  return { ...parseWindowAttrs(a, node), ceilMode: a.int('ceil_mode', 0) !== 0, countIncludePad: a.int('count_include_pad', 0) !== 0 };
}

export function poolInfer(node: Node<PoolAttrs>, inputs: (InputInfo | undefined)[]) {
  const x = requireInput(node, inputs, 0, 'X');
  requireFloat(node, x, 'X');
  const geo = poolGeometry(node, x.shape);
  return [{ dtype: 'float32' as const, shape: [geo.N, geo.C, ...geo.outDims] }];
}

/** 2-D view of a 1-D or 2-D window: [H, W], kernel, strides, dilations, begin pads, out dims. */
export function asPlanes(geo: WindowGeometry) {
  const two = geo.rank === 2;
  const pick = (v: number[], fill: number): [number, number] => (two ? [v[0], v[1]] : [fill, v[0]]);
  return {
    planes: geo.N * geo.C,
    in: pick(geo.inDims, 1), kernel: pick(geo.kernel, 1), strides: pick(geo.strides, 1), dilations: pick(geo.dilations, 1),
    padsBegin: pick(geo.padsBegin, 0), padsEnd: pick(geo.padsEnd, 0), out: pick(geo.outDims, 1),
  };
}

function evaluate(node: Node<PoolAttrs>, [x]: (Value | undefined)[]): Value[] {
  const geo = poolGeometry(node, x!.shape);
  const p = asPlanes(geo);
  const [H, W] = p.in, [KH, KW] = p.kernel, [SH, SW] = p.strides, [DH, DW] = p.dilations, [PH, PW] = p.padsBegin, [OH, OW] = p.out;
  const xs = x!.data as Float32Array;
  const out = new Float32Array(p.planes * OH * OW);
  for (let c = 0; c < p.planes; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw * DW;
            if (iw >= 0 && iw < W) m = Math.max(m, xs[(c * H + ih) * W + iw]);
          }
        }
        out[(c * OH + oh) * OW + ow] = m;
      }
    }
  }
  return [{ dtype: 'float32', shape: [geo.N, geo.C, ...geo.outDims], data: out }];
}

export const MaxPool: OpDef<PoolAttrs> = {
  parse: (a, _opset, node) => {
    if (node.outputCount > 1) throw unsupported(node, 'the Indices output is not supported (only Y)');
    if (a.int('storage_order', 0) !== 0) throw unsupported(node, 'storage_order 1 is not supported (only 0, row major)');
    return parsePoolAttrs(a, node);
  },
  infer: poolInfer,
  evaluate,
};
