// `pose-edge stream <port> [--udp PORT] [--json] [--out FILE] [--duration S] [--web [HOST:]PORT]` and
// `pose-edge stream export FILE --npy OUT_X.npy`. Option parsing and output only; the work is in
// src/host/stream/ and, for the browser view, src/host/web/ (docs/streaming.md, docs/web-view.md).
import { Command, Option } from 'commander';
import { PoseEdgeError } from '../errors.ts';
import { checkDistinctOutputs, checkOutputFile } from '../../io/output-paths.ts';
import { printWarning } from '../warn.ts';
import { escapeTerminal, jsonLine } from '../../io/terminal-text.ts';
import { isAllInterfaces, parseAllowList } from '../../host/stream/udp-allow.ts';
import { addWebOptions, parseWebOptions, startWebView, type WebFlags } from '../web.ts';
import type { VirtualNode } from '../../host/virtual-node.ts';
import { resolve } from 'node:path';

export class StreamUsageError extends PoseEdgeError {}

interface RawOptions extends WebFlags {
  virtual?: boolean;
  replayCsi?: string;
  packetRate: string;
  modelDir?: string;
  udp?: string;
  udpHost: string;
  udpLinks?: string;
  udpAllow?: string;
  bandwidth: string;
  json?: boolean;
  out?: string;
  duration?: string;
  hop: string;
  baud: string;
  timeout: string;
  retries: string;
  silence: string;
}

/** How each way of ending on its own reads in the final status line. */
const ENDED_TEXT = {
  'port-closed': 'the port closed',
  'io-error': 'an I/O error on the port',
  'not-answering': 'the node stopped answering',
  recording: 'writing the recording failed',
} as const;

interface ExportOptions {
  npy?: string;
  keypoints?: string;
  hop: string;
  inputFracBits?: string;
  udpLinks?: string;
  bandwidth: string;
  json?: boolean;
}

function num(flag: string, v: string, lo: number, hi: number, integer = true): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
    throw new StreamUsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} in ${lo}..${hi}, got '${v}'`);
  }
  return n;
}

export function bandwidth(v: string): 'auto' | 'ht40' | 'ht20' {
  if (v !== 'auto' && v !== 'ht40' && v !== 'ht20') throw new StreamUsageError(`--bandwidth must be auto, ht40 or ht20, got '${v}'`);
  return v;
}

export function links(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const ids = v.split(',').map((s) => num('--udp-links', s.trim(), 0, 255));
  if (ids.length < 1 || ids.length > 3 || new Set(ids).size !== ids.length) throw new StreamUsageError(`--udp-links takes 1 to 3 distinct node ids, got '${v}'`);
  return ids;
}

export function register(program: Command): void {
  // `stream export` has options of the same names as `stream` (--hop, --json, ...); commander gives the ones
  // after `export` to it only when positional options are on for every ancestor. The root program has no
  // options of its own besides --help/--version, so this changes nothing for the other subcommands.
  program.enablePositionalOptions();
  const stream = program
    .command('stream')
    .description('receive CSI packets, keypoints and stats from a node (and/or esp32-csi-node UDP frames); live view, JSON lines or a recording')
    .argument('[port]', 'serial port of the node (e.g. /dev/ttyUSB0); optional with --udp, omitted with --virtual')
    .enablePositionalOptions()
    .option('--virtual', 'start a virtual node replaying --replay-csi FILE (as `pose-edge node --virtual`), stream until it has replayed every packet (or --duration), then stop it')
    .option('--replay-csi <file>', 'with --virtual: the CSI recording it replays through its live path (from `synth --recording` or `import`)')
    .addOption(new Option('--packet-rate <hz>', 'with --virtual: packets per second of the replay (0: as fast as possible)').default('300'))
    .option('--model-dir <dir>', 'with --virtual: model component directory (default as `pose-edge node --virtual`)')
    .option('--udp <port>', 'also accept esp32-csi-node binary CSI frames (magic 0xC5110001) on this UDP port (0: any free port)')
    .option('--udp-host <addr>', 'address to listen on for --udp', '0.0.0.0')
    .option('--udp-links <ids>', 'node ids feeding links 0,1,2 (default: the first three ids seen)')
    .option('--udp-allow <addrs>', 'accept UDP frames only from these senders: IPv4/IPv6 addresses or CIDR ranges, comma-separated (others are dropped and counted)')
    .addOption(new Option('--bandwidth <bw>', 'how to read a 384-byte UDP CSI buffer: auto (HT40), ht40 or ht20 (HT20 STBC)').default('auto'))
    .option('--json', 'print one JSON line per message instead of the live view')
    .option('--out <file>', 'record everything to FILE (append-only, crash-safe; see docs/streaming.md)')
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)')
    .addOption(new Option('--hop <n>', 'slots between two live windows on the node, 1..10 (0: the node\'s setting)').default('0'))
    .addOption(new Option('--baud <rate>', 'serial baud rate').default('921600'))
    .addOption(new Option('--timeout <ms>', 'time to wait for the node\'s answers (HELLO, STREAM_START)').default('3000'))
    .addOption(new Option('--retries <n>', 're-sends of HELLO and STREAM_START after a timeout: n re-sends, n+1 attempts in all').default('2'))
    .addOption(new Option('--silence <s>', 'end the stream when nothing comes from the node for this many seconds (it is asked for STATS every second)').default('5'));
  addWebOptions(stream, 'also show the live view (skeleton, CSI heatmaps, counters, the node\'s INFO) in a browser page')
    .action(async (port: string | undefined, raw: RawOptions) => {
      if (raw.virtual) {
        if (port) throw new StreamUsageError(`give a port (${port}) or --virtual, not both`);
        if (raw.replayCsi === undefined) throw new StreamUsageError('--virtual needs --replay-csi FILE: the CSI recording the virtual node replays (`pose-edge synth --recording FILE` makes one)');
      } else if (raw.replayCsi !== undefined || raw.modelDir !== undefined) {
        throw new StreamUsageError(`${raw.replayCsi !== undefined ? '--replay-csi' : '--model-dir'} goes with --virtual (for a virtual node in its own terminal: \`pose-edge node --virtual --replay-csi FILE\`)`);
      }
      if (!port && !raw.virtual && raw.udp === undefined) throw new StreamUsageError('stream needs a serial port (e.g. /dev/ttyUSB0), --virtual, --udp PORT, or a port and --udp');
      if (raw.udpAllow !== undefined && raw.udp === undefined) throw new StreamUsageError('--udp-allow filters UDP senders: it needs --udp PORT');
      if (raw.out !== undefined) checkOutputFile(raw.out, { flag: '--out', inputs: [raw.replayCsi] });
      const duration = raw.duration === undefined ? undefined : num('--duration', raw.duration, 0, 1e7, false);
      const udpAllow = raw.udpAllow === undefined ? null : parseAllowList(raw.udpAllow);
      const webChoice = await parseWebOptions(raw, StreamUsageError);
      const { StreamRun } = await import('../../host/stream/live.ts');
      const { renderView } = await import('../../host/stream/view.ts');
      const json = raw.json === true;
      let feed: import('../../host/web/live-feed.ts').LiveFeed | null = null;
      const hop = num('--hop', raw.hop, 0, 10);
      const run = new StreamRun({
        port,
        baud: num('--baud', raw.baud, 300, 16_000_000),
        udpPort: raw.udp === undefined ? undefined : num('--udp', raw.udp, 0, 65535),
        udpHost: raw.udpHost,
        udpLinks: links(raw.udpLinks),
        udpAllow,
        bandwidth: bandwidth(raw.bandwidth),
        hop,
        out: raw.out,
        timeoutMs: num('--timeout', raw.timeout, 1, 600_000),
        retries: num('--retries', raw.retries, 0, 100),
        statsIntervalMs: 1000,
        silenceMs: 1000 * num('--silence', raw.silence, 0.1, 86_400, false),
        onEvent: (e) => {
          if (json) process.stdout.write(`${jsonLine(e)}\n`);
          feed?.event(e);
        },
      });
      if (raw.udp !== undefined && udpAllow === null && isAllInterfaces(raw.udpHost)) {
        process.stderr.write(
          `pose-edge: warning: UDP on all interfaces (${escapeTerminal(raw.udpHost)}) without --udp-allow: CSI frames from any sender are accepted and recorded; ` +
            'limit them with --udp-allow ADDR[,ADDR...] or listen on one address with --udp-host\n',
        );
      }
      const t0 = Date.now();
      let node: VirtualNode | null = null;
      if (raw.virtual) {
        // Validated whole before the build and the start, as `node --virtual` does. The stream ends once the node
        // has taken every packet (its STATS count them), unless --duration ends it first.
        const packets = (await import('../../host/protocol/csi-recording.ts')).readCsiRecording(resolve(raw.replayCsi!)).length;
        run.endWhenCaptured(packets);
        const { startVirtualNode } = await import('../../host/virtual-node.ts');
        if (!json) process.stderr.write('pose-edge: building the virtual node (cached by source hash)...\n');
        node = await startVirtualNode({
          modelDir: raw.modelDir, replayCsi: resolve(raw.replayCsi!), packetRate: num('--packet-rate', raw.packetRate, 0, 100000, false), hop: hop === 0 ? 5 : hop,
        });
        port = node.port;
        run.setPort(port);
      }
      const source = escapeTerminal([port, raw.udp !== undefined ? `udp:${raw.udp}` : null].filter(Boolean).join(' + '));
      // The page is up before the node is asked to stream, so it sees the stream from its first packet.
      let server: import('../../host/web/server.ts').WebServer | null = null;
      if (webChoice) {
        const { LiveFeed } = await import('../../host/web/live-feed.ts');
        const f = new LiveFeed({ source, model: webChoice.model, counters: () => run.counters, packetRate: () => run.packetRate() });
        try {
          server = await startWebView(webChoice, (c) => f.addClient(c));
        } catch (err) {
          await node?.stop();
          throw err;
        }
        feed = f;
        f.start();
      }
      try {
        await run.start();
      } catch (err) {
        feed?.end('failed', err instanceof Error ? err.message : String(err));
        await server?.close();
        await node?.stop();
        throw err;
      }
      const live = !json && process.stdout.isTTY;
      const webLine = server ? `browser view: ${server.url}` : undefined;
      const draw = live ? setInterval(() => process.stdout.write(`\x1b[H\x1b[2J${renderView(run, source, (Date.now() - t0) / 1000, webLine)}\n`), 200) : null;
      // Ends on Ctrl-C, SIGTERM, --duration, or the run failing on its own (device gone, recording not writable).
      const endedBy = await new Promise<'duration' | 'signal' | 'failed' | 'replayed'>((resolve) => {
        const done = (how: 'duration' | 'signal' | 'failed' | 'replayed') => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          clearTimeout(timer);
          resolve(how);
        };
        const onSignal = () => done('signal');
        const timer = duration === undefined ? undefined : setTimeout(() => done('duration'), duration * 1000);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        void run.failed.then(() => done('failed'));
        void run.replayed.then(() => done('replayed'));
      });
      if (draw) clearInterval(draw);
      await run.stop();
      await node?.stop();
      const failure = run.failure;
      const c = run.counters;
      const summary = {
        t: Date.now(), type: 'SUMMARY', seconds: (Date.now() - t0) / 1000, csiPackets: c.csiPackets, keypoints: c.keypoints, stats: c.stats,
        packetGaps: c.packetGaps, udpFrames: c.udpFrames, udpBad: c.udpBad, udpUnusable: c.udpUnusable, hostFaults: c.hostFaults, out: raw.out ?? null,
        udpRejected: c.udpRejected, retries: c.retries, lastPacketSeq: c.lastPacketSeq, lastWindowSeq: c.lastWindowSeq,
        chip: c.info?.chip ?? null, csi: c.info?.csi ?? null,
        ended: failure ? failure.kind : endedBy, error: failure ? failure.error.message : null,
      };
      // The pages get the final counters (those of SUMMARY) before the server closes.
      feed?.end(summary.ended, summary.error);
      await server?.close();
      if (json) process.stdout.write(`${jsonLine(summary)}\n`);
      else {
        if (!live) process.stdout.write(`${renderView(run, source, summary.seconds, webLine)}\n`);
        const why = failure ? ` (${ENDED_TEXT[failure.kind]})` : '';
        const kept = failure?.kind === 'recording' ? `; ${raw.out} keeps the records written before the error` : `; recorded to ${raw.out}`;
        process.stdout.write(`stopped after ${summary.seconds.toFixed(1)} s${why}${raw.out ? kept : ''}\n`);
      }
      if (failure) throw failure.error;
    });

  stream
    .command('export')
    .description('export the CSI windows of a stream recording to .npy (float32 [N,3,114,10]), and optionally the node\'s keypoints')
    .argument('<file>', 'recording written by `stream --out`')
    .option('--npy <out>', 'windows output, float32 [N,3,114,10] raw amplitudes')
    .option('--keypoints <out>', 'the node\'s KEYPOINTS, float32 [M,17,2]')
    .addOption(new Option('--hop <n>', 'slots between two windows, 1..10 (the node\'s default is 5)').default('5'))
    .option('--input-frac-bits <f>', 'for recordings without INFO: the node\'s POSE_MODEL_INPUT_FRAC_BITS')
    .option('--udp-links <ids>', 'node ids feeding links 0,1,2 for UDP frames (default: first three ids seen)')
    .addOption(new Option('--bandwidth <bw>', 'how to read 384-byte UDP CSI buffers: auto (HT40), ht40, ht20').default('auto'))
    .option('--json', 'print one JSON object')
    .action(async (file: string, raw: ExportOptions) => {
      if (raw.npy === undefined && raw.keypoints === undefined) throw new StreamUsageError('stream export needs --npy OUT_X.npy and/or --keypoints OUT.npy');
      if (raw.npy !== undefined) checkOutputFile(raw.npy, { flag: '--npy', inputs: [file] });
      if (raw.keypoints !== undefined) checkOutputFile(raw.keypoints, { flag: '--keypoints', inputs: [file] });
      checkDistinctOutputs([['--npy', raw.npy], ['--keypoints', raw.keypoints]]);
      const { describeStop, exportRecording, writeExport } = await import('../../host/stream/export.ts');
      const r = exportRecording(file, {
        hop: num('--hop', raw.hop, 1, 10),
        inputFracBits: raw.inputFracBits === undefined ? undefined : num('--input-frac-bits', raw.inputFracBits, 0, 15),
        udpLinks: links(raw.udpLinks),
        bandwidth: bandwidth(raw.bandwidth),
      });
      writeExport(r, { npy: raw.npy, keypoints: raw.keypoints });
      if (r.nonFiniteWarning) printWarning(r.nonFiniteWarning);
      const out = {
        file, records: r.records, windows: r.windows.length, keypoints: r.keypoints.length, csiPackets: r.csiPackets, udpFrames: r.udpFrames,
        udpSkipped: r.udpSkipped, gaps: r.gaps, nonFinite: r.nonFinite, tornTail: r.stop, npy: raw.npy ?? null, keypointsNpy: raw.keypoints ?? null,
      };
      if (raw.json) process.stdout.write(`${jsonLine(out)}\n`);
      else {
        process.stdout.write(`${file}: ${r.records} records, ${r.csiPackets} CSI packets, ${r.udpFrames} UDP frames -> ${r.windows.length} windows${raw.npy ? ` in ${raw.npy}` : ''}, ${r.keypoints.length} keypoint sets${raw.keypoints ? ` in ${raw.keypoints}` : ''}\n`);
        if (r.gaps) process.stdout.write(`  ${r.gaps} gaps in the slot sequence (windows restart after each)\n`);
        if (r.stop) process.stdout.write(`  reading stopped at byte ${r.stop.offset}: ${describeStop(r.stop.reason)} (the tail after a crash); everything before it was exported\n`);
      }
    });
}
