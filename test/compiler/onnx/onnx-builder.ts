// Builds small ONNX models in memory for the front-end tests (single ops, pass patterns, bad graphs),
// so every case is visible in the test itself and onnxruntime-node can run the same bytes as the oracle.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: onnx.ITensorProto };

export interface NodeSpec {
  name?: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  domain?: string;
}

export interface ModelSpec {
  opset?: number;
  inputs: [string, (number | string)[], ('float' | 'int64')?][];
  outputs: [string, (number | string)[]?, ('float' | 'int64')?][];
  initializers?: onnx.ITensorProto[];
  nodes: NodeSpec[];
  functions?: onnx.IFunctionProto[];
}

const AT = onnx.AttributeProto.AttributeType;

function attr(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: v.tensor };
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer) };
}

/** Deterministic pseudo-random floats in [lo, hi). */
export function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  });
}

export function buildModel(spec: ModelSpec): onnx.ModelProto {
  const vi = (name: string, dims: (number | string)[] | undefined, type: 'float' | 'int64' = 'float'): onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: type === 'float' ? 1 : 7,
        shape: dims ? { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } : undefined,
      },
    },
  });
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    producerName: 'pose-edge-test',
    functions: spec.functions ?? [],
    graph: {
      name: 'test',
      input: spec.inputs.map(([n, d, t]) => vi(n, d, t)),
      output: spec.outputs.map(([n, d, t]) => vi(n, d, t)),
      initializer: spec.initializers ?? [],
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `/${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attr(k, v)),
      })),
    },
  });
}

export function encode(model: onnx.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Runs the model on onnxruntime-node; feeds are float32 unless given as BigInt64Array. */
export async function ortRun(model: onnx.ModelProto, feeds: Record<string, { dims: number[]; data: Float32Array | BigInt64Array }>): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(encode(model));
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor(v.data instanceof BigInt64Array ? 'int64' : 'float32', v.data, v.dims);
  const out = await session.run(inputs);
  const res: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(out)) {
    const d = t.data;
    res[k] = { dims: [...t.dims], data: d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number | bigint>, Number) };
  }
  return res;
}
