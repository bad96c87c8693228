// The receiving side of `pose-edge stream`: a node on a serial port (HELLO, then STREAM_START with CSI
// packets and keypoints, GET_STATS once a second) and/or esp32-csi-node frames on a UDP port. Every message
// goes to the recording (if any) and to the listener as a plain JSON-able object; counters for the live
// view are kept here (counted by tally.ts, which the replay of a recording shares). Runs until stop(), or
// until it fails on its own (`failed` resolves): the port closed or failed, the node stopped answering, or
// the recording could not be written. Whoever drives it then calls stop(), which closes the port and the
// recording in every case.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { NodeSession } from '../protocol/session.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { encodePayload, INFO_VERSION, MessageType, type Message } from '../protocol/messages.ts';
import { SerialTransport } from '../transport/serial.ts';
import { PortClosedError, PortIoError } from '../transport/errors.ts';
import type { Transport } from '../transport/transport.ts';
import { PoseEdgeError } from '../../errors.ts';
import { describeFsError, isFsErrno } from '../../io/fs-errors.ts';
import { RecordingWriter, RecordKind, type StreamRecord } from './recording.ts';
import type { BandwidthRule } from './esp-csi-udp.ts';
import { LinkMap } from './link-map.ts';
import { formatFaults, helloWithRetries } from '../protocol/hello.ts';
import { isAllowed, type AddressRange } from './udp-allow.ts';
import { newCounters, tallyDatagram, tallyMessage, type StreamCounters, type StreamEvent } from './tally.ts';

export type { StreamCounters, StreamEvent };

export class StreamError extends PoseEdgeError {}
/** The node answered STREAM_START with ERROR. */
export class StreamRefusedError extends StreamError {}
/** The stream ended on its own: the device went away or the recording could not be written. */
export class StreamEndedError extends StreamError {}

export interface StreamOptions {
  port?: string;
  baud: number;
  udpPort?: number;
  udpHost: string;
  udpLinks?: number[];
  /** Senders allowed to feed UDP frames; null or undefined: anyone. */
  udpAllow?: AddressRange[] | null;
  bandwidth: BandwidthRule;
  hop: number;
  out?: string;
  timeoutMs: number;
  /** Re-sends of HELLO and STREAM_START after a timeout (retries + 1 attempts in all). */
  retries: number;
  statsIntervalMs: number;
  /** The node counts as gone when nothing at all has come from it for this long (GET_STATS keeps a live one talking). */
  silenceMs: number;
  onEvent: (e: StreamEvent) => void;
}

export type StreamEndKind = 'port-closed' | 'io-error' | 'not-answering' | 'recording';

export interface StreamFailure {
  kind: StreamEndKind;
  error: StreamEndedError;
}

/** INFO is asked for again after the first CSI_PACKET and then this often (the CSI layout may change). */
const INFO_REFRESH_MS = 10_000;

const REFUSAL_HINT: Record<number, string> = {
  5: 'not supported; a node in replay mode has no CSI source',
  6: 'bad argument: flags or --hop out of range',
};

export class StreamRun {
  readonly counters: StreamCounters = newCounters();
  /** Timestamps (ms) of recent CSI packets / UDP frames, for the packet rate. */
  readonly recent: number[] = [];
  /** Resolves when the run fails on its own; never settles for a run that is stopped normally. */
  readonly failed: Promise<StreamFailure>;
  /** The first failure, once there is one (also one found while stopping, e.g. closing the recording). */
  failure: StreamFailure | null = null;
  private resolveFailed!: (f: StreamFailure) => void;
  private session: NodeSession | null = null;
  private transport: Transport | null = null;
  private socket: Socket | null = null;
  private writer: RecordingWriter | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly links: LinkMap;
  /** Set as stop() begins: nothing that happens while closing counts as the run failing on its own. */
  private stopping = false;
  private lastHeardMs = 0;
  private statsSinceHeard = 0;
  private readonly startedMs = Date.now();

  /** Resolves once a node's STATS count `endWhenCaptured` packets (a virtual node has replayed its recording). */
  readonly replayed: Promise<void>;
  private resolveReplayed!: () => void;
  private captureTarget: number | null = null;

  /** Ends the run (`replayed` resolves) when the node has captured this many packets: every CSI_PACKET and
   * KEYPOINTS they make were sent before that STATS answer. */
  endWhenCaptured(packets: number): void {
    this.captureTarget = packets;
  }

  /** The serial port, when it is known only after construction (a virtual node started by the caller). */
  setPort(port: string): void {
    this.opts.port = port;
  }

  constructor(private readonly opts: StreamOptions) {
    this.links = new LinkMap(opts.udpLinks);
    this.failed = new Promise((resolve) => (this.resolveFailed = resolve));
    this.replayed = new Promise((resolve) => (this.resolveReplayed = resolve));
  }

  /** Opens everything; resolves once data flows (after STREAM_START's ACK, or the UDP bind). */
  async start(): Promise<void> {
    const o = this.opts;
    if (o.out) this.writer = new RecordingWriter(o.out);
    try {
      if (o.udpPort !== undefined) await this.startUdp(o.udpPort, o.udpHost);
      if (o.port) await this.startSerial(o.port);
      if (this.failure) throw this.failure.error;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async startSerial(port: string): Promise<void> {
    const o = this.opts;
    this.transport = await SerialTransport.open(port, o.baud);
    const s = new NodeSession(this.transport, o.timeoutMs);
    this.session = s;
    s.onMessage((m) => this.onMessage(m));
    const info = await helloWithRetries(s, o.timeoutMs, o.retries, () => this.counters.retries++);
    this.counters.info = info;
    await this.startStreaming(s, port);
    this.lastHeardMs = Date.now();
    // Only once streaming: a close before this point is reported by the request that was waiting.
    this.transport.onClose((reason) => this.fail('port-closed', new PortClosedError(port, reason).message));
    this.timers.push(setInterval(() => this.askStats(s), o.statsIntervalMs));
    this.timers.push(setInterval(() => this.refreshInfo(), INFO_REFRESH_MS));
    this.timers.push(setInterval(() => this.checkSilence(port), Math.min(250, o.silenceMs / 4)));
  }

  /**
   * STREAM_START with re-sends: a timeout is "no answer" (the frame or its ACK was lost, or nothing is
   * listening), an ERROR is "refused" (the node heard it and said no). Re-sending is safe: it only sets flags.
   */
  private async startStreaming(s: NodeSession, port: string): Promise<void> {
    const o = this.opts;
    const start = { type: 'STREAM_START', flags: 0x03, hop: o.hop } as const;
    for (let attempt = 0; ; attempt++) {
      this.record({ timeMs: Date.now(), kind: RecordKind.HOST_MESSAGE, type: MessageType.STREAM_START, payload: encodePayload(start) });
      try {
        await s.control(start);
        return;
      } catch (err) {
        if (err instanceof ProtocolError && err.kind === 'node-error' && err.nodeError) {
          const { code, text } = err.nodeError;
          const hint = REFUSAL_HINT[code];
          throw new StreamRefusedError(`${port}: the node refused STREAM_START: error ${code}${hint ? ` (${hint})` : ''}: ${text}`);
        }
        if (!(err instanceof ProtocolError && err.kind === 'timeout')) throw err;
        if (attempt >= o.retries) {
          throw new StreamError(
            `${port}: no answer to STREAM_START after ${attempt + 1} attempt${attempt ? 's' : ''} of ${o.timeoutMs} ms ` +
              `(the node answered HELLO; host-side frame faults: ${formatFaults(s.faults)})`,
          );
        }
        this.counters.retries++;
      }
    }
  }

  private askStats(s: NodeSession): void {
    this.statsSinceHeard++;
    s.stats().catch((err: unknown) => {
      // A timeout is left to the silence check; a closed port is reported by onClose.
      if (err instanceof PortIoError) this.fail('io-error', err.message);
    });
  }

  /**
   * Asks for INFO again: the CSI layout a node reports changes once packets arrive (a virtual node replays
   * only after STREAM_START). Only nodes that speak INFO version 2; the answer reaches onMessage.
   */
  private refreshInfo(): void {
    if (!this.session || !this.counters.info?.csi) return;
    this.session.send({ type: 'HELLO', infoVersion: INFO_VERSION }).catch(() => {});
  }

  private checkSilence(port: string): void {
    const quiet = Date.now() - this.lastHeardMs;
    if (quiet < this.opts.silenceMs) return;
    this.fail(
      'not-answering',
      `${port}: the node stopped answering: nothing received for ${(quiet / 1000).toFixed(1)} s ` +
        `(${this.statsSinceHeard} GET_STATS unanswered, one every ${this.opts.statsIntervalMs} ms)`,
    );
  }

  /** Ends the run on its own (once): stops the timers and tells whoever waits on `failed`. */
  private fail(kind: StreamEndKind, what: string): void {
    if (this.failure || this.stopping) return;
    for (const t of this.timers) clearInterval(t);
    this.failure = { kind, error: new StreamEndedError(`${what}; ${this.progress()}`) };
    this.resolveFailed(this.failure);
  }

  /** Where the stream was when it ended, for the one-line message. */
  private progress(): string {
    const c = this.counters;
    const parts = [`stream ended after ${((Date.now() - this.startedMs) / 1000).toFixed(1)} s`];
    if (this.opts.port) {
      parts.push(c.lastPacketSeq === null ? 'no CSI_PACKET received' : `last CSI_PACKET packetSeq ${c.lastPacketSeq}`);
      if (c.lastWindowSeq !== null) parts.push(`last KEYPOINTS windowSeq ${c.lastWindowSeq}`);
    }
    if (this.opts.udpPort !== undefined) parts.push(`${c.udpFrames} UDP frames`);
    if (this.writer) parts.push(`${this.writer.records} records kept in ${this.writer.path}`);
    return parts.join(', ');
  }

  /** Appends to the recording; a write error (disk full...) ends the run instead of escaping from a data callback. */
  private record(r: StreamRecord): void {
    const w = this.writer;
    if (!w || this.failure?.kind === 'recording') return;
    try {
      w.append(r);
    } catch (err) {
      this.fail('recording', `${recordingFailure(err, w.path)}; the stream was stopped`);
    }
  }

  private startUdp(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      this.socket = sock;
      sock.once('error', (err) => reject(new StreamError(`UDP ${host}:${port}: cannot listen: ${err.message}`)));
      sock.on('message', (d, rinfo) => this.onDatagram(new Uint8Array(d.buffer, d.byteOffset, d.length), rinfo.address, rinfo.port));
      sock.bind(port, host, () => {
        sock.removeAllListeners('error');
        sock.on('error', () => {});
        const a = sock.address();
        this.opts.onEvent({ t: Date.now(), type: 'LISTEN', udpHost: a.address, udpPort: a.port });
        resolve();
      });
    });
  }

  private onMessage(m: Message): void {
    const now = Date.now();
    this.lastHeardMs = now;
    this.statsSinceHeard = 0;
    this.record({ timeMs: now, kind: RecordKind.NODE_MESSAGE, type: MessageType[m.type], payload: encodePayload(m) });
    const { event, packet } = tallyMessage(this.counters, m, now);
    if (packet) this.recent.push(now);
    // The node's INFO again once CSI flows: the layout it reports is the one it is now delivering.
    if (m.type === 'CSI_PACKET' && this.counters.csiPackets === 1) this.refreshInfo();
    if (m.type === 'STATS' && this.captureTarget !== null && m.packetsCaptured >= this.captureTarget) this.resolveReplayed();
    if (this.session) this.counters.hostFaults = { ...this.session.faults };
    this.opts.onEvent(event);
  }

  private onDatagram(d: Uint8Array, address: string, port: number): void {
    const now = Date.now();
    const from = `${address}:${port}`;
    const c = this.counters;
    // Dropped before anything else: not recorded, not parsed, not printed (a flood costs one counter).
    if (this.opts.udpAllow && !isAllowed(this.opts.udpAllow, address)) {
      c.udpRejected++;
      c.lastRejectedFrom = from;
      return;
    }
    this.record({ timeMs: now, kind: RecordKind.UDP_DATAGRAM, type: 0, payload: d });
    const { event, packet } = tallyDatagram(c, { links: this.links, bandwidth: this.opts.bandwidth }, d, from, now);
    if (packet) this.recent.push(now);
    this.opts.onEvent(event);
  }

  /** Packets (or UDP frames) per second over the last second. */
  packetRate(now = Date.now()): number {
    while (this.recent.length && this.recent[0] < now - 1000) this.recent.shift();
    return this.recent.length;
  }

  /** Closes the port, the socket and the recording; idempotent. A recording that fails to close sets `failure`. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    const kind = this.failure?.kind;
    if (this.session) {
      // A closed port cannot take STREAM_STOP; a silent node gets it without a long wait for its ACK.
      if (kind !== 'port-closed' && kind !== 'io-error') {
        const wait = kind === 'not-answering' ? Math.min(500, this.opts.timeoutMs) : this.opts.timeoutMs;
        await this.session
          .request({ type: 'STREAM_STOP' }, (r): r is Extract<Message, { type: 'ACK' }> => r.type === 'ACK' && r.ackedType === MessageType.STREAM_STOP, wait)
          .catch(() => {});
      }
      this.counters.hostFaults = { ...this.session.faults };
      this.session.close();
    }
    await this.transport?.close().catch(() => {});
    if (this.socket) await new Promise<void>((r) => this.socket!.close(() => r()));
    if (this.writer) {
      try {
        this.writer.close();
      } catch (err) {
        this.failure ??= { kind: 'recording', error: new StreamEndedError(`${recordingFailure(err, this.writer.path)} while closing it; ${this.progress()}`) };
      }
    }
  }
}

/** One line for a failed write to the recording. */
function recordingFailure(err: unknown, path: string): string {
  if (isFsErrno(err)) return describeFsError(err, path, 'writing the stream recording');
  if (err instanceof PoseEdgeError) return err.message;
  throw err;
}
