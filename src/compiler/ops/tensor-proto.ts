// ONNX TensorProto (initializers, Constant values) -> Value. Only the element types this model family
// uses; anything else is an error naming the tensor rather than silently misread bytes.
import type { onnx } from 'onnx-proto';
import { UnsupportedOpError } from '../ir/errors.ts';
import type { Value } from './types.ts';
import { toNumber } from './attrs.ts';

// TensorProto.DataType values from the ONNX spec.
export const ONNX_FLOAT = 1, ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_BOOL = 9, ONNX_DOUBLE = 11;

export function decodeTensorProto(t: onnx.ITensorProto, what: string): Value {
  const shape = (t.dims ?? []).map(toNumber);
  const count = shape.reduce((a, b) => a * b, 1);
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new UnsupportedOpError(`${what}: tensor "${t.name ?? ''}" stores its data outside the model file (external data is not supported)`);
  }
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  // Copy raw bytes into an aligned buffer: protobuf slices are not guaranteed to be 4/8-byte aligned.
  const rawView = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const check = (got: number, bytesPer: number): void => {
    if (got !== count) {
      throw new UnsupportedOpError(`${what}: tensor "${t.name ?? ''}" has ${got} values for shape [${shape.join(',')}]` + (raw ? ` (${raw.length} raw bytes, ${bytesPer} per value)` : ''));
    }
  };
  switch (t.dataType) {
    case ONNX_FLOAT: {
      const data = new Float32Array(count);
      if (rawView) {
        check(rawView.byteLength / 4, 4);
        for (let i = 0; i < count; i++) data[i] = rawView.getFloat32(i * 4, true);
      } else {
        check((t.floatData ?? []).length, 4);
        data.set(t.floatData ?? []);
      }
      return { dtype: 'float32', shape, data };
    }
    case ONNX_DOUBLE: {
      // Stored as float32: the compiler's float reference is float32 like onnxruntime's float kernels.
      const data = new Float32Array(count);
      if (rawView) {
        check(rawView.byteLength / 8, 8);
        for (let i = 0; i < count; i++) data[i] = rawView.getFloat64(i * 8, true);
      } else {
        check((t.doubleData ?? []).length, 8);
        data.set(t.doubleData ?? []);
      }
      return { dtype: 'float32', shape, data };
    }
    case ONNX_INT64: {
      const data = new BigInt64Array(count);
      if (rawView) {
        check(rawView.byteLength / 8, 8);
        for (let i = 0; i < count; i++) data[i] = rawView.getBigInt64(i * 8, true);
      } else {
        const src = t.int64Data ?? [];
        check(src.length, 8);
        for (let i = 0; i < count; i++) data[i] = BigInt(toNumber(src[i]));
      }
      return { dtype: 'int64', shape, data };
    }
    case ONNX_INT32: {
      const data = new Int32Array(count);
      if (rawView) {
        check(rawView.byteLength / 4, 4);
        for (let i = 0; i < count; i++) data[i] = rawView.getInt32(i * 4, true);
      } else {
        check((t.int32Data ?? []).length, 4);
        data.set(t.int32Data ?? []);
      }
      return { dtype: 'int32', shape, data };
    }
    case ONNX_BOOL: {
      const data = new Uint8Array(count);
      if (raw) {
        check(raw.length, 1);
        for (let i = 0; i < count; i++) data[i] = raw[i] ? 1 : 0;
      } else {
        check((t.int32Data ?? []).length, 1);
        for (let i = 0; i < count; i++) data[i] = (t.int32Data ?? [])[i] ? 1 : 0;
      }
      return { dtype: 'bool', shape, data };
    }
    default:
      throw new UnsupportedOpError(`${what}: tensor "${t.name ?? ''}" has ONNX element type ${t.dataType}, not one of float, double, int32, int64, bool`);
  }
}

/** ONNX element type code -> IR dtype, or undefined when unsupported. */
export function dtypeFromOnnx(code: number): 'float32' | 'int64' | 'int32' | 'bool' | undefined {
  switch (code) {
    case ONNX_FLOAT: return 'float32';
    case ONNX_INT64: return 'int64';
    case ONNX_INT32: return 'int32';
    case ONNX_BOOL: return 'bool';
    default: return undefined;
  }
}
