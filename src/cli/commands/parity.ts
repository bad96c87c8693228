// `pose-edge parity <port> | --virtual`: checks that a node computes what the compiled model predicts.
// Option parsing, progress and output only; the work is in src/workflows/parity/.
import { Option, type Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { PoseEdgeError } from '../errors.ts';
import { BUNDLED } from '../../bundled.ts';
import { addModelOptions, numberIn, parseModelOptions, type ModelFlags } from '../options.ts';
import { checkOutputDir, checkOutputFile } from '../../io/output-paths.ts';
import { writeFileAtomic } from '../../io/atomic-files.ts';
import { printWarning } from '../warn.ts';
import type { Transport } from '../../host/transport/transport.ts';
import { escapeTerminal, jsonLine } from '../../io/terminal-text.ts';
import type { ParityJson } from '../../workflows/parity/run.ts';
import { describeCsiInfo } from '../../host/protocol/messages.ts';

export class ParityUsageError extends PoseEdgeError {}
/** Exit code 2 distinguishes "ran, but a threshold failed" from errors (1). */
export class ParityThresholdError extends PoseEdgeError {
  constructor(message: string) {
    super(message, 2);
  }
}
/** The node went away mid-run (port closed, I/O error, stopped answering): an error (1), not a verdict. */
export class ParityNodeGoneError extends PoseEdgeError {}

interface RawOptions extends ModelFlags {
  virtual?: boolean;
  data?: string;
  labels?: string;
  limit?: string;
  baud: string;
  timeout: string;
  retries: string;
  maxMeanErr: string;
  maxMaxErr: string;
  minAgreement: string;
  maxPckDrop: string;
  json?: boolean;
  report?: string;
  buildDir?: string;
}

/** Tests set this to wrap the node's transport (fault injection); never set by the CLI itself. */
export const parityHooks: { wrapTransport?: (t: Transport) => Transport } = {};

function num(flag: string, v: string, lo: number, hi: number, integer = false): number {
  return numberIn(flag, v, lo, hi, ParityUsageError, integer);
}

export function register(program: Command): void {
  const cmd = program
    .command('parity')
    .description('replay CSI windows to a node and compare its keypoints with the integer simulator (bit-exact), the reference model and the labels')
    .argument('[port]', 'serial port of the node (e.g. /dev/ttyUSB0); omit with --virtual')
    .option('--virtual', 'compile the model if needed, build and start the virtual node with it, and stop it at the end');
  addModelOptions(cmd)
    .option('--data <X.npy>', 'CSI windows, float32 [N,3,114,10] (default: the bundled test set)')
    .option('--labels <Y.npy>', 'keypoints float32 [N,17,2] for PCK against ground truth (default: the bundled test labels when --data is not given)')
    .option('--limit <n>', 'replay only the first n windows')
    .addOption(new Option('--baud <rate>', 'serial baud rate').default('921600'))
    .addOption(new Option('--timeout <ms>', 'time to wait for each answer before re-sending').default('2000'))
    .addOption(new Option('--retries <n>', 're-sends of a window (and of HELLO) after a timeout: n re-sends, n+1 attempts in all; a window still unanswered is lost').default('3'))
    .addOption(new Option('--max-mean-err <f>', 'largest mean node-vs-reference error, fraction of torso length').default('0.01'))
    .addOption(new Option('--max-max-err <f>', 'largest single node-vs-reference error, fraction of torso length').default('0.05'))
    .addOption(new Option('--min-agreement <pct>', 'smallest torso-PCK@20 of node against reference, percent').default('99'))
    .addOption(new Option('--max-pck-drop <points>', 'largest drop of node PCK@20 vs labels below the reference, in points').default('0.3'))
    .option('--json', 'print one JSON object')
    .option('--report <html>', 'write a self-contained HTML report with SVG plots')
    .option('--build-dir <dir>', 'virtual node build cache (default: build/firmware-host)')
    .action(async (port: string | undefined, raw: RawOptions) => {
      if (raw.virtual && port) throw new ParityUsageError(`give a port (${port}) or --virtual, not both`);
      if (!raw.virtual && !port) throw new ParityUsageError('parity needs a serial port (e.g. /dev/ttyUSB0) or --virtual');
      const model = parseModelOptions(raw, ParityUsageError);
      const labels = raw.labels ?? (raw.data === undefined ? BUNDLED.testY : null);
      const data = raw.data ?? BUNDLED.testX;
      // Checked now, not after a replay of several minutes.
      const inputs = [data, labels, model.modelPath, model.weightsPath, model.calibPath];
      const report = raw.report === undefined ? undefined : checkOutputFile(raw.report, { flag: '--report', inputs });
      const buildDir = raw.buildDir === undefined ? undefined : checkOutputDir(raw.buildDir, { flag: '--build-dir', inputs });
      const thresholds = {
        maxMeanErr: num('--max-mean-err', raw.maxMeanErr, 0, 1e9),
        maxMaxErr: num('--max-max-err', raw.maxMaxErr, 0, 1e9),
        minAgreement: num('--min-agreement', raw.minAgreement, 0, 100),
        maxPckDrop: num('--max-pck-drop', raw.maxPckDrop, 0, 100),
      };
      const { runParity } = await import('../../workflows/parity/run.ts');
      // A progress bar on a terminal only: --json output and logs stay clean.
      const bar = !raw.json && process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: '  windows [{bar}] {value}/{total}' }, Presets.shades_classic) : null;
      let stopNode: (() => Promise<void>) | null = null;
      let interrupted = false;
      const onSigint = () => {
        interrupted = true;
        process.stderr.write('\npose-edge: interrupted, stopping the virtual node\n');
        void (stopNode ? stopNode() : Promise.resolve()).then(() => process.exit(130));
      };
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      let result;
      try {
        result = await runParity({
          port,
          virtual: raw.virtual === true,
          model,
          data,
          labels,
          limit: raw.limit === undefined ? undefined : num('--limit', raw.limit, 1, 1e9, true),
          baud: num('--baud', raw.baud, 300, 16_000_000, true),
          timeoutMs: num('--timeout', raw.timeout, 1, 600_000, true),
          retries: num('--retries', raw.retries, 0, 100, true),
          thresholds,
          buildDir,
          wrapTransport: parityHooks.wrapTransport,
          onStage: raw.json ? undefined : (t) => process.stderr.write(`pose-edge: ${escapeTerminal(t)}\n`),
          onProgress: bar
            ? (d, t) => {
                if (d === 1) bar.start(t, 0);
                bar.update(d);
                if (d === t) bar.stop();
              }
            : undefined,
          onNode: (stop) => (stopNode = stop),
          onWarning: printWarning,
        });
      } finally {
        bar?.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
      if (interrupted) return;
      const j = result.json;
      // A run cut short by a vanished node gets no report: a page of figures would read as a finished run.
      if (report && !j.stopped) {
        const { renderParityReport } = await import('../../workflows/parity/report-html.ts');
        writeFileAtomic(report, renderParityReport(result), 'the parity report');
      }
      if (raw.json) process.stdout.write(`${jsonLine(j)}\n`);
      else process.stdout.write(formatText(j));
      if (j.stopped) throw new ParityNodeGoneError(`${nodeGoneLine(j, j.stopped)}${report ? `; no report written to ${report}` : ''}`);
      if (!j.pass) throw new ParityThresholdError(`parity failed on ${j.port}:\n  ${j.failed.join('\n  ')}`);
    });
}

/** One line: what happened to the node, where the run stopped, and what was done until then. */
function nodeGoneLine(j: ParityJson, st: NonNullable<ParityJson['stopped']>): string {
  const seq = (v: number | null) => (v === null ? 'none' : String(v));
  return (
    `${st.message}; parity stopped at window ${st.atWindow} of ${j.windows} (last answered window ${seq(st.lastAnsweredWindow)}, ` +
    `last frame seq sent ${seq(st.lastFrameSeqSent)}, received ${seq(st.lastFrameSeqReceived)}); ${j.samples} windows verified, ${j.lost} lost`
  );
}

function formatText(j: ParityJson): string {
  const f = (v: number | null, d: number) => (v === null ? 'n/a' : v.toFixed(d));
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(3)}%`);
  // chip, firmware and the port path came from the device: escaped, so they cannot drive the terminal.
  const port = escapeTerminal(j.port);
  const count = j.samples === j.windows ? `${j.windows} windows` : `${j.samples} of ${j.windows} windows answered`;
  return [
    `parity on ${port} (${escapeTerminal(j.chip)}, firmware ${escapeTerminal(j.firmwareVersion)}${j.virtual ? ', virtual node' : ''}): ${count}`,
    `  model ${j.model}, SHA-256 ${j.modelSha256}: node matches`,
    `  ${describeCsiInfo(j.csi)}`,
    `  node vs integer simulator: ${j.samples === 0 ? 'no window to compare' : j.bitExact ? 'bit-exact' : `${j.mismatches} windows differ (${j.mismatchValues} values)`}`,
    `  node vs reference: mean error ${pct(j.meanErrTorso)} of torso, max ${pct(j.maxErrTorso)}, torso-PCK@20 agreement ${f(j.pckAgreement, 2)}%`,
    j.pckRef === null ? '  no labels: no PCK against ground truth' : `  torso-PCK@20 vs labels: reference ${f(j.pckRef, 2)}%, node ${f(j.pckNode, 2)}%`,
    `  inference: median ${j.cyclesMedian ?? 'n/a'} cycles${j.usMedian === null ? '' : ` (${j.usMedian.toFixed(1)} µs at ${j.cycleHz} Hz)`}`,
    `  link: ${j.timeouts} timeouts, ${j.retries} retries${j.retriedWindows.length ? ` (windows ${j.retriedWindows.slice(0, 10).join(', ')}${j.retriedWindows.length > 10 ? ', ...' : ''})` : ''}` +
      (j.lost ? `; ${j.lost} windows lost (${j.lostWindows.slice(0, 10).join(', ')}${j.lost > 10 ? ', ...' : ''})` : ''),
    ...(j.stopped ? [`  stopped early: ${escapeTerminal(j.stopped.message)}`] : []),
    `  ${j.pass ? 'PASS' : 'FAIL'}`,
    '',
  ].join('\n');
}
