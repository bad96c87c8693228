// Counting what a stream delivers, and the event each message or datagram makes (one line of `stream
// --json`): one definition for the live run (live.ts) and for replaying a recording (`pose-edge view`), so a
// counter means the same thing in the terminal, in --json, in the browser view and when a recording is
// played back.
import type { InfoMessage, Message } from '../protocol/messages.ts';
import { csiRow, EspCsiFrameError, parseEspCsiFrame, type BandwidthRule } from './esp-csi-udp.ts';
import type { LinkMap } from './link-map.ts';

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
  /** Datagrams dropped because their sender is not in --udp-allow. */
  udpRejected: number;
  /** Sender of the last rejected datagram (address:port), for the live view. */
  lastRejectedFrom: string | null;
  /** Re-sends of HELLO and STREAM_START. */
  retries: number;
  hostFaults: Record<string, number>;
  lastStats: Extract<Message, { type: 'STATS' }> | null;
  lastCycles: number | null;
  lastKeypoints: Float32Array | null;
  lastPacketSeq: number | null;
  lastWindowSeq: number | null;
  info: InfoMessage | null;
}

export function newCounters(): StreamCounters {
  return {
    csiPackets: 0, keypoints: 0, stats: 0, packetGaps: 0, udpFrames: 0, udpBad: 0, udpUnusable: 0, udpRejected: 0, lastRejectedFrom: null,
    retries: 0, hostFaults: {}, lastStats: null, lastCycles: null, lastKeypoints: null, lastPacketSeq: null, lastWindowSeq: null, info: null,
  };
}

/**
 * Counts a node message and returns its event. `packet` is true for a CSI_PACKET (it counts toward the
 * packet rate).
 */
export function tallyMessage(c: StreamCounters, m: Message, now: number): { event: StreamEvent; packet: boolean } {
  const { type: _omit, ...fields } = m as Message & Record<string, unknown>;
  void _omit;
  const ev: StreamEvent = { t: now, type: m.type, ...plain(fields) };
  let packet = false;
  if (m.type === 'CSI_PACKET') {
    c.csiPackets++;
    packet = true;
    if (c.lastPacketSeq !== null && m.packetSeq !== ((c.lastPacketSeq + 1) >>> 0)) {
      c.packetGaps += (m.packetSeq - c.lastPacketSeq - 1) >>> 0;
      ev.gap = (m.packetSeq - c.lastPacketSeq - 1) >>> 0;
    }
    c.lastPacketSeq = m.packetSeq;
  } else if (m.type === 'KEYPOINTS') {
    c.keypoints++;
    c.lastCycles = m.cycles;
    c.lastWindowSeq = m.windowSeq;
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
  return { event: ev, packet };
}

export interface DatagramContext {
  links: LinkMap;
  bandwidth: BandwidthRule;
}

/**
 * Counts a UDP datagram from an allowed sender (esp32-csi-node frame or not) and returns its event
 * (`UDP_CSI` or `UDP_ERROR`). `packet` is true for a usable frame on a mapped link.
 */
export function tallyDatagram(c: StreamCounters, ctx: DatagramContext, d: Uint8Array, from: string, now: number): { event: StreamEvent; packet: boolean } {
  try {
    const f = parseEspCsiFrame(d, `UDP from ${from}`);
    const link = ctx.links.linkOf(f.nodeId);
    const row = csiRow(f.buf, ctx.bandwidth);
    const packet = link !== null && row !== null;
    if (packet) c.udpFrames++;
    else c.udpUnusable++;
    const event: StreamEvent = {
      t: now, type: 'UDP_CSI', from, nodeId: f.nodeId, link, seq: f.seq, freqMhz: f.freqMhz, rssi: f.rssi, noise: f.noise,
      len: f.buf.length, bandwidth: row?.bandwidth ?? null, amplitudes: row ? Array.from(row.row) : null,
    };
    return { event, packet };
  } catch (err) {
    if (!(err instanceof EspCsiFrameError)) throw err;
    c.udpBad++;
    return { event: { t: now, type: 'UDP_ERROR', from, error: err.message }, packet: false };
  }
}

/** Typed arrays to plain arrays, so JSON.stringify gives numbers. */
function plain(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v;
  return out;
}
