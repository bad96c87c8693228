// The browser view of a live stream (`pose-edge stream ... --web`): every event of the run goes through
// event(); twenty times a second the pages get what arrived since the last tick, with the run's own counters
// (the ones `stream --json` prints in SUMMARY). A page that connects late gets the last 10 s of CSI rows and
// the last second of keypoints first, so it draws at once; a page whose server went away reconnects by itself
// and starts over from such a snapshot (a new run has a new runId).
import { randomUUID } from 'node:crypto';
import type { StreamCounters, StreamEvent } from '../stream/tally.ts';
import type { PageClient } from './server.ts';
import { escapeTerminal } from '../../io/terminal-text.ts';
import {
  BONES, countersView, newCaptureClock, errorOf, HEATMAP_MS, infoView, keypointsOf, linkRates, rowsOf, TICK_MS, TRAIL_MS,
  type ModelCheck, type PageKeypoints, type PageRow, type PageState,
} from './page-data.ts';

export interface LiveFeedOptions {
  /** What is streamed (the port, udp:PORT), for the page's title line. */
  source: string;
  model: ModelCheck | null;
  counters: () => StreamCounters;
  /** The run's packet rate (the number the terminal view shows). */
  packetRate: () => number;
}

export class LiveFeed {
  readonly runId = randomUUID();
  private readonly clients = new Set<PageClient>();
  private rows: PageRow[] = [];
  private keypoints: PageKeypoints[] = [];
  private pendingRows: PageRow[] = [];
  private pendingKeypoints: PageKeypoints[] = [];
  private lastError: string | null = null;
  private readonly capture = newCaptureClock();
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(private readonly o: LiveFeedOptions) {}

  /** Starts the ticks. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  event(ev: StreamEvent): void {
    const info = this.o.counters().info;
    for (const r of rowsOf(ev, info, this.capture)) {
      this.rows.push(r);
      this.pendingRows.push(r);
    }
    const kp = keypointsOf(ev);
    if (kp) {
      this.keypoints.push(kp);
      this.pendingKeypoints.push(kp);
    }
    this.lastError = errorOf(ev) ?? this.lastError;
  }

  addClient(client: PageClient): void {
    // Pages already open get what is pending first, so the new page's snapshot and later ticks never overlap.
    this.tick();
    this.clients.add(client);
    client.onClose(() => this.clients.delete(client));
    client.send({ type: 'hello', mode: 'live', runId: this.runId, source: this.o.source, bones: BONES, model: this.o.model });
    const now = Date.now();
    client.send({ type: 'snapshot', now, rate: this.ended ? 0 : 1, rows: this.rows, keypoints: this.keypoints.filter((k) => k.t > now - TRAIL_MS), ...this.state(now) });
  }

  private state(now: number): PageState {
    const c = this.o.counters();
    return {
      counters: countersView(c, { packetRate: this.o.packetRate(), linkRates: linkRates(this.rows, now) }, false),
      info: infoView(c.info),
      lastError: this.lastError,
    };
  }

  private tick(): void {
    const now = Date.now();
    let drop = 0;
    while (drop < this.rows.length && this.rows[drop][0] <= now - HEATMAP_MS) drop++;
    if (drop) this.rows = this.rows.slice(drop);
    this.keypoints = this.keypoints.filter((k) => k.t > now - TRAIL_MS);
    if (this.clients.size) {
      const msg = { type: 'tick', now, rate: this.ended ? 0 : 1, rows: this.pendingRows, keypoints: this.pendingKeypoints, ...this.state(now) };
      for (const c of this.clients) c.send(msg);
    }
    this.pendingRows = [];
    this.pendingKeypoints = [];
  }

  /**
   * The stream stopped: the pages get what is pending, then the final counters (after the run's stop(), so
   * they are the ones of SUMMARY) and why it ended. The ticks stop.
   */
  end(ended: string, error: string | null): void {
    this.tick();
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const now = Date.now();
    for (const c of this.clients) c.send({ type: 'end', now, ended, error: error === null ? null : escapeTerminal(error), ...this.state(now) });
  }
}
