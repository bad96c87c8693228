// NumPy .npy (format versions 1.0-3.0) and .npz (zip of .npy) reading and .npy/.npz writing.
// Only little-endian, C-order arrays of the dtypes the project uses are accepted; anything else is a
// clear NpyError naming the file (and the member, for .npz) instead of a silently wrong array.
import { unzipSync, zipSync } from 'fflate';
import { PoseEdgeError } from '../errors.ts';
import { readFileChecked } from './fs-errors.ts';

export class NpyError extends PoseEdgeError {}

export type NpyDtype = 'f4' | 'f8' | 'i1' | 'u1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'u8' | 'b1';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DTYPES: Record<NpyDtype, { bytes: number; make: (buf: ArrayBuffer, n: number) => NpyData }> = {
  f4: { bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
  f8: { bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
  i1: { bytes: 1, make: (b, n) => new Int8Array(b, 0, n) },
  u1: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  b1: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  i2: { bytes: 2, make: (b, n) => new Int16Array(b, 0, n) },
  u2: { bytes: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  i4: { bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  u4: { bytes: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  i8: { bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  u8: { bytes: 8, make: (b, n) => new BigUint64Array(b, 0, n) },
};

/** Parses .npy bytes. `where` names the file (and member) in error messages. */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new NpyError(`${where}: not a .npy file (bad magic)`);
  }
  const major = bytes[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`${where}: truncated .npy header`);
    headerLen = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    offset = 12;
  } else {
    throw new NpyError(`${where}: unsupported .npy format version ${major}`);
  }
  if (offset + headerLen > bytes.length) throw new NpyError(`${where}: truncated .npy header`);
  const header = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${where}: malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') throw new NpyError(`${where}: Fortran-order arrays are not supported`);
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  if (!m) throw new NpyError(`${where}: unsupported dtype '${descr}'`);
  if (m[1] === '>') throw new NpyError(`${where}: big-endian dtype '${descr}' is not supported`);
  const dtype = `${m[2]}${m[3]}` as NpyDtype;
  const spec = DTYPES[dtype];
  if (!spec) throw new NpyError(`${where}: unsupported dtype '${descr}'`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new NpyError(`${where}: bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;
  const need = count * spec.bytes;
  if (bytes.length - dataStart < need) {
    throw new NpyError(
      `${where}: truncated data: shape [${shape.join(',')}] of ${descr} needs ${need} bytes, file has ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer: the source may sit at any offset inside a zip.
  const buf = new ArrayBuffer(need);
  new Uint8Array(buf).set(bytes.subarray(dataStart, dataStart + need));
  return { dtype, shape, data: spec.make(buf, count) };
}

/** `what` says what the file is for, in an error about reading it (e.g. "--data, CSI windows"). */
export function readNpy(path: string, what = 'a .npy array'): NpyArray {
  return parseNpy(readFileChecked(path, what), path);
}

/** Reads every member of an .npz; keys are member names without the `.npy` suffix. */
export function readNpz(path: string, what = 'a .npz archive'): Map<string, NpyArray> {
  const bytes = readFileChecked(path, what);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new NpyError(`${path}: not a readable .npz (zip) file: ${(err as Error).message}`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, content] of Object.entries(files)) {
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    out.set(key, parseNpy(content, `${path}[${key}]`));
  }
  return out;
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'f4';
  if (data instanceof Float64Array) return 'f8';
  if (data instanceof Int8Array) return 'i1';
  if (data instanceof Uint8Array) return 'u1';
  if (data instanceof Int16Array) return 'i2';
  if (data instanceof Uint16Array) return 'u2';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof Uint32Array) return 'u4';
  if (data instanceof BigInt64Array) return 'i8';
  return 'u8';
}

/** Serializes a C-order array as .npy version 1.0. */
export function encodeNpy(data: NpyData, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new NpyError(`encodeNpy: shape [${shape.join(',')}] does not hold ${data.length} values`);
  const dtype = dtypeOf(data);
  const descr = dtype.endsWith('1') ? `|${dtype}` : `<${dtype}`;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export function encodeNpz(arrays: Record<string, { data: NpyData; shape: number[] }>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = encodeNpy(v.data, v.shape);
  return zipSync(files, { level: 6 });
}

/** Checks dtype and shape of a loaded array, naming the file and what was expected. */
export function expectArray(arr: NpyArray, where: string, dtype: NpyDtype, shape: (number | null)[]): void {
  if (arr.dtype !== dtype) throw new NpyError(`${where}: expected dtype ${dtype}, found ${arr.dtype}`);
  const ok = arr.shape.length === shape.length && shape.every((d, i) => d === null || d === arr.shape[i]);
  if (!ok) {
    const want = shape.map((d) => (d === null ? 'N' : String(d))).join(',');
    throw new NpyError(`${where}: expected shape [${want}], found [${arr.shape.join(',')}]`);
  }
}
