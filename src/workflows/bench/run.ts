// `pose-edge bench`: one run, one model, the bundled test set. Compiles the model in memory (the same
// compileModel as `pose-edge compile`) into a private build directory, then measures the generated C on
// the host and on rv32imc, the reference model on onnxruntime-node, and the accuracy of both.
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { compileModel, type ModelChoice } from '../../compiler/compile.ts';
import { writeDirAtomic } from '../../io/atomic-files.ts';
import { dequantizeOutput, quantizeInput } from '../../compiler/io-format.ts';
import { loadLabelledSet } from '../../eval/evaluate.ts';
import { torsoPck20 } from '../../eval/metrics.ts';
import { REPO_ROOT } from '../../paths.ts';
import { BUNDLED } from '../../bundled.ts';
import { loadReferenceModel, runReference } from '../../compiler/reference/model.ts';
import { BenchError } from './errors.ts';
import type { QuantizedGraph } from '../../compiler/quant/qgraph.ts';
import type { Int8InputsChoice } from '../../compiler/quant/plan-context.ts';
import { buildHostHarness } from './host-timing.ts';
import { timeSideBySide } from './side-by-side.ts';
import { countRv32, kernelTextBytes, modelMemory } from './rv32.ts';
import { profileHost } from './profile.ts';
import { rv32Profile } from './rv32-profile.ts';
import { buildStreamProgram, packetsOf, rv32InstructionsPerPacket } from './stream-program.ts';
import { StreamingError } from '../../compiler/stream-plan.ts';
import { runProgram } from './rv32-count.ts';
import { buildRv32Program } from './rv32-build.ts';
import type { Rv32Variant } from './idf-flags.ts';
import { c3Cache, c3LatencyMs } from './c3-cache.ts';
import { WINDOW_VALUES } from '../../data/window.ts';

export interface BenchOptions {
  modelPath: string;
  weightsPath: string;
  bits: 4 | 8;
  actBits: 8 | 16;
  /** Which Linears run on int8 copies of int16 inputs (compile's --int8-inputs; default 'trained'). */
  int8Inputs?: Int8InputsChoice;
  /** Per-tensor activation types over actBits (compile's --tensor-bits). */
  tensorBits?: ReadonlyMap<string, 8 | 16>;
  /** Timed inferences for each of hostUs and ortUs (>= 1000 for published figures). */
  runs: number;
  /** Windows whose rv32 instructions are counted (the count depends slightly on the data). */
  countWindows: number;
  calibPath?: string;
  dataPath?: string;
  labelsPath?: string;
  buildDir?: string;
  onStep?: (step: string) => void;
  /** Also time each op of the host build (per-op hooks) and count its rv32 instructions; adds hostProfile. */
  profile?: boolean;
}

export interface BenchReport {
  model: string;
  weights: string;
  bits: 4 | 8;
  actBits: 8 | 16;
  /** Modules whose Linears ran on int8 copies of int16 inputs (--int8-inputs; the compile report's int8Inputs). */
  int8Inputs: string[];
  /** compile's --tensor-bits: the activation tensors whose type was chosen by name ({} without it). */
  tensorBits: Record<string, 8 | 16>;
  machine: string;
  testWindows: number;
  runs: number;
  hostUs: number;
  ortUs: number;
  /** Each timing round's median, in us (hostUs, ortUs: the lowest; src/workflows/bench/side-by-side.ts). */
  hostUsRounds: number[];
  ortUsRounds: number[];
  ratio: number;
  /** Per inference, the program as a default ESP-IDF v5.5 project builds it with gcc (-Og, then the
   * component's own options: src/workflows/bench/idf-flags.ts). */
  rv32Instructions: number;
  /** The same with the model compiled by clang 14 (--target=riscv32-unknown-elf -march=rv32imc -mabi=ilp32). */
  rv32InstructionsClang: number;
  /** gcc, a project at "Optimize for size" (-Os) without the component's -O option: the kernels as written. */
  rv32InstructionsOs: number;
  /** ESP32-C3 flash-cache misses per inference, cache cold at each inference (src/workflows/bench/c3-cache.ts). */
  c3CacheMisses: number;
  /** The same, inferences back to back (warm cache). */
  c3CacheMissesWarm: number;
  /** Estimated latency on the ESP32-C3 at 160 MHz: warm misses x 50 cycles .. cold misses x 170 cycles,
   * plus one cycle per instruction (docs/performance.md states the model). */
  c3LatencyMs: { low: number; high: number };
  rv32StartupInstructions: number;
  rv32WindowsCounted: number;
  macs: number;
  instrPerMac: number;
  weightBytes: number;
  /** weightBytes by kind of constant: weight matrices, biases (and LayerNorm betas), requantization
   * multipliers and shifts, lookup tables, everything else (positional embedding, fixed matrices, gammas). */
  weightBytesBreakdown: { weights: number; biases: number; requant: number; tables: number; other: number };
  arenaBytes: number;
  arenaLowerBound: number;
  textBytes: { rv32imc: number; xtensaLx106: number };
  /** The model's flash footprint on rv32imc (its code and constant data, the deployed build; what runs from
   * SRAM is loaded from flash at boot) and the SRAM its placement takes on the ESP32-C3 (code in IRAM,
   * constants in DRAM: kernels/pk_base.h PK_IRAM / PK_DRAM), beyond the arena. */
  modelFlashBytes: number;
  c3SramBytes: { iram: number; dram: number };
  pck20: number;
  referencePck20: number;
  /** null when the compiler refuses streaming for this graph (streamingRefusal says why). */
  rv32InstructionsPerPacket: number | null;
  /** pck20 of pose_model_run_streaming fed the test windows packet by packet (host build). */
  streamingPck20: number | null;
  /** Largest output difference (int16 LSB) between streaming and window inference on the test windows. */
  streamingMaxOutputDiff: number | null;
  streamingRefusal: string | null;
  modelSha256: string;
  /** With profile: mean host ns per op (the hooks' clock reads included), in execution order. */
  hostProfile?: { index: number; name: string; kind: string; kernel: string; ns: number; macs: number; rv32Instructions: number }[];
}

export const DEFAULT_BUILD_DIR = join(REPO_ROOT, 'build', 'bench');

export function machineName(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${process.platform} ${process.arch}, node ${process.version}`;
}

/** The model and the compile flags bench measures (both the window and the streaming builds). */
function modelChoice(opts: BenchOptions): ModelChoice {
  const { modelPath, weightsPath, bits, actBits, int8Inputs, tensorBits } = opts;
  return { modelPath, weightsPath, bits, actBits, int8Inputs, tensorBits, calibPath: opts.calibPath ?? BUNDLED.calib };
}

/** Build folders of different --tensor-bits must differ: a short hash of the choice ('' without one). */
function tensorBitsTag(t: Record<string, number>): string {
  const text = JSON.stringify(Object.entries(t));
  return text === '[]' ? '' : `-t${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const step = opts.onStep ?? (() => {});
  const buildDir = opts.buildDir ?? DEFAULT_BUILD_DIR;
  const dataPath = opts.dataPath ?? BUNDLED.testX;
  const labelsPath = opts.labelsPath ?? BUNDLED.testY;
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new BenchError(`--runs must be a positive integer, got ${opts.runs}`);

  step('compile');
  const modelDirTmp = join(buildDir, 'compiling');
  const compiled = await compileModel({ ...modelChoice(opts), outDir: modelDirTmp, write: false });
  const r = compiled.report;
  const modelDir = join(buildDir, `model-${r.modelSha256.slice(0, 16)}-w${opts.bits}a${opts.actBits}-${r.int8Inputs.choice}${tensorBitsTag(r.tensorBits)}`);
  writeDirAtomic(modelDir, compiled.files);

  const set = loadLabelledSet(dataPath, labelsPath);
  const n = set.samples;
  const windows = quantizeInput(set.X.data, r.inputFracBits);

  step('host and onnxruntime timing');
  const exe = await buildHostHarness(modelDir, buildDir);
  const ref = loadReferenceModel(opts.modelPath, opts.weightsPath);
  const { host, ort } = await timeSideBySide(exe, windows, ref.bytes, set.X.data, opts.runs, join(buildDir, 'work'), opts.modelPath);
  const deployed = dequantizeOutput(host.outputs, r.outputFracBits);
  const refPred = await runReference(ref.bytes, set.X, { where: opts.modelPath });

  step('rv32 instruction count');
  const k = Math.min(opts.countWindows, n);
  const hostFirst = host.outputs.subarray(0, k * 34);
  const counted = async (variant: Rv32Variant) => {
    const c = await countRv32(modelDir, buildDir, windows.subarray(0, k * WINDOW_VALUES), variant);
    if (c.outputs.length !== hostFirst.length || c.outputs.some((v, i) => v !== hostFirst[i])) {
      throw new BenchError(`${modelDir}: the rv32imc build's outputs (${variant}) differ from the host build's on the first ${k} test windows`);
    }
    return c;
  };
  const rv32 = await counted('deployed');
  const rv32Clang = await counted('clang');
  const rv32Os = await counted('os');

  step('C3 cache model');
  const kWin = windows.subarray(0, k * WINDOW_VALUES);
  const cache = await c3Cache((await buildRv32Program(modelDir, buildDir, 'deployed')).elf, Buffer.from(kWin.buffer, kWin.byteOffset, kWin.byteLength), k, buildDir);

  step('code size');
  const textBytes = await kernelTextBytes(modelDir, join(buildDir, `objects-${r.modelSha256.slice(0, 16)}-w${opts.bits}a${opts.actBits}`));
  const mem = await modelMemory(modelDir, buildDir);

  step('streaming');
  const streaming = await measureStreaming(opts, buildDir, windows, host.outputs, r.outputFracBits, set.Y);

  let hostProfile: BenchReport['hostProfile'];
  if (opts.profile) {
    step('host profile');
    const perOp = await profileHost(modelDir, windows, opts.runs, join(buildDir, 'work'));
    step('rv32 per-op profile');
    const w0 = windows.subarray(0, WINDOW_VALUES);
    const rvOps = (await rv32Profile(modelDir, r.ops.length, Buffer.from(w0.buffer, w0.byteOffset, w0.byteLength), join(buildDir, 'work'))).perOp;
    hostProfile = r.ops.map((op, index) => ({ index, name: op.name, kind: op.kind, kernel: op.kernel, ns: perOp.get(index) ?? 0, macs: op.macs, rv32Instructions: rvOps[index] }));
  }

  const hostUs = host.medianNs / 1000;
  const ortUs = ort.medianNs / 1000;
  return {
    model: r.model,
    weights: r.weights,
    bits: opts.bits,
    actBits: opts.actBits,
    int8Inputs: r.int8Inputs.modules,
    tensorBits: r.tensorBits,
    machine: machineName(),
    testWindows: n,
    runs: opts.runs,
    hostUs,
    ortUs,
    hostUsRounds: host.roundsNs.map((v) => v / 1000),
    ortUsRounds: ort.roundsNs.map((v) => v / 1000),
    ratio: hostUs / ortUs,
    rv32Instructions: rv32.instructionsPerInference,
    rv32InstructionsClang: rv32Clang.instructionsPerInference,
    rv32InstructionsOs: rv32Os.instructionsPerInference,
    c3CacheMisses: cache.coldMisses,
    c3CacheMissesWarm: cache.warmMisses,
    c3LatencyMs: c3LatencyMs(rv32.instructionsPerInference, cache),
    rv32StartupInstructions: rv32.startupInstructions,
    rv32WindowsCounted: rv32.windowsCounted,
    macs: r.macs,
    instrPerMac: rv32.instructionsPerInference / r.macs,
    weightBytes: r.weightBytes,
    weightBytesBreakdown: breakdown(compiled.qgraph, compiled.emittedConsts),
    arenaBytes: r.arenaBytes,
    arenaLowerBound: r.arenaLowerBound,
    textBytes,
    modelFlashBytes: mem.flashBytes,
    c3SramBytes: { iram: mem.iramBytes, dram: mem.dramBytes },
    pck20: torsoPck20(deployed, set.Y).overall,
    referencePck20: torsoPck20(refPred.data, set.Y).overall,
    ...streaming,
    modelSha256: r.modelSha256,
    ...(hostProfile ? { hostProfile } : {}),
  };
}

interface StreamingFigures {
  rv32InstructionsPerPacket: number | null;
  streamingPck20: number | null;
  streamingMaxOutputDiff: number | null;
  streamingRefusal: string | null;
}

/** Packets whose streaming cost is averaged, after the first full window. */
const STREAM_COUNT_PACKETS = 4;

async function measureStreaming(
  opts: BenchOptions, buildDir: string, windows: Int16Array, windowOutputs: Int16Array, outputFracBits: number, labels: Float32Array,
): Promise<StreamingFigures> {
  let compiled;
  try {
    compiled = await compileModel({ ...modelChoice(opts), outDir: join(buildDir, 'compiling'), write: false, streaming: true });
  } catch (e) {
    if (e instanceof StreamingError) return { rv32InstructionsPerPacket: null, streamingPck20: null, streamingMaxOutputDiff: null, streamingRefusal: e.message };
    throw e;
  }
  const r = compiled.report;
  const { packetLen: F, windowPackets: P } = r.streaming!;
  const modelDir = join(buildDir, `model-${r.modelSha256.slice(0, 16)}-w${opts.bits}a${opts.actBits}-${r.int8Inputs.choice}${tensorBitsTag(r.tensorBits)}-stream`);
  writeDirAtomic(modelDir, compiled.files);
  const n = windows.length / (F * P);
  // Every test window's packets in arrival order: the output after its last packet is that window's.
  const packets = packetsOf(windows, F, P, n * P);
  const hostExe = await buildStreamProgram(modelDir, 'host', buildDir);
  const out = await runProgram(hostExe, [], Buffer.from(packets.buffer, packets.byteOffset, packets.byteLength));
  const all = new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  const outLen = windowOutputs.length / n;
  const perWindow = new Int16Array(n * outLen);
  let maxDiff = 0;
  for (let w = 0; w < n; w++) {
    const src = all.subarray((w * P) * outLen, (w * P + 1) * outLen); // output index w*P = after packet w*P + P - 1
    perWindow.set(src, w * outLen);
    for (let i = 0; i < outLen; i++) maxDiff = Math.max(maxDiff, Math.abs(src[i] - windowOutputs[w * outLen + i]));
  }
  const { elf } = await buildRv32Program(modelDir, buildDir, 'deployed', 'stream');
  return {
    rv32InstructionsPerPacket: await rv32InstructionsPerPacket(elf, packets, F, P, STREAM_COUNT_PACKETS),
    streamingPck20: torsoPck20(dequantizeOutput(perWindow, outputFracBits), labels).overall,
    streamingMaxOutputDiff: maxDiff,
    streamingRefusal: null,
  };
}

/** Flash bytes of the constants pose_weights.c holds, by what they are. */
function breakdown(g: QuantizedGraph, emitted: string[]): BenchReport['weightBytesBreakdown'] {
  const out = { weights: 0, biases: 0, requant: 0, tables: 0, other: 0 };
  for (const c of emitted.map((k) => g.consts.get(k)!)) {
    const bytes = c.values.length * c.values.BYTES_PER_ELEMENT;
    const kind = c.key.slice(c.key.lastIndexOf(':') + 1);
    if (kind === 'weight') out.weights += bytes;
    else if (kind === 'bias' || kind === 'beta') out.biases += bytes;
    else if (kind === 'mult' || kind === 'shift') out.requant += bytes;
    else if (kind === 'table') out.tables += bytes;
    else out.other += bytes;
  }
  return out;
}
