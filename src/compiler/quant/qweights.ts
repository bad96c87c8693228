// Reads a pose-edge-qweights .npz (format: docs in README / the project contracts): quantized weight
// matrices as `<name>.int4` (packed nibbles) or `<name>.int8`, each with `<name>.scale` and `<name>.shape`,
// plain float32 tensors under their state_dict name, and a `__meta__` JSON. Everything is validated here,
// once, so that the weight map, the reference model and the compiler can trust what they get: a file that
// does not hold together is an error naming the file and the key.
import { readNpz, type NpyArray } from '../../io/npy.ts';
import { PoseEdgeError } from '../../errors.ts';
import { unpackInt4 } from './fixed-point.ts';

export class QWeightsError extends PoseEdgeError {}

export interface QWeightsMeta {
  format: 'pose-edge-qweights';
  version: 1;
  bits: 4 | 8;
  scheme: 'symmetric';
  model?: string;
  /** Modules (state_dict prefixes) whose inputs training fake-quantized to int8 (activation-aware QAT with a
   * quantization plan, src/compiler/quant/qplan.ts): the compiler may run those Linears on int8 inputs. */
  int8Inputs?: string[];
}

/** A weight matrix stored as integers: real = q * scale (per tensor, or per row = output channel, dim 0). */
export interface QuantizedTensor {
  kind: 'quantized';
  name: string;
  bits: 4 | 8;
  shape: number[];
  /** One integer per element, row-major, in [-8, 7] for 4 bits or [-128, 127] for 8 bits. */
  q: Int8Array;
  /** Length 1 for a per-tensor scale, shape[0] for a per-row scale. */
  scale: Float32Array;
  scaleAxis: 'tensor' | 'row';
  /** q * scale in float32, the values the reference model runs with. */
  dequantized: Float32Array;
  /** The file's packed bytes (4 bits only): the compiler keeps int4 packed in flash. */
  packed: Uint8Array | null;
}

/** A tensor that stays float (biases, norms, embeddings, score vectors). `bits` is 32 so callers can report it uniformly. */
export interface FloatTensor {
  kind: 'float';
  name: string;
  bits: 32;
  shape: number[];
  dequantized: Float32Array;
}

export type QWeightTensor = QuantizedTensor | FloatTensor;

export interface QWeights {
  path: string;
  meta: QWeightsMeta;
  /** Keyed by state_dict name (without the .int4/.int8/.scale/.shape suffixes), in file order. */
  tensors: Map<string, QWeightTensor>;
}

const META_KEY = '__meta__';
const SUFFIXES = ['.int4', '.int8', '.scale', '.shape'] as const;

export function readQWeights(path: string): QWeights {
  return parseQWeights(readNpz(path, 'quantized weights'), path);
}

/** Validates and decodes the members of an already-read npz. `path` is only used to name the file in errors. */
export function parseQWeights(members: Map<string, NpyArray>, path: string): QWeights {
  const fail = (msg: string): never => {
    throw new QWeightsError(`${path}: ${msg}`);
  };
  const meta = parseMeta(members.get(META_KEY), fail);

  const tensors = new Map<string, QWeightTensor>();
  for (const [key, arr] of members) {
    if (key === META_KEY) continue;
    const suffix = SUFFIXES.find((s) => key.endsWith(s));
    if (suffix === undefined) {
      if (arr.dtype !== 'f4') fail(`${key} is a float tensor and must be float32, found dtype ${arr.dtype}`);
      tensors.set(key, { kind: 'float', name: key, bits: 32, shape: [...arr.shape], dequantized: arr.data as Float32Array });
      continue;
    }
    const name = key.slice(0, -suffix.length);
    if (suffix === '.scale' || suffix === '.shape') {
      if (!members.has(`${name}.int4`) && !members.has(`${name}.int8`)) fail(`${key} has no matching ${name}.int${meta.bits}`);
      continue;
    }
    const bits = suffix === '.int4' ? 4 : 8;
    if (bits !== meta.bits) fail(`${key} found, but __meta__ says bits ${meta.bits}`);
    tensors.set(name, decodeQuantized(name, bits, arr, members, fail));
  }
  // Only one of .int4/.int8 can pass the bits check, so the one possible clash is float vs quantized.
  for (const key of members.keys()) {
    const m = /^(.*)\.int[48]$/.exec(key);
    if (m && members.has(m[1])) fail(`${m[1]} is stored twice (as a float tensor and as ${key})`);
  }
  return { path, meta, tensors };
}

function parseMeta(arr: NpyArray | undefined, fail: (msg: string) => never): QWeightsMeta {
  if (!arr) return fail(`${META_KEY} is missing (not a pose-edge-qweights file?)`);
  if (arr.dtype !== 'u1' || arr.shape.length !== 1) fail(`${META_KEY} must be 1-D uint8 JSON bytes, found ${arr.dtype} [${arr.shape.join(',')}]`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(arr.data as Uint8Array));
  } catch (err) {
    return fail(`${META_KEY} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof meta !== 'object' || meta === null) fail(`${META_KEY} must be a JSON object`);
  if (meta.format !== 'pose-edge-qweights') fail(`${META_KEY}.format is ${JSON.stringify(meta.format)}, expected "pose-edge-qweights"`);
  if (meta.version !== 1) fail(`${META_KEY}.version ${JSON.stringify(meta.version)} is not supported (this tool reads version 1)`);
  if (meta.bits !== 4 && meta.bits !== 8) fail(`${META_KEY}.bits ${JSON.stringify(meta.bits)} is not supported (4 or 8)`);
  if (meta.scheme !== 'symmetric') fail(`${META_KEY}.scheme ${JSON.stringify(meta.scheme)} is not supported (only "symmetric")`);
  const int8 = meta.int8Inputs;
  if (int8 !== undefined && !(Array.isArray(int8) && int8.every((m) => typeof m === 'string'))) {
    fail(`${META_KEY}.int8Inputs must be a list of module names, found ${JSON.stringify(int8)}`);
  }
  return {
    format: 'pose-edge-qweights',
    version: 1,
    bits: meta.bits as 4 | 8,
    scheme: 'symmetric',
    model: typeof meta.model === 'string' ? meta.model : undefined,
    ...(int8 !== undefined ? { int8Inputs: int8 as string[] } : {}),
  };
}

function decodeQuantized(
  name: string,
  bits: 4 | 8,
  values: NpyArray,
  members: Map<string, NpyArray>,
  fail: (msg: string) => never,
): QuantizedTensor {
  const valuesKey = `${name}.int${bits}`;
  const shapeArr = members.get(`${name}.shape`) ?? fail(`${valuesKey} has no ${name}.shape`);
  const scaleArr = members.get(`${name}.scale`) ?? fail(`${valuesKey} has no ${name}.scale`);

  if (shapeArr.dtype !== 'i8' || shapeArr.shape.length !== 1) {
    fail(`${name}.shape must be a 1-D int64 array, found ${shapeArr.dtype} [${shapeArr.shape.join(',')}]`);
  }
  const shape = Array.from(shapeArr.data as BigInt64Array, Number);
  if (shape.length === 0 || shape.some((d) => !Number.isSafeInteger(d) || d <= 0)) fail(`${name}.shape [${shape.join(',')}] is not a valid shape`);
  const count = shape.reduce((a, b) => a * b, 1);
  const shapeText = `[${shape.join(',')}]`;

  let q: Int8Array;
  let packed: Uint8Array | null = null;
  if (bits === 4) {
    if (values.dtype !== 'u1' || values.shape.length !== 1) fail(`${valuesKey} must be 1-D uint8, found ${values.dtype} [${values.shape.join(',')}]`);
    packed = values.data as Uint8Array;
    const need = Math.ceil(count / 2);
    if (packed.length !== need) fail(`${valuesKey} has ${packed.length} bytes, shape ${shapeText} needs ${need}`);
    if (count % 2 === 1 && packed[need - 1] >> 4 !== 0) fail(`${valuesKey}: the high nibble after the last (odd) element must be 0`);
    q = unpackInt4(packed, count);
  } else {
    if (values.dtype !== 'i1') fail(`${valuesKey} must be int8, found dtype ${values.dtype}`);
    if (values.shape.join(',') !== shape.join(',')) fail(`${valuesKey} has shape [${values.shape.join(',')}], ${name}.shape says ${shapeText}`);
    q = values.data as Int8Array;
  }

  if (scaleArr.dtype !== 'f4') fail(`${name}.scale must be float32, found dtype ${scaleArr.dtype}`);
  const scale = scaleArr.data as Float32Array;
  let scaleAxis: 'tensor' | 'row';
  if (scaleArr.shape.length === 0) scaleAxis = 'tensor';
  else if (scaleArr.shape.length === 1 && scaleArr.shape[0] === shape[0]) scaleAxis = 'row';
  else return fail(`${name}.scale has shape [${scaleArr.shape.join(',')}], expected [] or [${shape[0]}] (one per row of ${shapeText})`);
  const bad = scale.findIndex((s) => !Number.isFinite(s) || s <= 0);
  if (bad >= 0) fail(`${name}.scale${scaleAxis === 'row' ? `[${bad}]` : ''} is ${scale[bad]}, must be finite and > 0`);

  return { kind: 'quantized', name, bits, shape, q, scale, scaleAxis, dequantized: dequantize(q, scale, count / shape[0]), packed };
}

/** real = q * scale in float32 (what numpy computes for int * float32); one scale, or one per row of `rowLen` elements. */
function dequantize(q: Int8Array, scale: Float32Array, rowLen: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] * scale[scale.length === 1 ? 0 : Math.floor(i / rowLen)];
  return out;
}

/** Half a quantization step of element i: the largest distance a float weight may be from its grid value. */
export function halfStep(t: QuantizedTensor, i: number): number {
  const rowLen = t.q.length / t.shape[0];
  return t.scale[t.scaleAxis === 'tensor' ? 0 : Math.floor(i / rowLen)] / 2;
}
