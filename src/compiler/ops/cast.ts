// ONNX Cast between the IR's element types (float32, int64, int32, bool); appears in shape subgraphs.
import type { DType } from '../ir/graph.ts';
import type { OpDef } from './types.ts';
import { dtypeFromOnnx } from './tensor-proto.ts';
import { allocate, requireInput, unsupported } from './support.ts';

export interface CastAttrs {
  to: DType;
}

export const Cast: OpDef<CastAttrs> = {
  parse: (a, _opset, node) => {
    const code = a.int('to');
    const to = dtypeFromOnnx(code);
    if (!to) throw unsupported(node, `cast to ONNX element type ${code} is not supported (only float, int32, int64, bool)`);
    return { to };
  },
  infer: (node, inputs) => [{ dtype: node.attrs.to, shape: [...requireInput(node, inputs, 0, 'input').shape] }],
  evaluate: (node, [x]) => {
    const to = node.attrs.to;
    const out = allocate(to, x!.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = x!.data[i];
      const num = typeof v === 'bigint' ? Number(v) : v;
      if (to === 'int64') (out as BigInt64Array)[i] = BigInt(Math.trunc(num));
      else if (to === 'int32') (out as Int32Array)[i] = Math.trunc(num);
      else if (to === 'bool') (out as Uint8Array)[i] = num !== 0 ? 1 : 0;
      else (out as Float32Array)[i] = num;
    }
    return [{ dtype: to, shape: [...x!.shape], data: out }];
  },
};
