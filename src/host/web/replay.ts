// The browser view of a recording (`pose-edge view REC.pestrm --web PORT`): the same page as a live stream,
// with a timeline. Each page has its own player (position, playing or paused, 1x or 4x) and asks the server
// to seek, play or pause; the server sends what the page needs to draw at a position (a snapshot: the 10 s
// of CSI before it, the last second of keypoints, the counters as they stood), then ticks while playing.
//
// Counting is the live stream's own (src/host/stream/tally.ts), replayed from the first record: the
// counters at a position are exactly what `stream` had counted when that record arrived. To seek quickly,
// the counters are kept every CHECKPOINT records. Host-side facts a recording does not hold (re-sends, frame
// faults, rejected UDP senders) are shown as not recorded.
import { PoseEdgeError } from '../../errors.ts';
import { decodeMessage, messageName } from '../protocol/messages.ts';
import { RecordKind, type ReadResult } from '../stream/recording.ts';
import { LinkMap } from '../stream/link-map.ts';
import type { BandwidthRule } from '../stream/esp-csi-udp.ts';
import { newCounters, tallyDatagram, tallyMessage, type DatagramContext, type StreamCounters, type StreamEvent } from '../stream/tally.ts';
import type { PageClient } from './server.ts';
import {
  BONES, countersView, newCaptureClock, type CaptureClock, errorOf, HEATMAP_MS, infoView, keypointsOf, linkRates, rowsOf, TICK_MS, TRAIL_MS,
  type ModelCheck, type PageKeypoints, type PageRow, type PageState,
} from './page-data.ts';

export class ReplayError extends PoseEdgeError {}

const CHECKPOINT = 256;
export const SPEEDS = [1, 4] as const;

export interface TimelineOptions {
  udpLinks?: number[];
  bandwidth?: BandwidthRule;
}

interface ReplayState {
  counters: StreamCounters;
  lastError: string | null;
  /** Index of the next record to apply. */
  next: number;
  /** Times of the CSI packets / UDP frames of the last second, for the packet rate. */
  recent: number[];
  capture: CaptureClock;
}

const clone = (s: ReplayState): ReplayState => ({ ...s, counters: { ...s.counters }, recent: [...s.recent], capture: { ...s.capture } });

export class RecordingTimeline {
  /** Each record's time, made non-decreasing (a host clock stepped back counts as no time passing). */
  readonly times: Float64Array;
  readonly start: number;
  readonly end: number;
  private readonly checkpoints: ReplayState[] = [];
  private readonly ctx: DatagramContext;

  constructor(
    readonly path: string,
    private readonly rec: ReadResult,
    opts: TimelineOptions = {},
  ) {
    const n = rec.records.length;
    if (n === 0) throw new ReplayError(`${path}: the recording holds no records`);
    this.times = new Float64Array(n);
    for (let i = 0; i < n; i++) this.times[i] = Math.max(rec.records[i].timeMs, i ? this.times[i - 1] : -Infinity);
    this.start = this.times[0];
    this.end = this.times[n - 1];
    this.ctx = { links: new LinkMap(opts.udpLinks), bandwidth: opts.bandwidth ?? 'auto' };
    // One pass checks that every record decodes (naming the first that does not) and keeps checkpoints.
    const s: ReplayState = { counters: newCounters(), lastError: null, next: 0, recent: [], capture: newCaptureClock() };
    while (s.next < n) {
      if (s.next % CHECKPOINT === 0) this.checkpoints.push(clone(s));
      this.apply(s);
    }
  }

  get records(): number {
    return this.times.length;
  }

  /** Applies the next record to `s`; returns its event (null for what the host sent, or a message of no known type). */
  apply(s: ReplayState): StreamEvent | null {
    const i = s.next++;
    const r = this.rec.records[i];
    const t = this.times[i];
    let out: { event: StreamEvent; packet: boolean } | null = null;
    if (r.kind === RecordKind.UDP_DATAGRAM) out = tallyDatagram(s.counters, this.ctx, r.payload, 'recorded', t);
    else if (r.kind === RecordKind.NODE_MESSAGE) {
      const name = messageName(r.type);
      if (!name) return null;
      try {
        out = tallyMessage(s.counters, decodeMessage({ version: 1, type: r.type, seq: 0, payload: r.payload }), t);
      } catch (err) {
        if (err instanceof PoseEdgeError) throw new ReplayError(`${this.path}: record ${i} at byte ${this.rec.offsets[i]} (${name}): ${err.message}`);
        throw err;
      }
    }
    if (!out) return null;
    if (out.packet) s.recent.push(t);
    while (s.recent.length && s.recent[0] <= t - 1000) s.recent.shift();
    s.lastError = errorOf(out.event) ?? s.lastError;
    return out.event;
  }

  /** The state after every record at or before `t`. */
  stateAt(t: number): ReplayState {
    const upto = this.indexAfter(t);
    const s = clone(this.checkpoints[Math.min(Math.floor(upto / CHECKPOINT), this.checkpoints.length - 1)]);
    while (s.next < upto) this.apply(s);
    return s;
  }

  /** The first record later than `t`. */
  indexAfter(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface ReplayPageOptions {
  source: string;
  model: ModelCheck | null;
}

/** One page's player. */
export class ReplayPlayer {
  private state!: ReplayState;
  private pos: number;
  private playing = false;
  private speed: (typeof SPEEDS)[number] = 1;
  private rows: PageRow[] = [];
  private lastWall = 0;
  private readonly timer: NodeJS.Timeout;
  readonly runId: string;

  constructor(
    private readonly tl: RecordingTimeline,
    private readonly client: PageClient,
    o: ReplayPageOptions,
  ) {
    this.runId = `${tl.path}@${tl.start}`;
    this.pos = tl.start;
    client.send({
      type: 'hello', mode: 'replay', runId: this.runId, source: o.source, bones: BONES, model: o.model,
      timeline: { start: tl.start, end: tl.end, records: tl.records },
    });
    this.seek(tl.start);
    client.onMessage((m) => this.command(m));
    this.timer = setInterval(() => this.tick(), TICK_MS);
    client.onClose(() => clearInterval(this.timer));
  }

  private command(m: unknown): void {
    if (typeof m !== 'object' || m === null) return;
    const c = m as { type?: unknown; t?: unknown; speed?: unknown };
    if (c.type === 'seek' && typeof c.t === 'number' && Number.isFinite(c.t)) this.seek(c.t);
    else if (c.type === 'play' && SPEEDS.includes(c.speed as 1 | 4)) {
      this.speed = c.speed as 1 | 4;
      if (this.pos >= this.tl.end) this.seek(this.tl.start);
      this.playing = true;
      this.lastWall = Date.now();
      this.send('tick', [], []);
    } else if (c.type === 'pause') {
      this.playing = false;
      this.send('tick', [], []);
    }
  }

  /** Jumps to `t` (clamped to the recording) and sends the page what it needs to draw there. */
  private seek(t: number): void {
    const pos = Math.min(this.tl.end, Math.max(this.tl.start, t));
    // From the state 10 s earlier, the records up to `pos` give the heatmap's rows and the trail.
    const s = this.tl.stateAt(pos - HEATMAP_MS);
    const upto = this.tl.indexAfter(pos);
    const rows: PageRow[] = [];
    const keypoints: PageKeypoints[] = [];
    while (s.next < upto) this.collect(this.tl.apply(s), s, rows, keypoints);
    this.state = s;
    this.pos = pos;
    this.rows = rows;
    this.lastWall = Date.now();
    this.send('snapshot', rows, keypoints.filter((k) => k.t > pos - TRAIL_MS));
  }

  private collect(ev: StreamEvent | null, s: ReplayState, rows: PageRow[], keypoints: PageKeypoints[]): void {
    if (!ev) return;
    rows.push(...rowsOf(ev, s.counters.info, s.capture));
    const kp = keypointsOf(ev);
    if (kp) keypoints.push(kp);
  }

  private tick(): void {
    if (!this.playing) return;
    const wall = Date.now();
    const pos = Math.min(this.tl.end, this.pos + (wall - this.lastWall) * this.speed);
    this.lastWall = wall;
    const upto = this.tl.indexAfter(pos);
    const rows: PageRow[] = [];
    const keypoints: PageKeypoints[] = [];
    while (this.state.next < upto) this.collect(this.tl.apply(this.state), this.state, rows, keypoints);
    this.pos = pos;
    if (pos >= this.tl.end) this.playing = false;
    this.rows.push(...rows);
    let drop = 0;
    while (drop < this.rows.length && this.rows[drop][0] <= pos - HEATMAP_MS) drop++;
    if (drop) this.rows = this.rows.slice(drop);
    this.send('tick', rows, keypoints);
  }

  private pageState(): PageState {
    const s = this.state;
    const packetRate = s.recent.filter((t) => t > this.pos - 1000 && t <= this.pos).length;
    return {
      counters: countersView(s.counters, { packetRate, linkRates: linkRates(this.rows, this.pos) }, true),
      info: infoView(s.counters.info),
      lastError: s.lastError,
    };
  }

  private send(type: 'snapshot' | 'tick', rows: PageRow[], keypoints: PageKeypoints[]): void {
    this.client.send({
      type, now: this.pos, rate: this.playing ? this.speed : 0, playing: this.playing, speed: this.speed, rows, keypoints, ...this.pageState(),
    });
  }
}
