// One parity run end to end: compile the model (in memory), optionally build and start the virtual node
// with it, say HELLO and check the node runs the same model, replay the windows, run the integer simulator
// and the reference model on the windows the node answered, and compare. Lost windows (no answer after all
// retries) and a node that went away mid-replay do not throw: they are part of the result (`lostWindows`,
// `stopped`), so the caller can still print what was verified. The virtual node is always stopped, also
// when any step throws; the caller stops it on SIGINT through the `abort` hook.
import { expectArray, readNpy } from '../../io/npy.ts';
import { sanitizeWindows } from '../../data/nonfinite.ts';
import { checkLabels, checkTorsoLengths } from '../../data/labels.ts';
import { dequantizeOutput, quantizeInput } from '../../compiler/io-format.ts';
import { simulate } from '../../compiler/sim/run.ts';
import { loadReferenceModel, runReference } from '../../compiler/reference/model.ts';
import { NodeSession } from '../../host/protocol/session.ts';
import type { CsiInfo, InfoMessage, StatsCounters } from '../../host/protocol/messages.ts';
import type { Transport } from '../../host/transport/transport.ts';
import { SerialTransport } from '../../host/transport/serial.ts';
import { startVirtualNode, type VirtualNode } from '../../host/virtual-node.ts';
import { PoseEdgeError } from '../../errors.ts';
import { compileForParity, componentDirFor, describeChoice, identifyBundledModel, type CompiledModel, type ModelChoice } from './model.ts';
import { replayWindows, type ReplayStop } from '../../host/protocol/replay.ts';
import { helloWithRetries } from '../../host/protocol/hello.ts';
import { compareOutputs, emptyComparison, failedChecks, median, type Comparison, type Thresholds } from './compare.ts';
import { WINDOW_VALUES } from '../../data/window.ts';

export class ParityError extends PoseEdgeError {}
export class ModelMismatchError extends ParityError {}


export interface ParityOptions {
  /** A serial port path; ignored when `virtual` is set. */
  port?: string;
  virtual?: boolean;
  model: ModelChoice;
  data: string;
  labels: string | null;
  limit?: number;
  baud: number;
  timeoutMs: number;
  retries: number;
  thresholds: Thresholds;
  buildDir?: string;
  /** Wraps the opened transport (tests inject faults here). */
  wrapTransport?: (t: Transport) => Transport;
  onStage?: (text: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** Receives a function that stops the virtual node (for SIGINT handlers); called with null once stopped. */
  onNode?: (stop: (() => Promise<void>) | null) => void;
  /** Receives warning lines (non-finite amplitudes replaced by 0 in --data or --calib). */
  onWarning?: (message: string) => void;
}

export interface ParityResult {
  /** The --json object (the contract fields first). */
  json: ParityJson;
  comparison: Comparison;
  nodeKp: Float32Array;
  refKp: Float32Array;
  labels: Float32Array | null;
  /** The window index of each compared sample (windows that were lost are not compared). */
  windowIndex: number[];
  failed: string[];
}

/** Why a run ended before its last window, and where (`--json` field `stopped`). */
export interface ParityStop extends ReplayStop {
  lastAnsweredWindow: number | null;
  lastFrameSeqSent: number | null;
  lastFrameSeqReceived: number | null;
}

export interface ParityJson {
  samples: number;
  modelMatch: boolean;
  bitExact: boolean;
  mismatches: number;
  /** Null only when no window was answered. */
  meanErrTorso: number | null;
  maxErrTorso: number | null;
  pckAgreement: number | null;
  pckRef: number | null;
  pckNode: number | null;
  cyclesMedian: number | null;
  cycleHz: number;
  usMedian: number | null;
  retries: number;
  timeouts: number;
  /** Windows that got no answer after all their attempts (lostWindows.length). */
  lost: number;
  retriedWindows: number[];
  hostFrameFaults: Record<string, number>;
  nodeStats: StatsCounters | null;
  mismatchValues: number;
  port: string;
  virtual: boolean;
  model: string;
  modelSha256: string;
  nodeModelSha256: string;
  chip: string;
  /** The node's CSI fields (INFO version 2), or null from an older node. */
  csi: CsiInfo | null;
  firmwareVersion: string;
  data: string;
  labels: string | null;
  /** NaN and +-Inf amplitudes of the replayed windows replaced by 0 before node, simulator and reference saw them. */
  nonFinite: number;
  thresholds: Thresholds;
  failed: string[];
  pass: boolean;
  /** Windows the run was to replay; `samples` of them were answered and compared. */
  windows: number;
  lostWindows: number[];
  /** Null when every window was tried; else the node went away and the run ended early. */
  stopped: ParityStop | null;
}

function loadWindows(path: string, limit: number | undefined): { data: Float32Array; n: number; total: number; nonFinite: number; warning: string | null } {
  const arr = readNpy(path, '--data, CSI windows float32 [N,3,114,10]');
  expectArray(arr, path, 'f4', [null, 3, 114, 10]);
  const n = Math.min(arr.shape[0], limit ?? Infinity);
  if (n === 0) throw new ParityError(`${path}: no windows to replay`);
  // The data rule, once, here: the node, the simulator and the reference all get these sanitized windows.
  const data = (arr.data as Float32Array).subarray(0, n * WINDOW_VALUES);
  const clean = sanitizeWindows(data, path);
  return { data, n, total: arr.shape[0], nonFinite: clean.count, warning: clean.warning };
}

function loadLabels(path: string, n: number, total: number, dataPath: string): Float32Array {
  const arr = readNpy(path, '--labels, keypoints float32 [N,17,2]');
  expectArray(arr, path, 'f4', [null, 17, 2]);
  if (arr.shape[0] !== total) throw new ParityError(`${path}: ${arr.shape[0]} label rows, but ${dataPath} has ${total} windows`);
  const labels = (arr.data as Float32Array).slice(0, n * 34);
  checkLabels(labels, path);
  return labels;
}

/** Fails with a message naming both models unless the node runs exactly the compiled one. */
export function checkModel(info: InfoMessage, m: CompiledModel, port: string): void {
  const r = m.report;
  if (info.modelSha256 !== r.modelSha256) {
    const known = identifyBundledModel(info.modelSha256);
    throw new ModelMismatchError(
      `${port}: the node runs model ${info.modelSha256}${known ? ` (${known})` : ' (not a bundled model)'}, int${info.weightBits} weights; ` +
        `parity was asked for ${describeChoice(m.choice)}, SHA-256 ${r.modelSha256}. ` +
        'Flash the matching firmware, or pass the node\'s --model/--weights/--bits.',
    );
  }
  const fields: [string, number, number][] = [
    ['input fraction bits', info.inputFracBits, r.inputFracBits],
    ['output fraction bits', info.outputFracBits, r.outputFracBits],
    ['weight bits', info.weightBits, r.bits],
  ];
  for (const [what, node, here] of fields) {
    if (node !== here) {
      throw new ModelMismatchError(`${port}: same model SHA-256 ${r.modelSha256} but the node's ${what} is ${node} and the compiled model's is ${here} (built with other --act-bits or calibration data?)`);
    }
  }
}

export async function runParity(opts: ParityOptions): Promise<ParityResult> {
  const stage = opts.onStage ?? (() => {});
  const windows = loadWindows(opts.data, opts.limit);
  const labels = opts.labels ? loadLabels(opts.labels, windows.n, windows.total, opts.data) : null;
  if (windows.warning) opts.onWarning?.(windows.warning);

  stage(`compiling ${describeChoice(opts.model)}`);
  const compiled = await compileForParity(opts.model);
  const rep = compiled.report;
  for (const w of compiled.warnings) opts.onWarning?.(w);

  let node: VirtualNode | null = null;
  let transport: Transport | null = null;
  let session: NodeSession | null = null;
  const stopNode = async () => {
    session?.close();
    session = null;
    if (transport) await transport.close().catch(() => {});
    transport = null;
    if (node) await node.stop();
    node = null;
    opts.onNode?.(null);
  };
  try {
    let port: string;
    if (opts.virtual) {
      const modelDir = componentDirFor(compiled);
      stage(`building and starting the virtual node with ${modelDir}`);
      node = await startVirtualNode({ modelDir, buildDir: opts.buildDir });
      opts.onNode?.(stopNode);
      port = node.port;
    } else {
      if (!opts.port) throw new ParityError('parity: give a serial port, or --virtual');
      port = opts.port;
    }
    const opened = await SerialTransport.open(port, opts.baud);
    transport = opts.wrapTransport ? opts.wrapTransport(opened) : opened;
    session = new NodeSession(transport, opts.timeoutMs);
    const s = session as NodeSession;

    const info = await helloWithRetries(s, opts.timeoutMs, opts.retries);
    checkModel(info, compiled, port);
    await s.control({ type: 'RESET_STATS' }).catch(() => {});

    const inputs = Array.from({ length: windows.n }, (_, i) => quantizeInput(windows.data.subarray(i * WINDOW_VALUES, (i + 1) * WINDOW_VALUES), rep.inputFracBits));
    stage(`replaying ${windows.n} windows to ${port}`);
    const replay = await replayWindows(s, inputs, { timeoutMs: opts.timeoutMs, retries: opts.retries, onProgress: opts.onProgress });
    // A node that went away cannot answer GET_STATS; asking would only add a timeout.
    let nodeStats: StatsCounters | null = null;
    if (!replay.stopped) {
      try {
        const { type: _t, ...counters } = await s.stats();
        nodeStats = counters;
      } catch {
        nodeStats = null;
      }
    }
    const hostFrameFaults = { ...s.faults };
    const lastFrameSeq = { sent: s.lastSentSeq, received: s.lastReceivedSeq };
    await stopNode();

    // Everything below compares the windows that were answered; lost ones are named in `failed`.
    const answered = replay.answered;
    const n = answered.length;
    stage(`running the integer simulator and the reference model on ${n} answered windows`);
    const answeredData = new Float32Array(n * WINDOW_VALUES);
    answered.forEach((w, k) => answeredData.set(windows.data.subarray(w * WINDOW_VALUES, (w + 1) * WINDOW_VALUES), k * WINDOW_VALUES));
    let answeredLabels: Float32Array | null = null;
    if (labels) {
      const l = new Float32Array(n * 34);
      answered.forEach((w, k) => l.set(labels.subarray(w * 34, (w + 1) * 34), k * 34));
      answeredLabels = l;
    }
    const nodeKp = new Float32Array(n * 34);
    replay.outputs.forEach((o, k) => nodeKp.set(dequantizeOutput(o, rep.outputFracBits), k * 34));
    let comparison: Comparison;
    let refKp: Float32Array = new Float32Array(0);
    if (n > 0) {
      const sim = answered.map((w) => simulate(compiled.qgraph, inputs[w]).output);
      const ref = loadReferenceModel(opts.model.modelPath, opts.model.weightsPath);
      refKp = (await runReference(ref.bytes, { dims: [n, 3, 114, 10], data: answeredData }, { where: `${opts.model.modelPath} (reference)`, data: `the windows of ${opts.data}` })).data;
      // The reference's poses are the ground truth of the torso-relative errors: a zero-length torso has no scale.
      checkTorsoLengths(refKp, `${opts.model.modelPath} (reference) on the windows of ${opts.data}`);
      comparison = compareOutputs({ node: replay.outputs, sim, nodeKp, refKp, labels: answeredLabels });
      comparison.mismatchWindows = comparison.mismatchWindows.map((k) => answered[k]);
    } else {
      comparison = emptyComparison();
    }

    const failed: string[] = [];
    if (replay.lostWindows.length) {
      failed.push(
        `${replay.lostWindows.length} of ${windows.n} windows lost (no KEYPOINTS after ${opts.retries + 1} attempts of ${opts.timeoutMs} ms each): ` +
          listWindows(replay.lostWindows),
      );
    }
    if (replay.stopped) failed.push(`the node went away at window ${replay.stopped.atWindow} of ${windows.n}: ${replay.stopped.message}`);
    if (n > 0) failed.push(...failedChecks(comparison, opts.thresholds));
    else failed.push('no window was answered: nothing to compare');
    const cyclesMedian = n > 0 ? median(replay.cycles) : null;
    const json: ParityJson = {
      samples: comparison.samples,
      modelMatch: true,
      // "bit-exact" over no windows at all would read as a success.
      bitExact: n > 0 && comparison.bitExact,
      mismatches: comparison.mismatches,
      meanErrTorso: n > 0 ? comparison.meanErrTorso : null,
      maxErrTorso: n > 0 ? comparison.maxErrTorso : null,
      pckAgreement: n > 0 ? comparison.pckAgreement : null,
      pckRef: comparison.pckRef,
      pckNode: comparison.pckNode,
      cyclesMedian,
      cycleHz: info.cycleHz,
      usMedian: cyclesMedian !== null && info.cycleHz > 0 ? (cyclesMedian / info.cycleHz) * 1e6 : null,
      retries: replay.retries,
      timeouts: replay.timeouts,
      lost: replay.lostWindows.length,
      retriedWindows: replay.retriedWindows,
      hostFrameFaults,
      nodeStats,
      mismatchValues: comparison.mismatchValues,
      port,
      virtual: opts.virtual === true,
      model: describeChoice(opts.model),
      modelSha256: rep.modelSha256,
      nodeModelSha256: info.modelSha256,
      chip: info.chip,
      csi: info.csi ?? null,
      firmwareVersion: info.firmwareVersion,
      data: opts.data,
      labels: opts.labels,
      nonFinite: windows.nonFinite,
      thresholds: opts.thresholds,
      failed,
      pass: failed.length === 0,
      windows: windows.n,
      lostWindows: replay.lostWindows,
      stopped: replay.stopped && {
        ...replay.stopped,
        lastAnsweredWindow: answered.length ? answered[answered.length - 1] : null,
        lastFrameSeqSent: lastFrameSeq.sent,
        lastFrameSeqReceived: lastFrameSeq.received,
      },
    };
    return { json, comparison, nodeKp, refKp, labels: answeredLabels, windowIndex: answered, failed };
  } finally {
    await stopNode();
  }
}

/** Window indices for a message: all of them up to 20, then the count of the rest. */
function listWindows(ws: number[], max = 20): string {
  return ws.length <= max ? ws.join(', ') : `${ws.slice(0, max).join(', ')} and ${ws.length - max} more`;
}
