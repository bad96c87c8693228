// Materializes a frontier-size model (tiny, small, base) from its skeleton in test/fixtures/frontier/<size>/:
// the graph torch exports for the preset (reference/variants.py), with every float initializer refilled by
// seeded values in the range the untrained export had, and an int4 pose-edge-qweights npz quantized from
// those values as reference/qweights.py does (per tensor, scale = max|W| / 7, round half to even), keyed by
// state_dict names with [out, in] shapes like the trained files. The full ONNX files (0.8-2.9 MB) are not
// fixtures; the graphs are.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnxPb } from '../../../src/compiler/onnx/load.ts';
import { encodeNpz } from '../../../src/io/npy.ts';
import { REPO_ROOT } from '../../../src/paths.ts';
import { randomFloats } from '../onnx/onnx-builder.ts';
import { int4Tensor, metaBytes, type Members } from '../quant/qweights-fixture.ts';

export const FRONTIER_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'frontier');

interface FillEntry {
  name: string;
  dims: number[];
  min: number;
  max: number;
  /** Set for a quantized matrix: its state_dict name, and whether the initializer is it transposed. */
  stateDict?: string;
  transposed?: boolean;
}

export interface FillSpec {
  model: string;
  params: number;
  config: { d: number; layers: number; heads: number; ffn: number; head_hidden: number; graph: boolean };
  opset: number;
  seed: number;
  initializers: FillEntry[];
}

export interface Materialized {
  spec: FillSpec;
  onnxPath: string;
  int4Path: string;
  /** Float values in the filled initializers that are parameters (everything float but refine.adj). */
  params: number;
}

function floatsOf(t: { rawData?: Uint8Array | null; floatData?: number[] | null }): Float32Array {
  if (t.rawData && t.rawData.length > 0) return new Float32Array(Uint8Array.from(t.rawData).buffer); // a copy: decoded bytes may be a view into a pooled buffer
  return Float32Array.from(t.floatData ?? []);
}

/** round half to even, as torch.round does */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** int4 values and scale of a [rows, cols] float32 matrix (row-major), per tensor, scale = max|W| / 7. */
function quantize4(w: Float32Array): { q: number[]; scale: number } {
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  const scale = m > 0 ? Math.fround(m / 7) : 1;
  return { q: Array.from(w, (v) => Math.min(7, Math.max(-8, roundHalfEven(Math.fround(v / scale))))), scale };
}

export function materialize(size: string): Materialized {
  const dir = join(FRONTIER_FIXTURES, size);
  const spec = JSON.parse(readFileSync(join(dir, 'fill.json'), 'utf8')) as FillSpec;
  const model = onnxPb.ModelProto.decode(readFileSync(join(dir, 'skeleton.onnx')));
  const inits = new Map((model.graph!.initializer ?? []).map((t) => [t.name!, t]));
  const members: Members = {};
  let params = 0;
  spec.initializers.forEach((e, k) => {
    const t = inits.get(e.name);
    if (!t) throw new Error(`${dir}: fill.json names ${e.name}, which skeleton.onnx does not have`);
    const n = e.dims.reduce((a, b) => a * b, 1);
    const values = randomFloats(n, spec.seed * 1000 + k + 1, e.min, e.max);
    t.rawData = new Uint8Array(values.buffer);
    t.floatData = [];
    params += n;
    if (e.stateDict === undefined) {
      members[e.name] = { data: values, shape: e.dims };
      return;
    }
    // the state_dict layout [out, in]: a MatMul initializer holds [in, out]
    const [rows, cols] = e.transposed ? [e.dims[1], e.dims[0]] : [e.dims[0], e.dims[1]];
    const w = e.transposed ? Float32Array.from({ length: n }, (_, i) => values[(i % cols) * rows + Math.floor(i / cols)]) : values;
    const { q, scale } = quantize4(w);
    Object.assign(members, int4Tensor(e.stateDict, q, [rows, cols], scale));
  });
  const adj = inits.get('refine.adj');
  if (adj) members['refine.adj'] = { data: floatsOf(adj), shape: (adj.dims ?? []).map(Number) };
  members.__meta__ = metaBytes({ format: 'pose-edge-qweights', version: 1, bits: 4, scheme: 'symmetric', model: spec.model });
  const out = mkdtempSync(join(tmpdir(), `pe-frontier-${size}-`));
  const onnxPath = join(out, `${size}.onnx`);
  const int4Path = join(out, `pose_${size}_int4.npz`);
  writeFileSync(onnxPath, onnxPb.ModelProto.encode(model).finish());
  writeFileSync(int4Path, encodeNpz(members));
  return { spec, onnxPath, int4Path, params };
}
