// Test support: onnxruntime-node (the independent oracle) and the interpreter on the same windows.
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../../src/io/npy.ts';
import { DATA_DIR } from '../../../src/paths.ts';
import type { Graph } from '../../../src/compiler/ir/graph.ts';
import { runGraph } from '../../../src/compiler/ir/interpret.ts';

export const WINDOW = [3, 114, 10];
const WINDOW_LEN = 3 * 114 * 10;

/**
 * `count` windows from the bundled test set, or (while it is not there yet) seeded random positive
 * amplitudes on the same scale, so the comparison never depends on data that may be missing.
 */
export function testWindows(count: number): Float32Array[] {
  const path = join(DATA_DIR, 'test_X.npy');
  if (existsSync(path)) {
    const arr = readNpy(path);
    const data = arr.data as Float32Array;
    const step = Math.max(1, Math.floor(arr.shape[0] / count));
    return Array.from({ length: count }, (_, i) => data.slice(i * step * WINDOW_LEN, (i * step + 1) * WINDOW_LEN));
  }
  let s = 12345;
  const rand = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => Float32Array.from({ length: WINDOW_LEN }, () => 40 * rand() * rand()));
}

export async function runOrt(bytes: Uint8Array, windows: Float32Array[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const x = new Float32Array(windows.length * WINDOW_LEN);
  windows.forEach((w, i) => x.set(w, i * WINDOW_LEN));
  const out = await session.run({ csi: new ort.Tensor('float32', x, [windows.length, ...WINDOW]) });
  const y = out[session.outputNames[0]].data as Float32Array;
  const per = y.length / windows.length;
  return windows.map((_, i) => y.slice(i * per, (i + 1) * per));
}

export function runInterpreter(g: Graph, windows: Float32Array[]): Float32Array[] {
  return windows.map((w) => runGraph(g, { [g.inputs[0]]: { dtype: 'float32', shape: [1, ...WINDOW], data: w } })[0].data as Float32Array);
}

export function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

export function maxAbs(a: Float32Array[]): number {
  let m = 0;
  for (const x of a) for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}
