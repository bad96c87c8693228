// What the browser view is sent, built from the events of a stream (live.ts) or of a recording's replay
// (replay.ts): CSI rows for the heatmaps, keypoint frames for the skeleton and its trail, counters and the
// node's INFO. Every string that came from a device is sent in its escaped, printable form
// (src/io/terminal-text.ts), and the page only ever sets it as text.
//
// Messages to the page (JSON):
//   hello     {mode: 'live'|'replay', runId, source, bones, model, timeline?}    once per connection
//   snapshot  {now, rate, rows, keypoints, ...state}   everything needed to draw at `now` (the last 10 s of
//             rows, the last second of keypoints); the page starts over from it
//   tick      {now, rate, rows, keypoints, ...state}   what arrived since the last tick (20 a second)
//   end       {now, ended, error, ...state}             the stream stopped (live); final counters
// `now` is the stream's clock in ms (host time; the position in a recording), `rate` how fast it runs
// (1 live; 0, 1 or 4 in a replay). A row is [t, link, base64 of 114 float32 amplitudes, packetSeq or null];
// a keypoint frame is {t, windowSeq, xy: 34 numbers, cycles, us}.
//
// A CSI_PACKET's row is placed at the node's capture time (its timestampUs), mapped onto the host clock
// (CaptureClock), not at the time the host read it: packets that wait in a serial buffer and arrive in a
// burst were still captured 10 ms apart, and the heatmap's time axis should say so. UDP frames carry no
// capture time and are placed when they arrived.
import { describeCsiInfo, type InfoMessage } from '../protocol/messages.ts';
import type { StreamCounters, StreamEvent } from '../stream/tally.ts';
import { escapeTerminal } from '../../io/terminal-text.ts';
import { COCO_BONES } from '../../data/coco17.ts';

export const TICK_MS = 50;
export const HEATMAP_MS = 10_000;
export const TRAIL_MS = 1000;
const SUBCARRIERS = 114;

export type PageRow = [t: number, link: number, amplitudes: string, packetSeq: number | null];

/**
 * Maps a node's capture timestamps (µs, wrapping) onto host time: host ms = node ms + offset, with the offset
 * the smallest receive delay seen (a packet cannot arrive before it was captured), allowed to creep up by
 * 0.01 ms a packet so that a node clock slower than the host's does not leave the rows further and further
 * behind. A timestamp that goes back or jumps by more than 5 s (a wrap, a node reset, a replayed recording
 * starting over) starts the mapping again.
 */
export interface CaptureClock {
  offset: number | null;
  lastNodeMs: number | null;
}

export function newCaptureClock(): CaptureClock {
  return { offset: null, lastNodeMs: null };
}

export function captureTime(clock: CaptureClock, timestampUs: number, receivedMs: number): number {
  const nodeMs = timestampUs / 1000;
  const delay = receivedMs - nodeMs;
  const jump = clock.lastNodeMs === null || nodeMs < clock.lastNodeMs || nodeMs - clock.lastNodeMs > 5000;
  clock.offset = jump || clock.offset === null ? delay : Math.min(clock.offset + 0.01, delay);
  clock.lastNodeMs = nodeMs;
  return nodeMs + clock.offset;
}

export interface PageKeypoints {
  t: number;
  windowSeq: number;
  xy: number[];
  cycles: number;
  us: number | null;
}

export interface PageState {
  counters: PageCounters;
  info: Record<string, string | number> | null;
  lastError: string | null;
}

export interface PageCounters {
  csiPackets: number;
  keypoints: number;
  stats: number;
  packetGaps: number;
  udpFrames: number;
  udpBad: number;
  udpUnusable: number;
  /** null: not known (a recording holds neither rejected datagrams, retries nor host-side frame faults). */
  udpRejected: number | null;
  lastRejectedFrom: string | null;
  retries: number | null;
  hostFaults: Record<string, number> | null;
  lastPacketSeq: number | null;
  lastWindowSeq: number | null;
  lastCycles: number | null;
  lastUs: number | null;
  lastStats: Record<string, number> | null;
  /** CSI packets (or UDP frames) over the last second, and per link. */
  packetRate: number;
  linkRates: [number, number, number];
}

export const BONES = COCO_BONES.map(([a, b]) => [a, b]);

function b64(values: ArrayLike<number>, scale: number): string {
  const f = new Float32Array(SUBCARRIERS);
  for (let i = 0; i < SUBCARRIERS; i++) f[i] = values[i] * scale;
  return Buffer.from(f.buffer).toString('base64');
}

/** The heatmap rows of an event: one per link a CSI_PACKET carries (raw amplitude), or a UDP frame's row. */
export function rowsOf(ev: StreamEvent, info: InfoMessage | null, clock: CaptureClock): PageRow[] {
  if (ev.type === 'CSI_PACKET') {
    const amps = ev.amplitudes as number[];
    const mask = ev.linkMask as number;
    const scale = info ? 2 ** -info.inputFracBits : 1;
    const t = captureTime(clock, ev.timestampUs as number, ev.t);
    const rows: PageRow[] = [];
    for (let l = 0; l < 3; l++) {
      if (mask & (1 << l)) rows.push([t, l, b64(amps.slice(l * SUBCARRIERS, (l + 1) * SUBCARRIERS), scale), ev.packetSeq as number]);
    }
    return rows;
  }
  if (ev.type === 'UDP_CSI' && ev.link !== null && ev.amplitudes) return [[ev.t, ev.link as number, b64(ev.amplitudes as number[], 1), null]];
  return [];
}

/** The keypoint frame of a KEYPOINTS event (null before INFO said how to read it). */
export function keypointsOf(ev: StreamEvent): PageKeypoints | null {
  if (ev.type !== 'KEYPOINTS' || !ev.xy) return null;
  return { t: ev.t, windowSeq: ev.windowSeq as number, xy: ev.xy as number[], cycles: ev.cycles as number, us: (ev.us as number | undefined) ?? null };
}

/** The node's ERROR text for the page, escaped; null for other events. */
export function errorOf(ev: StreamEvent): string | null {
  if (ev.type !== 'ERROR') return null;
  return `error ${ev.code as number}: ${escapeTerminal(String(ev.text))}`;
}

/** INFO with every string escaped (chip, firmware version; and any string field a later INFO carries). */
export function infoView(info: InfoMessage | null): Record<string, string | number> | null {
  if (!info) return null;
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(info)) {
    if (k === 'type' || k === 'csi') continue;
    out[k] = typeof v === 'number' ? v : escapeTerminal(String(v));
  }
  // INFO version 2 carries the CSI layout the node delivers; an older node's INFO leaves the page's placeholder.
  if (info.csi) out.csiLayout = escapeTerminal(describeCsiInfo(info.csi).replace(/^CSI: /, ''));
  return out;
}

/** Rows per link over the second before `now`. */
export function linkRates(rows: readonly PageRow[], now: number): [number, number, number] {
  const r: [number, number, number] = [0, 0, 0];
  for (let i = rows.length - 1; i >= 0 && rows[i][0] > now - 1000; i--) if (rows[i][0] <= now) r[rows[i][1]]++;
  return r;
}

export function countersView(c: StreamCounters, rates: { packetRate: number; linkRates: [number, number, number] }, recorded: boolean): PageCounters {
  const st = c.lastStats;
  const cycleHz = c.info?.cycleHz ?? 0;
  return {
    csiPackets: c.csiPackets,
    keypoints: c.keypoints,
    stats: c.stats,
    packetGaps: c.packetGaps,
    udpFrames: c.udpFrames,
    udpBad: c.udpBad,
    udpUnusable: c.udpUnusable,
    udpRejected: recorded ? null : c.udpRejected,
    lastRejectedFrom: recorded || c.lastRejectedFrom === null ? null : escapeTerminal(c.lastRejectedFrom),
    retries: recorded ? null : c.retries,
    hostFaults: recorded ? null : { ...c.hostFaults },
    lastPacketSeq: c.lastPacketSeq,
    lastWindowSeq: c.lastWindowSeq,
    lastCycles: c.lastCycles,
    lastUs: c.lastCycles !== null && cycleHz > 0 ? (c.lastCycles / cycleHz) * 1e6 : null,
    lastStats: st ? (Object.fromEntries(Object.entries(st).filter(([k]) => k !== 'type')) as Record<string, number>) : null,
    packetRate: rates.packetRate,
    linkRates: rates.linkRates,
  };
}

/** Whether the node runs the model the user named (--model/--weights), for the page. */
export interface ModelCheck {
  /** SHA-256 of the ONNX bytes then the weights bytes, as the compiler computes it. */
  sha256: string;
  files: string;
}
