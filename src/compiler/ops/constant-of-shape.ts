// ONNX ConstantOfShape: a tensor of the given (compile-time) shape filled with one value (default float 0).
import type { OpDef, Value } from './types.ts';
import { decodeTensorProto } from './tensor-proto.ts';
import { describeNode } from '../ir/errors.ts';
import { elementCount } from '../ir/helpers.ts';
import { allocate, intList, requireValue } from './support.ts';

export interface ConstantOfShapeAttrs {
  value: Value;
}

export const ConstantOfShape: OpDef<ConstantOfShapeAttrs> = {
  parse: (a, _opset, node) => ({
    value: a.has('value') ? decodeTensorProto(a.tensor('value'), describeNode(node)) : { dtype: 'float32', shape: [1], data: new Float32Array(1) },
  }),
  infer: (node, inputs) => [{ dtype: node.attrs.value.dtype, shape: intList(requireValue(node, inputs[0], 'the shape input')) }],
  evaluate: (node, [s]) => {
    const shape = intList(s!);
    const out = allocate(node.attrs.value.dtype, elementCount(shape));
    (out as Float32Array).fill(node.attrs.value.data[0] as number);
    return [{ dtype: node.attrs.value.dtype, shape, data: out }];
  },
};
