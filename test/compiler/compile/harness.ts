// Shared steps of the parity suites: compile a model (nothing written), build the generated C on the host,
// run it, the integer simulator and the reference model (onnxruntime-node, dequantized npz weights) on the
// bundled test windows, and compute the figures the thresholds are about.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { compileModel, type CompileResult } from '../../../src/compiler/compile.ts';
import { quantizeInput, dequantizeOutput } from '../../../src/compiler/io-format.ts';
import { simulate } from '../../../src/compiler/sim/run.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { loadReferenceModel, runReference } from '../../../src/compiler/reference/model.ts';
import { maxErrTorso, meanErrTorso, torsoPck20 } from '../../../src/eval/metrics.ts';
import { DATA_DIR } from '../../../src/paths.ts';
import { buildHost, runHost } from './c-build.ts';

export const WINDOW = 3420;

export interface ParityRun {
  compiled: CompileResult;
  n: number;
  /** int16 outputs of the compiled C and of the simulator, [n][34]. */
  cOut: Int16Array;
  simOut: Int16Array;
  /** Float keypoints: C (dequantized), reference model, labels. */
  c: Float32Array;
  ref: Float32Array;
  labels: Float32Array;
}

export interface ParityFigures {
  simVsCDifferences: number;
  meanErrTorso: number;
  maxErrTorso: number;
  pckVsReference: number;
  pckRefVsLabels: number;
  pckCVsLabels: number;
}

export async function runParity(
  modelPath: string, weightsPath: string, bits: 4 | 8, actBits: 8 | 16 = 8, maxWindows = Infinity, tensorBits?: ReadonlyMap<string, 8 | 16>,
): Promise<ParityRun> {
  const compiled = await compileModel({
    modelPath, weightsPath, bits, actBits, tensorBits, calibPath: join(DATA_DIR, 'calib_X.npy'), outDir: join(DATA_DIR, 'unused-out'), write: false,
  });
  const X = readNpy(join(DATA_DIR, 'test_X.npy'));
  const Y = readNpy(join(DATA_DIR, 'test_Y.npy'));
  const n = Math.min(X.shape[0], maxWindows);
  const xs = (X.data as Float32Array).subarray(0, n * WINDOW);
  const windows = new Int16Array(n * WINDOW);
  for (let i = 0; i < n; i++) windows.set(quantizeInput(xs.subarray(i * WINDOW, (i + 1) * WINDOW), compiled.report.inputFracBits), i * WINDOW);
  const exe = buildHost(compiled.files);
  const cOut = runHost(exe, windows, WINDOW, 34);
  const simOut = new Int16Array(n * 34);
  for (let i = 0; i < n; i++) simOut.set(simulate(compiled.qgraph, windows.subarray(i * WINDOW, (i + 1) * WINDOW)).output, i * 34);
  const reference = loadReferenceModel(modelPath, weightsPath);
  const refOut = await runReference(reference.bytes, { dims: [n, 3, 114, 10], data: xs });
  return {
    compiled, n, cOut, simOut,
    c: dequantizeOutput(cOut, compiled.report.outputFracBits),
    ref: refOut.data,
    labels: (Y.data as Float32Array).subarray(0, n * 34),
  };
}

export function figures(r: ParityRun): ParityFigures {
  let diffs = 0;
  for (let i = 0; i < r.cOut.length; i++) if (r.cOut[i] !== r.simOut[i]) diffs++;
  return {
    simVsCDifferences: diffs,
    meanErrTorso: meanErrTorso(r.c, r.ref),
    maxErrTorso: maxErrTorso(r.c, r.ref),
    pckVsReference: torsoPck20(r.c, r.ref).overall,
    pckRefVsLabels: torsoPck20(r.ref, r.labels).overall,
    pckCVsLabels: torsoPck20(r.c, r.labels).overall,
  };
}

/** Issue 3's parity thresholds, one `it` each; `get` returns the figures a beforeAll computed. */
export function itMeetsParityThresholds(get: () => ParityFigures): void {
  it('the compiled C and the simulator agree bit for bit on every window', () => {
    expect(get().simVsCDifferences).toBe(0);
  });
  it('mean keypoint error <= 1% and max <= 5% of the torso length (reference output as ground truth)', () => {
    expect(get().meanErrTorso).toBeLessThanOrEqual(0.01);
    expect(get().maxErrTorso).toBeLessThanOrEqual(0.05);
  });
  it('torso-PCK@20 of the C output against the reference output is >= 99%', () => {
    expect(get().pckVsReference).toBeGreaterThanOrEqual(99);
  });
  it('torso-PCK@20 against the labels is within 0.3 points of the reference model', () => {
    const f = get();
    expect(Math.abs(f.pckCVsLabels - f.pckRefVsLabels)).toBeLessThanOrEqual(0.3);
  });
}
