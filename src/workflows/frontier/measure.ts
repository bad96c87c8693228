// The frontier as deployed: every size of the family at fp32 / int8 / int4, measured in one run by the same
// code as the commands. Per size:
//   fp32  `pose-edge eval --weights none` (reference accuracy) and onnxruntime's time on the fp32 ONNX;
//   int8  (fp32 ONNX + int8 PTQ npz) and int4 (QAT ONNX + int4 QAT npz): `pose-edge bench` (weights, arena,
//         code, rv32 instructions, the C3 latency estimate when bench has it, host time vs onnxruntime) and
//         `pose-edge parity --virtual` on the whole test set (bit-exactness, the usual thresholds, the deployed
//         torso-PCK@20 as the virtual node computes it).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BUNDLED } from '../../bundled.ts';
import { loadOnnx } from '../../compiler/onnx/load.ts';
import { loadReferenceModel } from '../../compiler/reference/model.ts';
import { evaluate, loadLabelledSet } from '../../eval/evaluate.ts';
import { PoseEdgeError } from '../../errors.ts';
import { MODELS_DIR, REPO_ROOT } from '../../paths.ts';
import { machineName, runBench, type BenchReport } from '../bench/run.ts';
import { timeOrt } from '../bench/ort-timing.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../parity/compare.ts';
import { runParity } from '../parity/run.ts';
import { fittingChips } from './chips.ts';

export class FrontierError extends PoseEdgeError {}

export const FRONTIER_SIZES = ['nano', 'micro', 'tiny', 'small', 'base'] as const;
export type Size = (typeof FRONTIER_SIZES)[number];
export type Precision = 'fp32' | 'int8' | 'int4';
export const PRECISIONS: Precision[] = ['fp32', 'int8', 'int4'];

/** Sizes trained by `reference/make_models.sh frontier` and not committed (their hashes are in MANIFEST). */
export const REPRODUCED_SIZES: readonly Size[] = ['tiny', 'small', 'base'];
export const MANIFEST = join(MODELS_DIR, 'frontier.json');

export interface SizeFiles {
  size: Size;
  /** The fp32-trained model (the int8 PTQ weights belong to it). */
  fp32Onnx: string;
  int8: string;
  /** The QAT model (latent float weights) and its int4 weights. */
  qatOnnx: string;
  int4: string;
}

export function sizeFiles(size: Size, modelsDir = MODELS_DIR): SizeFiles {
  const d = join(modelsDir, size);
  return {
    size,
    fp32Onnx: join(d, `${size}_fp32.onnx`),
    int8: join(d, `pose_${size}_int8.npz`),
    qatOnnx: join(d, `${size}.onnx`),
    int4: join(d, `pose_${size}_int4.npz`),
  };
}

export interface FileRef {
  /** Repository-relative path. */
  path: string;
  sha256: string;
}

/** What `make_models.sh frontier` recorded about a reproduced size (models/frontier.json). */
export interface ManifestEntry {
  params: number;
  trainWindows: number;
  epochs: number;
  qatEpochs: number;
  trainSeconds: number;
  /** torso-PCK@20 as torch measured it after training (fake-quant for the quantized ones). */
  torch: { fp32: number; int8Ptq: number; int4Ptq: number; int4Qat: number };
  /** Why the recipe differs from micro's, when it does. */
  recipeNote?: string;
  /** Repository-relative path -> SHA-256 of each file the size's training produced. */
  files: Record<string, string>;
}

export interface Manifest {
  torch: string;
  threads: number;
  sizes: Partial<Record<Size, ManifestEntry>>;
}

export interface ParityFigures {
  samples: number;
  bitExact: boolean;
  mismatches: number;
  meanErrTorso: number | null;
  maxErrTorso: number | null;
  pckAgreement: number | null;
  pass: boolean;
  failed: string[];
}

export interface Deployed {
  bits: 4 | 8;
  /**
   * The activation precision deployed: int8 (the compiler's default) unless the int8 build fails parity, then
   * int16 (\`--act-bits 16\`), the cheapest precision that passes. Absent in results from before it was recorded.
   */
  actBits?: 8 | 16;
  /** When int8 activations failed parity: what failed (the row's figures are then the int16 build's). */
  int8ActivationsFailed?: string[];
  weightBytes: number;
  arenaBytes: number;
  /** rv32imc .text (+ .literal) of the kernel's own objects. */
  codeBytes: number;
  /** weightBytes + codeBytes: what the model puts in flash. */
  flashBytes: number;
  rv32Instructions: number;
  macs: number;
  /** bench's ESP32-C3 latency estimate (issue 13), null while bench does not report it. */
  c3LatencyMs: { low: number; high: number } | null;
  hostUs: number;
  ortUs: number;
  ratio: number;
  /** torso-PCK@20 of the node's keypoints in the parity run (vs labels). */
  pck20: number;
  /** bench's host build of the same C on the same windows (must equal pck20). */
  benchPck20: number;
  parity: ParityFigures;
  fits: string[];
  modelSha256: string;
}

export interface FrontierRow {
  size: Size;
  precision: Precision;
  /** Trainable parameters: the float values of the ONNX initializers minus the fixed skeleton adjacency. */
  params: number;
  onnx: FileRef;
  weights: FileRef | null;
  /** The reference model (onnxruntime; quantized rows with the npz weights dequantized) on the test set. */
  referencePck20: number;
  /** onnxruntime-node, batch 1, median (the reference of that row). */
  ortUs: number;
  /** fp32 only: the weights as float32 (4 bytes per stored float value); the kernel never holds these. */
  fp32WeightBytes: number | null;
  deployed: Deployed | null;
}

export interface FrontierOptions {
  sizes?: readonly Size[];
  modelsDir?: string;
  runs: number;
  countWindows: number;
  /** The sources measured (git state), recorded in the result. */
  sources: string;
  onStep?: (text: string) => void;
}

export interface FrontierResult {
  rows: FrontierRow[];
  sizes: Size[];
  sources: string;
  machine: string;
  runs: number;
  testWindows: number;
  thresholds: Thresholds;
  /** bench counts rv32 instructions with the compile line of a default ESP-IDF project (issue 13). */
  espIdfFlags: boolean;
  /** bench reports c3LatencyMs (issue 13). */
  latency: boolean;
  manifest: Manifest | null;
  /** Reproduced files whose SHA-256 differs from the manifest's (path: [recorded, measured]). */
  hashMismatches: Record<string, [string, string]>;
  seconds: number;
}

/** Fields issue 13 adds to bench's report; read when present, so this file needs no change when they land. */
type BenchExtras = { c3LatencyMs?: { low: number; high: number }; rv32InstructionsOs?: number };

const rel = (p: string) => relative(REPO_ROOT, p);
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const fileRef = (p: string): FileRef => ({ path: rel(p), sha256: sha256(p) });

export function readManifest(path = MANIFEST): Manifest | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Manifest) : null;
}

/** Trainable parameters: float initializer values (an Identity-tied one once per name) minus refine.adj. */
export function parameterCount(onnxPath: string): number {
  const ref = loadReferenceModel(onnxPath, null);
  const adj = (loadOnnx(onnxPath).model.graph?.initializer ?? []).find((t) => t.name === 'refine.adj');
  return ref.storedParams - (adj ? (adj.dims ?? []).reduce<number>((a, d) => a * Number(d), 1) : 0);
}

function checkFiles(files: SizeFiles): void {
  const missing = [files.fp32Onnx, files.int8, files.qatOnnx, files.int4].filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  const how = REPRODUCED_SIZES.includes(files.size)
    ? `they are not committed: run \`reference/make_models.sh frontier\` (or SIZES=${files.size} reference/make_models.sh frontier), or pass --sizes without ${files.size}`
    : 'they are bundled with the repository';
  throw new FrontierError(`${files.size}: missing ${missing.map(rel).join(', ')} (${how})`);
}

export async function measureFrontier(opts: FrontierOptions): Promise<FrontierResult> {
  const t0 = Date.now();
  const step = opts.onStep ?? (() => {});
  const sizes = [...(opts.sizes ?? FRONTIER_SIZES)];
  const all = sizes.map((s) => sizeFiles(s, opts.modelsDir));
  for (const f of all) checkFiles(f);
  const manifest = readManifest();
  const hashMismatches: Record<string, [string, string]> = {};
  const set = loadLabelledSet(BUNDLED.testX, BUNDLED.testY);
  const rows: FrontierRow[] = [];
  let espIdfFlags = true;
  let latency = true;

  for (const files of all) {
    const { size } = files;
    const params = parameterCount(files.fp32Onnx);
    step(`${size} fp32: reference accuracy and onnxruntime time`);
    const ev = await evaluate({ model: files.fp32Onnx, weights: null, data: BUNDLED.testX, labels: BUNDLED.testY, meanPose: BUNDLED.meanPose });
    const ref = loadReferenceModel(files.fp32Onnx, null);
    const ort = await timeOrt(ref.bytes, set.X.data, opts.runs, files.fp32Onnx);
    rows.push({
      size, precision: 'fp32', params, onnx: fileRef(files.fp32Onnx), weights: null, referencePck20: ev.pck20,
      ortUs: ort.medianNs / 1000, fp32WeightBytes: 4 * ref.storedParams, deployed: null,
    });

    for (const [precision, onnx, weights, bits] of [['int8', files.fp32Onnx, files.int8, 8], ['int4', files.qatOnnx, files.int4, 4]] as const) {
      const label = `${size} ${precision}`;
      // int8 activations first; if they fail parity, the same weights with int16 activations (what a user would deploy).
      let int8Failed: string[] | undefined;
      let actBits: 8 | 16 = BUNDLED.actBits;
      let b: BenchReport & BenchExtras;
      let p: Awaited<ReturnType<typeof runParity>>;
      for (;;) {
        const at = actBits === BUNDLED.actBits ? label : `${label} (int16 activations)`;
        b = (await runBench({
          modelPath: onnx, weightsPath: weights, bits, actBits, runs: opts.runs, countWindows: opts.countWindows,
          onStep: (s) => step(`${at}: bench: ${s}`),
        })) as BenchReport & BenchExtras;
        step(`${at}: parity --virtual`);
        p = await runParity({
          virtual: true,
          model: { modelPath: onnx, weightsPath: weights, bits, actBits, calibPath: BUNDLED.calib },
          data: BUNDLED.testX, labels: BUNDLED.testY, baud: 921600, timeoutMs: 5000, retries: 3, thresholds: DEFAULT_THRESHOLDS,
          onStage: (s) => step(`${at}: parity: ${s}`),
        });
        if (p.json.pass || actBits === 16 || !p.json.bitExact) break;
        int8Failed = p.json.failed;
        actBits = 16;
      }
      espIdfFlags &&= b.rv32InstructionsOs !== undefined;
      latency &&= b.c3LatencyMs !== undefined;
      const j = p.json;
      if (j.pckNode === null || j.pckRef === null) throw new FrontierError(`${label}: parity --virtual answered no window: ${j.failed.join('; ')}`);
      const flashBytes = b.weightBytes + b.textBytes.rv32imc;
      rows.push({
        size, precision, params, onnx: fileRef(onnx), weights: fileRef(weights), referencePck20: j.pckRef, ortUs: b.ortUs, fp32WeightBytes: null,
        deployed: {
          bits, actBits, ...(int8Failed ? { int8ActivationsFailed: int8Failed } : {}), weightBytes: b.weightBytes, arenaBytes: b.arenaBytes, codeBytes: b.textBytes.rv32imc, flashBytes,
          rv32Instructions: b.rv32Instructions, macs: b.macs, c3LatencyMs: b.c3LatencyMs ?? null,
          hostUs: b.hostUs, ortUs: b.ortUs, ratio: b.ratio, pck20: j.pckNode, benchPck20: b.pck20,
          parity: {
            samples: j.samples, bitExact: j.bitExact, mismatches: j.mismatches, meanErrTorso: j.meanErrTorso, maxErrTorso: j.maxErrTorso,
            pckAgreement: j.pckAgreement, pass: j.pass, failed: j.failed,
          },
          fits: fittingChips({ arenaBytes: b.arenaBytes, flashBytes, placedSramBytes: b.c3SramBytes.iram + b.c3SramBytes.dram }),
          modelSha256: b.modelSha256,
        },
      });
    }
    const recorded = manifest?.sizes[size]?.files;
    if (recorded) {
      for (const p of [files.fp32Onnx, files.int8, files.qatOnnx, files.int4, join(dirname(files.fp32Onnx), `pose_${size}_int4_ptq.npz`)]) {
        const want = recorded[rel(p)];
        if (want === undefined || !existsSync(p)) continue;
        const got = sha256(p);
        if (got !== want) hashMismatches[rel(p)] = [want, got];
      }
    }
  }
  return {
    rows, sizes, sources: opts.sources, machine: machineName(), runs: opts.runs, testWindows: set.samples, thresholds: DEFAULT_THRESHOLDS,
    espIdfFlags, latency, manifest, hashMismatches, seconds: (Date.now() - t0) / 1000,
  };
}
