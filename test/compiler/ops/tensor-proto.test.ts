// Initializers and Constant values arrive in several TensorProto encodings (raw bytes or typed fields);
// each must decode to the same values, and anything we do not carry is an error naming the tensor.
import { describe, expect, it } from 'vitest';
import { decodeTensorProto } from '../../../src/compiler/ops/tensor-proto.ts';
import { UnsupportedOpError } from '../../../src/compiler/ir/errors.ts';

describe('decodeTensorProto', () => {
  it('reads floats from float_data as from raw_data', () => {
    const v = decodeTensorProto({ name: 'w', dims: [2], dataType: 1, floatData: [1.5, -2] }, 'm.onnx');
    expect(v).toMatchObject({ dtype: 'float32', shape: [2] });
    expect(Array.from(v.data as Float32Array)).toEqual([1.5, -2]);
  });

  it('reads int64 from int64_data (numbers or protobuf Longs) and doubles as float32', () => {
    const long = { toNumber: () => -3 };
    const v = decodeTensorProto({ name: 's', dims: [2], dataType: 7, int64Data: [5, long as never] }, 'm.onnx');
    expect(Array.from(v.data as BigInt64Array)).toEqual([5n, -3n]);
    const d = decodeTensorProto({ name: 'd', dims: [], dataType: 11, rawData: new Uint8Array(Float64Array.of(0.25).buffer) }, 'm.onnx');
    expect(d).toMatchObject({ dtype: 'float32', shape: [] });
    expect((d.data as Float32Array)[0]).toBe(0.25);
  });

  it('reads bool and int32', () => {
    expect(Array.from(decodeTensorProto({ name: 'b', dims: [3], dataType: 9, rawData: Uint8Array.of(1, 0, 2) }, 'm').data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(decodeTensorProto({ name: 'i', dims: [2], dataType: 6, int32Data: [7, -1] }, 'm').data as Int32Array)).toEqual([7, -1]);
  });

  it('rejects a value count that does not fit the dims, naming the tensor', () => {
    expect(() => decodeTensorProto({ name: 'w', dims: [2, 2], dataType: 1, rawData: new Uint8Array(12) }, 'm.onnx: initializer "w"')).toThrow(
      new UnsupportedOpError('m.onnx: initializer "w": tensor "w" has 3 values for shape [2,2] (12 raw bytes, 4 per value)'),
    );
  });

  it('rejects element types the compiler does not carry', () => {
    expect(() => decodeTensorProto({ name: 'h', dims: [1], dataType: 10, rawData: new Uint8Array(2) }, 'm.onnx')).toThrow(
      'm.onnx: tensor "h" has ONNX element type 10, not one of float, double, int32, int64, bool',
    );
  });
});
