// Shared machinery of the op files: axis normalization, numpy broadcasting, element loops over the
// dtypes the IR carries, and compile-time values for inputs that shape inference must read.
import { describeNode, ShapeError, UnsupportedOpError, type NodeRef } from '../ir/errors.ts';
import type { ConstData, DType } from '../ir/graph.ts';
import { elementCount } from '../ir/helpers.ts';
import type { InputInfo, OutputInfo, Value } from './types.ts';

export function shapeError(node: NodeRef, what: string): ShapeError {
  return new ShapeError(`${describeNode(node)}: ${what}`);
}

export function unsupported(node: NodeRef, what: string): UnsupportedOpError {
  return new UnsupportedOpError(`${describeNode(node)}: ${what}`);
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function normAxis(node: NodeRef, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw shapeError(node, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function broadcastShapes(node: NodeRef, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else throw shapeError(node, `shapes ${shapes.map(fmtShape).join(' and ')} do not broadcast`);
    }
  }
  return out;
}

/** For every flat index of `outShape`, the flat index of the broadcast input element. */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = elementCount(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const inStr = strides(inShape);
  const effStr = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = rank - inShape.length + i;
    effStr[o] = inShape[i] === 1 ? 0 : inStr[i];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < n; f++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * effStr[d];
    map[f] = src;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return map;
}

export function allocate(dtype: DType, n: number): ConstData {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

/** Copies elements `from` (source indices) into a new array of the same type. */
export function gather(data: ConstData, from: ArrayLike<number>): ConstData {
  const out = allocateLike(data, from.length);
  for (let i = 0; i < from.length; i++) (out as Float32Array)[i] = (data as Float32Array)[from[i]];
  return out;
}

export function allocateLike(data: ConstData, n: number): ConstData {
  return new (data.constructor as { new (n: number): ConstData })(n);
}

/** Integer contents of an int64/int32 value as numbers (shape vectors, axes, indices). */
export function intList(v: Value): number[] {
  if (v.data instanceof BigInt64Array) return Array.from(v.data, (x) => Number(x));
  if (v.data instanceof Int32Array) return Array.from(v.data);
  throw new ShapeError(`expected an integer tensor, got ${v.dtype}`);
}

/** The compile-time value of an input that shape inference cannot do without (a Reshape's shape...). */
export function requireValue(node: NodeRef, input: InputInfo | undefined, what: string): Value {
  if (!input) throw shapeError(node, `${what} is missing`);
  if (!input.value) {
    throw shapeError(node, `${what} is computed from run-time data, so the output shape cannot be resolved statically (only the batch dimension may be dynamic)`);
  }
  return input.value;
}

export function requireInput(node: NodeRef, inputs: readonly (InputInfo | undefined)[], index: number, what: string): InputInfo {
  const i = inputs[index];
  if (!i) throw shapeError(node, `input ${index} (${what}) is missing`);
  return i;
}

export function requireFloat(node: NodeRef, input: InputInfo, what: string): void {
  if (input.dtype !== 'float32') throw unsupported(node, `${what} has element type ${input.dtype}; only float32 is supported here`);
}

export function same(input: InputInfo): OutputInfo[] {
  return [{ dtype: input.dtype, shape: [...input.shape] }];
}

/** Applies a float function element by element (float32 result). */
export function mapFloat(x: Value, f: (v: number) => number): Value {
  const src = x.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return { dtype: 'float32', shape: [...x.shape], data: out };
}

/** Numpy-broadcast binary op over float32 or integer values (integers in BigInt for exactness). */
export function binary(
  node: NodeRef,
  a: Value,
  b: Value,
  f: (x: number, y: number) => number,
  fi?: (x: bigint, y: bigint) => bigint,
): Value {
  if (a.dtype !== b.dtype) throw unsupported(node, `operands have different element types (${a.dtype} and ${b.dtype})`);
  const shape = broadcastShapes(node, [a.shape, b.shape]);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const n = ia.length;
  if (a.dtype === 'float32') {
    const x = a.data as Float32Array, y = b.data as Float32Array, out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = f(x[ia[i]], y[ib[i]]);
    return { dtype: 'float32', shape, data: out };
  }
  if (!fi) throw unsupported(node, `element type ${a.dtype} is not supported by this op`);
  const out = allocate(a.dtype, n);
  for (let i = 0; i < n; i++) {
    const r = fi(BigInt(a.data[ia[i]] as number | bigint), BigInt(b.data[ib[i]] as number | bigint));
    if (out instanceof BigInt64Array) out[i] = r;
    else (out as Int32Array)[i] = Number(r);
  }
  return { dtype: a.dtype, shape, data: out };
}

/** Flat source indices realizing a transpose of `shape` by `perm`. */
export function transposeIndex(shape: readonly number[], perm: readonly number[]): { shape: number[]; index: Int32Array } {
  const outShape = perm.map((p) => shape[p]);
  const inStr = strides(shape);
  const permStr = perm.map((p) => inStr[p]);
  const n = elementCount(shape);
  const index = new Int32Array(n);
  const idx = new Array<number>(perm.length).fill(0);
  for (let f = 0; f < n; f++) {
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += idx[d] * permStr[d];
    index[f] = src;
    for (let d = perm.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return { shape: outShape, index };
}

/** Reduction axes (normalized, sorted) and the output shape. Empty axes means all axes unless noopWithEmptyAxes. */
export function reduceShape(node: NodeRef, shape: readonly number[], axes: readonly number[], keepdims: boolean, noopWithEmptyAxes = false): { axes: number[]; shape: number[] } {
  const rank = shape.length;
  let ax = axes.map((a) => normAxis(node, a, rank));
  if (ax.length === 0) ax = noopWithEmptyAxes ? [] : [...Array(rank).keys()];
  ax = [...new Set(ax)].sort((a, b) => a - b);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (ax.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(d);
  });
  return { axes: ax, shape: out };
}

/** Folds each group of reduced elements with `step`, starting from the group's first element, in float64. */
export function reduceFloat(x: Value, axes: readonly number[], keptShape: number[], init: (first: number) => number, step: (acc: number, v: number) => number, finish: (acc: number, count: number) => number): Value {
  const shape = x.shape;
  const src = x.data as Float32Array;
  const outShapeFull = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outCount = elementCount(outShapeFull);
  const groupSize = elementCount(shape) / Math.max(outCount, 1);
  const toOut = broadcastIndex(outShapeFull, shape);
  const acc = new Float64Array(outCount);
  const seen = new Uint8Array(outCount);
  for (let i = 0; i < src.length; i++) {
    const o = toOut[i];
    if (!seen[o]) {
      acc[o] = init(src[i]);
      seen[o] = 1;
    } else acc[o] = step(acc[o], src[i]);
  }
  const out = new Float32Array(outCount);
  for (let o = 0; o < outCount; o++) out[o] = finish(acc[o], groupSize);
  return { dtype: 'float32', shape: keptShape, data: out };
}
