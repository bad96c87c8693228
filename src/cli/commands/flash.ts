// `pose-edge flash <port...>`: writes an ESP-IDF build (or explicit FILE@OFFSET images) to one or many boards
// through their serial ROM loader, verifies every region by MD5 and resets them into the application.
import { join } from 'node:path';
import type { Command } from 'commander';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { PoseEdgeError } from '../errors.ts';
import { FIRMWARE_DIR } from '../../paths.ts';
import { hexOffset } from '../../host/flash/chips.ts';
import { flashPorts, type FlashEvent, type PortSummary } from '../../host/flash/flasher.ts';
import { formatSize } from '../../host/flash/flash-size.ts';
import { DEFAULT_TIMING } from '../../host/flash/loader.ts';
import { FlashPlanError, planFromBuild, planFromImages, type FlashPlan } from '../../host/flash/plan.ts';

export const DEFAULT_BUILD_DIR = join(FIRMWARE_DIR, 'build');
export const DEFAULT_BAUD = 460800;

interface FlashFlags {
  build?: string;
  image: string[];
  baud: string;
  compress: boolean;
  json?: boolean;
  timeout: string;
  connectAttempts: string;
}

export class FlashFailedError extends PoseEdgeError {}

export function register(program: Command): void {
  program
    .command('flash')
    .description('flash ESP32 boards through their serial ROM loader (several ports in parallel), verifying every region by MD5')
    .argument('<port...>', 'serial ports, e.g. /dev/ttyUSB0 /dev/ttyACM0')
    .option('--build <dir>', 'ESP-IDF build directory holding flasher_args.json (default: firmware/build)')
    .option('--image <FILE@OFFSET>', 'write FILE at OFFSET instead of a build (repeatable), e.g. app.bin@0x10000', collect, [])
    .option('--baud <N>', 'baud rate for the transfer (the ROM is reached at 115200, then switched)', String(DEFAULT_BAUD))
    .option('--no-compress', 'plain FLASH_DATA writes instead of deflate-compressed ones')
    .option('--timeout <ms>', 'reply timeout of one command in ms (erase and MD5 scale up with size)', String(DEFAULT_TIMING.commandTimeoutMs))
    .option('--connect-attempts <N>', 'reset+sync attempts before giving up', '7')
    .option('--json', 'print JSON lines (events and one summary per port) instead of progress bars')
    .addHelpText(
      'after',
      '\nThe board must be in download mode: boards with auto-reset (DTR/RTS) are put there automatically;\n' +
        'otherwise hold BOOT while pressing RESET. The flash chip\'s size is read from its JEDEC ID and a build that\n' +
        'needs more is refused before anything is written. A region counts as written only once its MD5 matched.\n' +
        'Exits non-zero when any port fails (130 after Ctrl-C); every outcome ends with one summary per port.',
    )
    .action(async (ports: string[], flags: FlashFlags) => {
      await runFlash(ports, flags);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePositive(name: string, text: string, max: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new FlashPlanError(`${name} ${text}: expected an integer 1..${max}`);
  return v;
}

export function loadPlan(flags: Pick<FlashFlags, 'build' | 'image'>): FlashPlan {
  if (flags.image.length > 0) {
    if (flags.build) throw new FlashPlanError('--build and --image are exclusive: give one or the other');
    return planFromImages(flags.image);
  }
  return planFromBuild(flags.build ?? DEFAULT_BUILD_DIR);
}

/** Exit status after a signal, as a shell reports a process killed by it. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Ctrl-C or SIGTERM during a run stops every session where it is; the summaries still print. Returns the undo. */
function stopOnSignals(controller: AbortController): () => void {
  const handlers = Object.keys(SIGNAL_EXIT).map((sig) => {
    const handler = (): void => controller.abort(sig);
    // once: a second Ctrl-C gets Node's default and ends the process at once.
    process.once(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}

/** The summary of a port never opened because the run was refused first. */
function notStarted(port: string, compressed: boolean, error: string): PortSummary {
  return { port, ok: false, compressed, regions: [], bytes: 0, seconds: 0, kbPerSecond: 0, retries: 0, warnings: [], error };
}

export async function runFlash(ports: string[], flags: FlashFlags): Promise<PortSummary[]> {
  const json = flags.json === true || !process.stderr.isTTY;
  let plan: FlashPlan;
  let baud: number;
  let commandTimeoutMs: number;
  let connectAttempts: number;
  try {
    if (new Set(ports).size !== ports.length) throw new FlashPlanError(`a port is listed twice: ${ports.join(' ')}`);
    baud = parsePositive('--baud', flags.baud, 16_000_000);
    commandTimeoutMs = parsePositive('--timeout', flags.timeout, 600_000);
    connectAttempts = parsePositive('--connect-attempts', flags.connectAttempts, 100);
    // Every image is read and validated before any port is touched.
    plan = loadPlan(flags);
  } catch (e) {
    // Refused before any port was opened: still one summary per port, so a fleet script sees every port fail.
    if (e instanceof PoseEdgeError) printSummaries(json, [...new Set(ports)].map((p) => notStarted(p, flags.compress, e.message)));
    throw e;
  }

  const view = json ? jsonView() : barView(ports, plan);
  const controller = new AbortController();
  const release = stopOnSignals(controller);
  let summaries: PortSummary[];
  try {
    summaries = await flashPorts(
      ports,
      plan,
      { baud, compress: flags.compress, connectAttempts, timing: { ...DEFAULT_TIMING, commandTimeoutMs }, signal: controller.signal },
      view.onEvent,
    );
  } finally {
    release();
  }
  view.finish(summaries);
  const signal = controller.signal.aborted ? String(controller.signal.reason) : undefined;
  const failed = summaries.filter((s) => !s.ok);
  if (failed.length > 0 || signal) {
    const detail = failed.map((s) => s.error).join('; ');
    const text =
      failed.length === 0
        ? `interrupted by ${signal} after every region on every port was verified`
        : failed.length === 1 && ports.length === 1
          ? detail
          : `flash failed on ${failed.length} of ${ports.length} ports: ${detail}`;
    throw new FlashFailedError(text, signal ? SIGNAL_EXIT[signal] : 1);
  }
  return summaries;
}

interface View {
  onEvent(e: FlashEvent): void;
  finish(summaries: PortSummary[]): void;
}

function summaryJson(s: PortSummary): object {
  return { event: 'summary', ...s, regions: s.regions.map((r) => ({ ...r, offset: hexOffset(r.offset) })) };
}

function out(text: string): void {
  process.stdout.write(text);
}

/** JSON lines on stdout; progress at most every 10% of a region so a 4 MB write stays readable. */
function jsonView(): View {
  const lastDecile = new Map<string, number>();
  return {
    onEvent(e) {
      if (e.event === 'progress') {
        const key = `${e.port}\0${e.region}`;
        const decile = Math.floor((10 * e.written) / e.total);
        if (lastDecile.get(key) === decile) return;
        lastDecile.set(key, decile);
      }
      out(`${JSON.stringify(e.event === 'verified' ? { ...e, offset: hexOffset(e.offset) } : e)}\n`);
    },
    finish(summaries) {
      printSummaries(true, summaries);
    },
  };
}

const STARTED_TEXT: Record<NonNullable<PortSummary['started']>, string> = {
  'hard-reset': 'application started by a hard reset (RTS)',
  'run-user-code': 'application started by the ROM ("run user code"; no reset lines)',
  unknown: 'the ROM left the loader without answering: press RESET if the application does not start',
};

function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

function flashText(s: PortSummary): string {
  if (s.flashSizeDetected !== undefined) return `flash ${formatSize(s.flashSizeDetected)} detected (JEDEC ID ${s.flashId?.replace(/(..)(?=.)/g, '$1 ')})`;
  return 'flash size not detected';
}

/** The summary of one port as text: what was verified, the flash found, what went wrong. */
function summaryText(s: PortSummary): string {
  const lines: string[] = [];
  if (s.ok) {
    lines.push(
      `ok   ${s.port}  ${s.chip}  ${s.regions.length} region(s), ${fmtBytes(s.bytes)} written and MD5-verified ` +
        `in ${s.seconds.toFixed(2)} s (${s.kbPerSecond.toFixed(1)} KB/s${s.compressed ? ', compressed' : ''}${s.retries ? `, ${s.retries} retries` : ''})`,
    );
    for (const r of s.regions) lines.push(`       ${hexOffset(r.offset).padEnd(8)} ${r.name} ${fmtBytes(r.size)} md5 ${r.md5}`);
    lines.push(`       ${flashText(s)}`, `       ${STARTED_TEXT[s.started ?? 'unknown']}`);
  } else {
    const kept = s.regions.length ? ` (verified before the failure: ${s.regions.map((r) => r.name).join(', ')})` : ' (no region verified)';
    lines.push(`FAIL ${s.port}  ${s.error}${kept}`);
    if (s.chip) lines.push(`       ${s.chip}, ${flashText(s)}`);
  }
  for (const w of s.warnings) lines.push(`       warning: ${w}`);
  return lines.map((l) => `${l}\n`).join('');
}

/** One summary per port: JSON lines, or the text table on stdout. */
function printSummaries(json: boolean, summaries: PortSummary[]): void {
  for (const s of summaries) out(json ? `${JSON.stringify(summaryJson(s))}\n` : summaryText(s));
}

/** One cli-progress bar per port on stderr, then the summary table on stdout. */
function barView(ports: string[], plan: FlashPlan): View {
  const total = plan.regions.reduce((n, r) => n + r.data.length, 0);
  const multi = new MultiBar(
    { format: '{port} {bar} {percentage}% | {stage}', hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    Presets.shades_classic,
  );
  const width = Math.max(...ports.map((p) => p.length));
  const bars = new Map<string, SingleBar>(ports.map((p) => [p, multi.create(total, 0, { port: p.padEnd(width), stage: 'connecting' })]));
  return {
    onEvent(e) {
      if (e.event === 'warning') {
        // Printed above the bars as it happens; the summary repeats it.
        multi.log(`pose-edge: warning: ${e.message}\n`);
        return;
      }
      const bar = bars.get(e.port);
      if (!bar) return;
      if (e.event === 'connected') bar.update({ stage: `${e.chip}${e.resetLines ? '' : ' (no reset lines)'}` });
      else if (e.event === 'progress') bar.update(e.doneBytes, { stage: `writing ${e.region}` });
      else bar.update({ stage: `verified ${e.region}` });
    },
    finish(summaries) {
      multi.stop();
      printSummaries(false, summaries);
    },
  };
}
