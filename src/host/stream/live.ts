// The receiving side of `pose-edge stream`: a node on a serial port (HELLO, then STREAM_START with CSI
// packets and keypoints, GET_STATS once a second) and/or esp32-csi-node frames on a UDP port. Every message
// goes to the recording (if any) and to the listener as a plain JSON-able object; counters for the live
// view are kept here. Runs until stop() or the duration ends.
import { createSocket, type Socket } from 'node:dgram';
import { NodeSession } from '../protocol/session.ts';
import { encodePayload, MessageType, type InfoMessage, type Message } from '../protocol/messages.ts';
import { SerialTransport } from '../transport/serial.ts';
import type { Transport } from '../transport/transport.ts';
import { PoseEdgeError } from '../../cli/errors.ts';
import { RecordingWriter, RecordKind } from './recording.ts';
import { csiRow, EspCsiFrameError, parseEspCsiFrame, type BandwidthRule } from './esp-csi-udp.ts';
import { LinkMap } from './link-map.ts';
import { helloWithRetries } from './hello.ts';

export class StreamError extends PoseEdgeError {}

export interface StreamOptions {
  port?: string;
  baud: number;
  udpPort?: number;
  udpHost: string;
  udpLinks?: number[];
  bandwidth: BandwidthRule;
  hop: number;
  out?: string;
  timeoutMs: number;
  statsIntervalMs: number;
  onEvent: (e: StreamEvent) => void;
}

/** One line of `stream --json`. */
export type StreamEvent = { t: number; type: string } & Record<string, unknown>;

export interface StreamCounters {
  csiPackets: number;
  keypoints: number;
  stats: number;
  /** CSI_PACKETs missing on the host (gaps in packetSeq). */
  packetGaps: number;
  udpFrames: number;
  udpBad: number;
  udpUnusable: number;
  hostFaults: Record<string, number>;
  lastStats: Extract<Message, { type: 'STATS' }> | null;
  lastCycles: number | null;
  lastKeypoints: Float32Array | null;
  info: InfoMessage | null;
}

export class StreamRun {
  readonly counters: StreamCounters = {
    csiPackets: 0, keypoints: 0, stats: 0, packetGaps: 0, udpFrames: 0, udpBad: 0, udpUnusable: 0,
    hostFaults: {}, lastStats: null, lastCycles: null, lastKeypoints: null, info: null,
  };
  /** Timestamps (ms) of recent CSI packets / UDP frames, for the packet rate. */
  readonly recent: number[] = [];
  private session: NodeSession | null = null;
  private transport: Transport | null = null;
  private socket: Socket | null = null;
  private writer: RecordingWriter | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPacketSeq: number | null = null;
  private readonly links: LinkMap;
  private stopped = false;

  constructor(private readonly opts: StreamOptions) {
    this.links = new LinkMap(opts.udpLinks);
  }

  /** Opens everything; resolves once data flows (after STREAM_START's ACK, or the UDP bind). */
  async start(): Promise<void> {
    const o = this.opts;
    if (o.out) this.writer = new RecordingWriter(o.out);
    try {
      if (o.udpPort !== undefined) await this.startUdp(o.udpPort, o.udpHost);
      if (o.port) await this.startSerial(o.port);
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
    const info = await helloWithRetries(s, o.timeoutMs, 2);
    this.counters.info = info;
    const start = { type: 'STREAM_START', flags: 0x03, hop: o.hop } as const;
    this.writer?.append({ timeMs: Date.now(), kind: RecordKind.HOST_MESSAGE, type: MessageType.STREAM_START, payload: encodePayload(start) });
    await s.control(start).catch((err: Error) => {
      throw new StreamError(`${port}: the node refused STREAM_START (a node in replay mode has no CSI source): ${err.message}`);
    });
    this.timer = setInterval(() => void s.stats().catch(() => {}), o.statsIntervalMs);
  }

  private startUdp(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = createSocket('udp4');
      this.socket = sock;
      sock.once('error', (err) => reject(new StreamError(`UDP ${host}:${port}: cannot listen: ${err.message}`)));
      sock.on('message', (d, rinfo) => this.onDatagram(new Uint8Array(d.buffer, d.byteOffset, d.length), `${rinfo.address}:${rinfo.port}`));
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
    const { type: _omit, ...fields } = m as Message & Record<string, unknown>;
    void _omit;
    if (this.writer) {
      this.writer.append({ timeMs: now, kind: RecordKind.NODE_MESSAGE, type: MessageType[m.type], payload: encodePayload(m) });
    }
    const c = this.counters;
    const ev: StreamEvent = { t: now, type: m.type, ...plain(fields) };
    if (m.type === 'CSI_PACKET') {
      c.csiPackets++;
      this.recent.push(now);
      if (this.lastPacketSeq !== null && m.packetSeq !== ((this.lastPacketSeq + 1) >>> 0)) {
        c.packetGaps += (m.packetSeq - this.lastPacketSeq - 1) >>> 0;
        ev.gap = (m.packetSeq - this.lastPacketSeq - 1) >>> 0;
      }
      this.lastPacketSeq = m.packetSeq;
    } else if (m.type === 'KEYPOINTS') {
      c.keypoints++;
      c.lastCycles = m.cycles;
      if (c.info) {
        const step = 2 ** -c.info.outputFracBits;
        c.lastKeypoints = Float32Array.from(m.keypoints, (v) => v * step);
        ev.xy = Array.from(c.lastKeypoints);
        if (c.info.cycleHz > 0) ev.us = (m.cycles / c.info.cycleHz) * 1e6;
      }
    } else if (m.type === 'STATS') {
      c.stats++;
      c.lastStats = m;
    } else if (m.type === 'INFO') {
      c.info = m;
    }
    if (this.session) c.hostFaults = { ...this.session.faults };
    this.opts.onEvent(ev);
  }

  private onDatagram(d: Uint8Array, from: string): void {
    const now = Date.now();
    this.writer?.append({ timeMs: now, kind: RecordKind.UDP_DATAGRAM, type: 0, payload: d });
    const c = this.counters;
    try {
      const f = parseEspCsiFrame(d, `UDP from ${from}`);
      const link = this.links.linkOf(f.nodeId);
      const row = csiRow(f.buf, this.opts.bandwidth);
      if (link === null || !row) c.udpUnusable++;
      else {
        c.udpFrames++;
        this.recent.push(now);
      }
      this.opts.onEvent({
        t: now, type: 'UDP_CSI', from, nodeId: f.nodeId, link, seq: f.seq, freqMhz: f.freqMhz, rssi: f.rssi, noise: f.noise,
        len: f.buf.length, bandwidth: row?.bandwidth ?? null, amplitudes: row ? Array.from(row.row) : null,
      });
    } catch (err) {
      if (!(err instanceof EspCsiFrameError)) throw err;
      c.udpBad++;
      this.opts.onEvent({ t: now, type: 'UDP_ERROR', from, error: err.message });
    }
  }

  /** Packets (or UDP frames) per second over the last second. */
  packetRate(now = Date.now()): number {
    while (this.recent.length && this.recent[0] < now - 1000) this.recent.shift();
    return this.recent.length;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.session) {
      await this.session.control({ type: 'STREAM_STOP' }).catch(() => {});
      this.counters.hostFaults = { ...this.session.faults };
      this.session.close();
    }
    await this.transport?.close().catch(() => {});
    if (this.socket) await new Promise<void>((r) => this.socket!.close(() => r()));
    this.writer?.close();
  }
}

/** Typed arrays to plain arrays, so JSON.stringify gives numbers. */
function plain(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v;
  return out;
}
