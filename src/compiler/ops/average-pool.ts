// ONNX AveragePool, 1-D and 2-D (opsets 13 to 18: no dilations): kernel_shape, strides, pads (asymmetric too)
// or auto_pad, ceil_mode, count_include_pad. The divisor of a window is its number of input elements, or with
// count_include_pad its size inside the padded input (as onnxruntime and PyTorch).
import type { Node } from '../ir/graph.ts';
import type { OpDef, Value } from './types.ts';
import { asPlanes, parsePoolAttrs, poolGeometry, poolInfer, type PoolAttrs } from './max-pool.ts';
import { unsupported } from './support.ts';

/** The divisor of the window at output (oh, ow), for the float semantics and the kernel's table. */
export function windowCount(p: ReturnType<typeof asPlanes>, oh: number, ow: number, countIncludePad: boolean): number {
  const span = (o: number, d: 0 | 1): number => {
    const start = o * p.strides[d] - p.padsBegin[d];
    const end = Math.min(start + p.kernel[d], p.in[d] + p.padsEnd[d]);
    return countIncludePad ? end - start : Math.min(end, p.in[d]) - Math.max(start, 0);
  };
  return span(oh, 0) * span(ow, 1);
}

function evaluate(node: Node<PoolAttrs>, [x]: (Value | undefined)[]): Value[] {
  const geo = poolGeometry(node, x!.shape);
  const p = asPlanes(geo);
  const [H, W] = p.in, [KH, KW] = p.kernel, [SH, SW] = p.strides, [PH, PW] = p.padsBegin, [OH, OW] = p.out;
  const xs = x!.data as Float32Array;
  const out = new Float32Array(p.planes * OH * OW);
  for (let c = 0; c < p.planes; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PH + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw;
            if (iw >= 0 && iw < W) s += xs[(c * H + ih) * W + iw];
          }
        }
        out[(c * OH + oh) * OW + ow] = s / windowCount(p, oh, ow, node.attrs.countIncludePad);
      }
    }
  }
  return [{ dtype: 'float32', shape: [geo.N, geo.C, ...geo.outDims], data: out }];
}

export const AveragePool: OpDef<PoolAttrs> = {
  parse: (a, _opset, node) => {
    if (a.has('dilations')) throw unsupported(node, 'dilations are not supported (AveragePool has them from opset 19; the compiler imports opsets 13 to 18)');
    return parsePoolAttrs(a, node);
  },
  infer: poolInfer,
  evaluate,
};
