// ONNX Constant: value (tensor), value_float(s) or value_int(s). Folded away by fold-constants.
import type { OpDef, Value } from './types.ts';
import { decodeTensorProto } from './tensor-proto.ts';
import { describeNode } from '../ir/errors.ts';
import { unsupported } from './support.ts';

export interface ConstantAttrs {
  value: Value;
}

export const Constant: OpDef<ConstantAttrs> = {
  parse: (a, _opset, node) => {
    if (a.has('value')) return { value: decodeTensorProto(a.tensor('value'), describeNode(node)) };
    if (a.has('value_float')) return { value: { dtype: 'float32', shape: [], data: Float32Array.of(a.float('value_float')) } };
    if (a.has('value_floats')) {
      const f = a.floats('value_floats');
      return { value: { dtype: 'float32', shape: [f.length], data: Float32Array.from(f) } };
    }
    if (a.has('value_int')) return { value: { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(a.int('value_int'))) } };
    if (a.has('value_ints')) {
      const v = a.ints('value_ints');
      return { value: { dtype: 'int64', shape: [v.length], data: BigInt64Array.from(v, (x) => BigInt(x)) } };
    }
    throw unsupported(node, 'no supported value attribute (value, value_float(s), value_int(s)); sparse and string constants are not supported');
  },
  infer: (node) => [{ dtype: node.attrs.value.dtype, shape: [...node.attrs.value.shape] }],
  evaluate: (node) => [{ ...node.attrs.value, shape: [...node.attrs.value.shape], data: node.attrs.value.data.slice() }],
};
