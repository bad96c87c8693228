// The checks of one ONNX op. checkFloat: its float semantics (import + the IR interpreter, used by constant
// folding) against onnxruntime-node on random inputs. checkOp, end to end: a model made of that op (and what
// it needs around it) on the CSI window input, compiled by the real pipeline (calibration on the bundled set, the kernel's plan, the
// emitter), then, on test windows:
//   - the generated C, built for the host (gcc -O2, and clang with ASan + UBSan), equals the TypeScript
//     simulator bit for bit: the C call and the simulator's mirror call come from one argument list;
//   - the simulator, dequantized, is within a stated bound of onnxruntime-node running the float model
//     (the independent oracle).
// New kernels are tested through here (docs/adding-an-op.md); the hand-written drivers in
// test/compiler/kernels cover the Transformer family's kernels at the C-function level.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx } from 'onnx-proto';
import { BUNDLED } from '../../../src/bundled.ts';
import { compileModel, type CompileResult } from '../../../src/compiler/compile.ts';
import { dequantizeOutput, quantizeInput } from '../../../src/compiler/io-format.ts';
import { simulate } from '../../../src/compiler/sim/run.ts';
import { WINDOW_VALUES } from '../../../src/data/window.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { buildHost, runHost } from '../compile/c-build.ts';
import { META4, writeQWeightsFile, type Members } from '../quant/qweights-fixture.ts';
import { buildModel, encode, ortRun, randomFloats, type ModelSpec } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { interpret } from '../../../src/compiler/ir/interpret.ts';
import { lower } from '../../../src/compiler/lower.ts';
import { calibrationTensors, planQuantization } from '../../../src/compiler/quant/plan.ts';
import type { Value } from '../../../src/compiler/ops/types.ts';

/**
 * Runs `spec` on onnxruntime-node and through import + the float interpreter on the same random inputs
 * (uniform in `range`); returns, per output, its shapes and the largest |difference| relative to
 * max(1, max |reference|). Single float32 ops differ only in rounding order, a few ulps; any semantic
 * mistake (an axis, a broadcast, a clamp, a default attribute) is far larger than 1e-5.
 */
export async function checkFloat(spec: ModelSpec, range: [number, number] = [-2, 2]): Promise<{ name: string; shape: number[]; refShape: number[]; relErr: number }[]> {
  const model = buildModel(spec);
  const feeds: Record<string, { dims: number[]; data: Float32Array }> = {};
  spec.inputs.forEach(([name, dims], k) => {
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    feeds[name] = { dims: dims as number[], data: randomFloats(n, 100 + k, ...range) };
  });
  const ref = await ortRun(model, feeds);
  const env = interpret(importOnnx(model, 'golden'), Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { dtype: 'float32', shape: v.dims, data: v.data } satisfies Value])));
  return spec.outputs.map(([name]) => {
    const got = env.get(name)!;
    const want = Array.from(ref[name].data);
    const scale = Math.max(1, ...want.map(Math.abs));
    let relErr = 0;
    Array.from(got.data as ArrayLike<number | bigint>, Number).forEach((v, i) => (relErr = Math.max(relErr, Math.abs(v - want[i]) / scale)));
    return { name, shape: got.shape, refShape: ref[name].dims, relErr };
  });
}

export interface OpCheck {
  compiled: CompileResult;
  windows: number;
  /** Output values where the C (gcc -O2, clang with sanitizers) and the simulator differ. */
  cVsSim: number;
  cVsSimSanitized: number;
  /** Largest |simulator dequantized - onnxruntime float| over every output value, and its place. */
  maxErr: number;
  /** The scales of the model input and output codes (what a bound is stated in). */
  inputScale: number;
  outputScale: number;
}

const testX = readNpy(BUNDLED.testX).data as Float32Array;

/**
 * Builds `spec` (its input must be `csi` [N,3,114,10] float, its one output float), compiles it with the
 * quantized weights `weights` (npz members; default none: an npz with only the metadata, so weight matrices
 * are the float initializers, quantized to int8 by the kernel) at `bits`, and runs the checks on the first
 * `windows` test windows.
 */
export async function checkOp(spec: ModelSpec, opts: { windows?: number; actBits?: 8 | 16; weights?: Members; bits?: 4 | 8 } = {}): Promise<OpCheck> {
  const dir = mkdtempSync(join(tmpdir(), 'pe-op-'));
  const model: onnx.ModelProto = buildModel(spec);
  const modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, encode(model));
  const bits = opts.bits ?? 4;
  const weightsPath = writeQWeightsFile(opts.weights ?? {}, { ...META4, bits });
  const compiled = await compileModel({ modelPath, weightsPath, bits, actBits: opts.actBits ?? 8, calibPath: BUNDLED.calib, outDir: join(dir, 'out'), write: false });
  const n = opts.windows ?? 32;
  const g = compiled.qgraph;
  const windows = new Int16Array(n * WINDOW_VALUES);
  for (let i = 0; i < n; i++) windows.set(quantizeInput(testX.subarray(i * WINDOW_VALUES, (i + 1) * WINDOW_VALUES), g.inputFracBits), i * WINDOW_VALUES);
  const sim = new Int16Array(n * g.outputLen);
  for (let i = 0; i < n; i++) sim.set(simulate(g, windows.subarray(i * WINDOW_VALUES, (i + 1) * WINDOW_VALUES)).output, i * g.outputLen);
  const differences = (c: Int16Array): number => c.reduce((d, v, i) => d + (v === sim[i] ? 0 : 1), 0);
  const cVsSim = differences(runHost(buildHost(compiled.files), windows, WINDOW_VALUES, g.outputLen));
  const cVsSimSanitized = differences(runHost(buildSanitized(compiled.files), windows, WINDOW_VALUES, g.outputLen));
  const ort = await ortRun(model, { csi: { dims: [n, 3, 114, 10], data: testX.slice(0, n * WINDOW_VALUES) } });
  const ref = Object.values(ort)[0].data;
  const got = dequantizeOutput(sim, g.outputFracBits);
  let maxErr = 0;
  for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - ref[i]));
  return { compiled, windows: n, cVsSim, cVsSimSanitized, maxErr, inputScale: 2 ** -g.inputFracBits, outputScale: 2 ** -g.outputFracBits };
}

/** The component built with clang, ASan and UBSan (an out-of-bounds access or an overflow fails the run). */
function buildSanitized(files: Map<string, string>): string {
  return buildHost(files, 'clang', ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all']);
}

/** Lowers and plans a model with made-up ranges (|x| <= 1 everywhere): for errors that planning raises. */
export function planOnly(spec: ModelSpec): void {
  const graph = lower(buildModel(spec), 'model.onnx');
  const ranges = new Map([...calibrationTensors(graph), ...graph.outputs].map((name) => [name, { name, min: -1, max: 1, maxAbs: 1, p9999: 1, count: 1 }]));
  planQuantization({
    graph, weights: { path: 'w.npz', meta: { format: 'pose-edge-qweights', version: 1, bits: 4, scheme: 'symmetric' }, tensors: new Map() },
    weightMap: [], ranges, bits: 4, actBits: 8, inputFracBits: 7, outputFracBits: 12, modelPath: 'model.onnx',
  });
}
