// `pose-edge compile` end to end: load the ONNX model and its quantized weights, map the weights onto the
// graph, lower the graph to fused ops, calibrate activation ranges on the reference model (onnxruntime-node,
// dequantized npz weights), plan the integer parameters, render the ESP-IDF component and write it
// atomically. Returns the compile report (the --json contract) and the QuantizedGraph for the simulator.
import { createHash } from 'node:crypto';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { PoseEdgeError } from '../errors.ts';
import { TOOL_VERSION } from '../version.ts';
import { REPO_ROOT } from '../paths.ts';
import { expectArray, readNpy } from '../io/npy.ts';
import { sanitizeWindows } from '../data/nonfinite.ts';
import { defaultOpset, loadOnnx } from './onnx/load.ts';
import { lower } from './lower.ts';
import type { Graph } from './ir/graph.ts';
import type { MatMulConstAttrs } from './ir/fused-ops.ts';
import { readQWeights } from './quant/qweights.ts';
import { mapWeights, type WeightMapEntry } from './quant/weight-map.ts';
import { applyWeights, runWithIntermediates } from './reference/model.ts';
import { calibrate, type IntermediateRunner } from './quant/calibrate.ts';
import { WINDOW_VALUES } from '../data/window.ts';
import { calibrationTensors, planQuantization } from './quant/plan.ts';
import type { Int8InputsChoice } from './quant/plan-context.ts';
import { formatTensorBits } from './quant/precision.ts';
import { quantPlan, type QuantPlan } from './quant/qplan.ts';
import type { ActBits, QuantizedGraph } from './quant/qgraph.ts';
import { emitComponent } from './emit/component.ts';
import { MANIFEST_NAME, planGeneratedDir, renderManifest, writeGeneratedDir } from '../io/generated-dir.ts';
import { readFileChecked } from '../io/fs-errors.ts';
import { verifyArena } from './emit/arena.ts';
import { layerReport, type LayerStat } from './layer-report.ts';
import { planStreaming } from './stream-plan.ts';
import { streamStateBytes } from './emit/stream.ts';

export class CompileError extends PoseEdgeError {}

/** Which model to compile and how: the files, the weight and activation precision, the calibration set. */
export interface ModelChoice {
  modelPath: string;
  weightsPath: string;
  bits: 4 | 8;
  actBits: ActBits;
  calibPath: string;
  /** Which Linears run on int8 copies of int16 inputs (default 'trained': those the weights were trained for). */
  int8Inputs?: Int8InputsChoice;
  /** Per-tensor activation types over actBits (--tensor-bits NAME=8|16,...; quant/precision.ts). */
  tensorBits?: ReadonlyMap<string, ActBits>;
}

export interface CompileOptions extends ModelChoice {
  outDir: string;
  reportLayers?: boolean;
  /** false: build everything but write nothing (tests, bench). */
  write?: boolean;
  /** Also emit the streaming API (pose_model_push_packet, pose_model_run_streaming); refused unless the graph allows it. */
  streaming?: boolean;
}

export interface OpReport {
  name: string;
  op: string;
  kind: string;
  kernel: string;
  onnxNodes: string[];
  inputs: { name: string; shape: number[]; bits: number; scale: number }[];
  outputs: { name: string; shape: number[]; bits: number; scale: number }[];
  macs: number;
  quant: string[];
}

export interface CompileReport {
  tool: string;
  model: string;
  weights: string;
  calib: string;
  /** NaN and +-Inf amplitudes of the calibration set replaced by 0 before calibration (README, the data rule). */
  nonFinite: number;
  params: number;
  weightBytes: number;
  arenaBytes: number;
  arenaLowerBound: number;
  arenaOptimal: boolean;
  macs: number;
  bits: 4 | 8;
  actBits: ActBits;
  /** The --int8-inputs choice and the modules whose Linears run on int8 copies of int16 inputs. */
  int8Inputs: { choice: Int8InputsChoice; modules: string[] };
  /** --tensor-bits: the activation tensors whose type was chosen by name, and that type. */
  tensorBits: Record<string, ActBits>;
  inputFracBits: number;
  outputFracBits: number;
  modelSha256: string;
  outDir: string;
  /** With --streaming: packet length, window packets, static state bytes and extra constant bytes (row sums). */
  streaming: { packetLen: number; windowPackets: number; stateBytes: number; constBytes: number } | null;
  ops: OpReport[];
  weightMap: { npzKey: string; initializer: string; transposed: boolean; shape: number[]; bits: number }[];
}

export interface CompileResult {
  report: CompileReport;
  /** The quantization plan for activation-aware QAT (compile --qplan-out). */
  quantPlan: QuantPlan;
  qgraph: QuantizedGraph;
  files: Map<string, string>;
  layers?: LayerStat[];
  /** Keys of the constants in pose_weights.c (QuantizedGraph.consts may hold more: the simulator's). */
  emittedConsts: string[];
  /** What writing the component did to files an earlier compile generated there (null when nothing was written). */
  written: { removed: string[]; edited: string[] } | null;
  /** Warning lines for the user (non-finite calibration amplitudes replaced by 0). */
  warnings: string[];
}

/** Repository-relative path when inside the repository (stable generated banners), else absolute. */
export function displayPath(p: string): string {
  const abs = resolve(p);
  const rel = relative(REPO_ROOT, abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.replace(/\\/g, '/') : abs;
}

/** The largest number of fraction bits (<= 15) that keeps `maxAbs * headroom` inside int16. */
export function fracBitsFor(maxAbs: number, headroom: number, cap: number): number {
  if (!(maxAbs > 0)) return cap;
  const f = Math.floor(Math.log2(32767 / (maxAbs * headroom)));
  return Math.max(0, Math.min(cap, f));
}

/** The calibration windows, with NaN and +-Inf replaced by 0 and counted (the same rule as every other window). */
export function loadCalibration(path: string): { data: Float32Array; n: number; nonFinite: number; warning: string | null } {
  const arr = readNpy(path, 'calibration windows');
  expectArray(arr, path, 'f4', [null, 3, 114, 10]);
  const n = arr.shape[0];
  if (n === 0) throw new CompileError(`${path}: the calibration set has no windows`);
  const data = arr.data as Float32Array;
  const clean = sanitizeWindows(data, path);
  return { data, n, nonFinite: clean.count, warning: clean.warning };
}

export function ortRunner(modelBytes: Uint8Array, where: string, data = 'the calibration windows'): IntermediateRunner {
  return async (windows, n, names) => {
    const got = await runWithIntermediates(modelBytes, { dims: [n, 3, 114, 10], data: windows }, names, { where, data });
    const out = new Map<string, Float32Array>();
    for (const [name, t] of got) out.set(name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>));
    return out;
  };
}

export async function compileModel(opts: CompileOptions): Promise<CompileResult> {
  // Refuse a folder that holds someone else's files before the work, not after it.
  if (opts.write !== false) planGeneratedDir(opts.outDir, []);
  const onnxBytes = readFileChecked(opts.modelPath, 'ONNX model');
  const weightsBytes = readFileChecked(opts.weightsPath, 'quantized weights');
  const { model } = loadOnnx(opts.modelPath);
  const weights = readQWeights(opts.weightsPath);
  if (weights.meta.bits !== opts.bits) {
    throw new CompileError(`${opts.weightsPath}: holds int${weights.meta.bits} weights but --bits ${opts.bits} was given (weights do not fit the requested precision)`);
  }
  const calib = loadCalibration(opts.calibPath);
  const weightMap = mapWeights(model, weights, opts.modelPath);
  const refBytes = applyWeights(model, weights, weightMap);
  const graph = lower(model, opts.modelPath);

  const names = calibrationTensors(graph);
  const runner = ortRunner(refBytes, `${opts.modelPath} (reference, calibration)`, `the calibration windows of ${opts.calibPath}`);
  const ranges = await calibrate(runner, calib.data, calib.n, [...names, ...graph.outputs]);

  let maxAmp = 0;
  for (const v of calib.data) if (Math.abs(v) > maxAmp) maxAmp = Math.abs(v);
  // Input headroom 4x the largest calibration amplitude: a louder capture still fits; the in-graph
  // min-max normalization makes the absolute input scale irrelevant otherwise.
  const inputFracBits = fracBitsFor(maxAmp, 4, 15);
  const outMax = ranges.get(graph.outputs[0])?.maxAbs ?? 1;
  // Output headroom 2x; 12 fraction bits (1/4096 of the image) is far below any keypoint error that matters.
  const outputFracBits = fracBitsFor(outMax, 2, 12);

  const qgraph = planQuantization({
    graph, weights, weightMap, ranges, bits: opts.bits, actBits: opts.actBits, int8Inputs: opts.int8Inputs ?? 'trained', tensorBits: opts.tensorBits, inputFracBits,
    outputFracBits, modelPath: opts.modelPath,
  });

  const sha = createHash('sha256').update(onnxBytes).update(weightsBytes).digest('hex');
  const commandLine = [
    'pose-edge compile', `--model ${displayPath(opts.modelPath)}`, `--weights ${displayPath(opts.weightsPath)}`,
    `--bits ${opts.bits}`, `--act-bits ${opts.actBits}`, ...(opts.int8Inputs && opts.int8Inputs !== 'trained' ? [`--int8-inputs ${opts.int8Inputs}`] : []),
    ...(opts.tensorBits?.size ? [`--tensor-bits ${formatTensorBits(opts.tensorBits)}`] : []),
    `--calib ${displayPath(opts.calibPath)}`, `--out ${displayPath(opts.outDir)}`,
    ...(opts.streaming ? ['--streaming'] : []),
  ].join(' ');
  const stream = opts.streaming ? planStreaming(qgraph, opts.modelPath) : undefined;
  const emitted = emitComponent(qgraph, {
    toolVersion: TOOL_VERSION,
    commandLine,
    modelFile: displayPath(opts.modelPath),
    weightsFile: displayPath(opts.weightsPath),
    producer: `${model.producerName ?? '?'} ${model.producerVersion ?? ''}`.trim(),
    opset: defaultOpset(model),
    bits: opts.bits,
    actBits: opts.actBits,
    sha256: sha,
  }, undefined, { stream });
  verifyArena(emitted.memory.buffers, emitted.memory.plan);

  const report: CompileReport = {
    tool: `pose-edge ${TOOL_VERSION}`,
    model: displayPath(opts.modelPath),
    weights: displayPath(opts.weightsPath),
    calib: displayPath(opts.calibPath),
    nonFinite: calib.nonFinite,
    params: countParams(weightMap, graph),
    weightBytes: emitted.weightBytes,
    arenaBytes: Math.max(emitted.memory.plan.arenaBytes, 16),
    arenaLowerBound: emitted.memory.plan.arenaLowerBound,
    arenaOptimal: emitted.memory.plan.optimal,
    macs: emitted.macs,
    bits: opts.bits,
    actBits: opts.actBits,
    int8Inputs: {
      choice: opts.int8Inputs ?? 'trained',
      modules: qgraph.ops.flatMap((op) => (op.kind === 'linear' && op.xq && op.int8Candidate ? [op.int8Candidate.module] : [])),
    },
    tensorBits: Object.fromEntries(opts.tensorBits ?? []),
    inputFracBits,
    outputFracBits,
    modelSha256: sha,
    outDir: displayPath(opts.outDir),
    streaming: stream ? { packetLen: stream.F, windowPackets: stream.P, stateBytes: streamStateBytes(stream), constBytes: stream.linear.outF * 4 } : null,
    ops: qgraph.ops.map((op, i) => ({
      name: op.name,
      op: op.irOp,
      kind: op.kind,
      kernel: emitted.kernels[i],
      onnxNodes: op.sources,
      inputs: op.inputs.map((n) => tensorInfo(qgraph, n)),
      outputs: op.outputs.map((n) => tensorInfo(qgraph, n)),
      macs: op.macs,
      quant: op.notes,
    })),
    weightMap: weightMap.map((e: WeightMapEntry) => ({ npzKey: e.npzKey, initializer: e.initializer, transposed: e.transposed, shape: e.shape, bits: e.bits })),
  };
  const files = new Map(emitted.files);
  files.set('compile-report.json', `${JSON.stringify(report, null, 2)}\n`);
  files.set(MANIFEST_NAME, renderManifest(`pose-edge ${TOOL_VERSION}`, files));

  let layers: LayerStat[] | undefined;
  if (opts.reportLayers) {
    const n = Math.min(calib.n, 32);
    layers = await layerReport(qgraph, runner, calib.data.subarray(0, n * WINDOW_VALUES), n, [...names, ...graph.outputs]);
  }
  const written = opts.write !== false ? writeGeneratedDir(opts.outDir, files) : null;
  return {
    report, qgraph, files, layers, written, emittedConsts: emitted.emittedConsts, warnings: calib.warning ? [calib.warning] : [],
    quantPlan: quantPlan(qgraph, { model: report.model, weights: report.weights, modelSha256: sha }),
  };
}

function tensorInfo(g: QuantizedGraph, name: string): { name: string; shape: number[]; bits: number; scale: number } {
  const t = g.tensors.get(name)!;
  return { name, shape: t.shape, bits: t.bits, scale: t.scale };
}

/**
 * Learned parameters: every npz tensor except the fixed left matrices of pe.MatMulConst (the skeleton
 * adjacency is a buffer of the reference model, not a parameter; docs/model.md counts the same way).
 */
function countParams(map: WeightMapEntry[], graph: Graph): number {
  const fixed = new Set(graph.nodes.filter((n) => n.op === 'pe.MatMulConst').map((n) => (n.attrs as MatMulConstAttrs).aInitializer));
  return map.filter((e) => !fixed.has(e.initializer)).reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);
}

export function formatSummary(r: CompileReport): string {
  const lines = [
    `compiled ${r.model} + ${basename(r.weights)} -> ${r.outDir}`,
    `  weights int${r.bits}, activations int${r.actBits} default; input Q.${r.inputFracBits}, output Q.${r.outputFracBits}`,
    `  params ${r.params}, constant data ${r.weightBytes} B, arena ${r.arenaBytes} B (lower bound ${r.arenaLowerBound} B${r.arenaOptimal ? ', optimal' : ''}), ${r.macs} MACs/inference`,
    `  model SHA-256 ${r.modelSha256}`,
    ...(r.nonFinite > 0 ? [`  calibration ${r.calib}: ${r.nonFinite} non-finite amplitudes replaced by 0`] : []),
    `  ${r.ops.length} ops: ${r.ops.map((o) => o.kind).join(' ')}`,
    '  weight map (npz key -> ONNX initializer):',
    ...r.weightMap.map((e) => `    ${e.npzKey} -> ${e.initializer}${e.transposed ? ' (transposed)' : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatLayerReport(layers: LayerStat[]): string {
  const w = Math.max(6, ...layers.map((l) => l.tensor.length));
  const lines = [`per-layer error of the integer kernel vs the float reference (${layers[0]?.windows ?? 0} calibration windows):`];
  lines.push(`  ${'tensor'.padEnd(w)}  bits  cosine    max |err|   max |ref|`);
  for (const l of layers) {
    lines.push(`  ${l.tensor.padEnd(w)}  ${String(l.bits).padStart(4)}  ${l.cosine.toFixed(6)}  ${l.maxAbsErr.toExponential(3)}  ${l.maxAbsRef.toExponential(3)}`);
  }
  return `${lines.join('\n')}\n`;
}
