// What the browser view's server sends, without a browser: the live feed turns stream events into heatmap
// rows (a CSI_PACKET's links at the node's capture time, a UDP frame's row on its link) and keypoint frames;
// a page that connects late gets the history first; the end carries the final counters. The replay of a
// recording with UDP frames gives the rows `stream` would have, and its counters at a position are the
// records up to it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodePayload, MessageType, type Message } from '../../../src/host/protocol/messages.ts';
import { decodeRecording, encodeHeader, encodeRecord, RecordKind } from '../../../src/host/stream/recording.ts';
import { newCounters, tallyMessage } from '../../../src/host/stream/tally.ts';
import { LiveFeed } from '../../../src/host/web/live-feed.ts';
import { captureTime, newCaptureClock } from '../../../src/host/web/page-data.ts';
import { RecordingTimeline, ReplayPlayer } from '../../../src/host/web/replay.ts';
import type { PageClient } from '../../../src/host/web/server.ts';

/** A page: what it was sent, and a way to send it commands. */
function fakeClient() {
  const sent: Record<string, any>[] = [];
  let onMessage: (m: unknown) => void = () => {};
  const client: PageClient = {
    send: (m) => sent.push(JSON.parse(JSON.stringify(m))),
    onMessage: (h) => (onMessage = h),
    onClose: () => {},
    close: () => {},
  };
  return { client, sent, command: (m: unknown) => onMessage(m) };
}
const floats = (b64: string) => Array.from(new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));

const info: Message = {
  type: 'INFO', firmwareVersion: '0.1.0', chip: 'c3', modelSha256: 'ab'.repeat(32), weightBits: 4, actBits: 8, inputFracBits: 4, outputFracBits: 12,
  inputLen: 3420, outputLen: 34, arenaBytes: 1, macs: 1, cycleHz: 1000, mode: 'live', protocolVersion: 1, maxPayload: 6848,
};
const packet = (seq: number, mask = 7): Message => ({
  type: 'CSI_PACKET', packetSeq: seq, timestampUs: 5_000_000 + seq * 10_000, rssi: [-40, -41, -42], linkMask: mask,
  amplitudes: Int16Array.from({ length: 342 }, (_, i) => (i * 16 + seq) % 3000),
});
const keypoints = (seq: number): Message => ({ type: 'KEYPOINTS', windowSeq: seq, cycles: 2000, keypoints: Int16Array.from({ length: 34 }, (_, i) => i * 100 + seq) });

afterEach(() => vi.useRealTimers());

describe('the live feed', () => {
  it('rows at the capture time (a burst read at once still 10 ms apart), keypoints, history for a late page, the end', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const c = newCounters();
    const feed = new LiveFeed({ source: '/dev/x', model: null, counters: () => c, packetRate: () => 7 });
    const early = fakeClient();
    feed.addClient(early.client);
    feed.start();
    const push = (m: Message, t: number) => feed.event(tallyMessage(c, m, t).event);
    push(info, 1_000_000);
    // Packet 0 arrives as it is captured; packets 1 and 2, captured 10 and 20 ms later, wait in a buffer and
    // arrive together 50 ms after packet 0: they are still drawn 10 ms apart.
    push(packet(0), 1_000_000);
    for (const s of [1, 2]) push(packet(s, s === 1 ? 0b101 : 7), 1_000_050);
    push(keypoints(0), 1_000_060);
    vi.advanceTimersByTime(60);
    const tick = early.sent.find((m) => m.type === 'tick' && m.rows.length)!;
    expect(tick.rows.map((r: any[]) => [r[0], r[1], r[3]])).toEqual(
      [[1_000_000, 0, 0], [1_000_000, 1, 0], [1_000_000, 2, 0], [1_000_010.01, 0, 1], [1_000_010.01, 2, 1], [1_000_020.02, 0, 2], [1_000_020.02, 1, 2], [1_000_020.02, 2, 2]]
        .map(([t, l, s]) => [expect.closeTo(t, 6), l, s]),
    );
    // Amplitudes in raw |h| (the node's format / 2^inputFracBits), link by link.
    expect(floats(tick.rows[4][2])).toEqual(Array.from((packet(1) as any).amplitudes.slice(228, 342), (v: number) => v / 16));
    expect(tick.keypoints).toEqual([{ t: 1_000_060, windowSeq: 0, xy: Array.from({ length: 34 }, (_, i) => (i * 100) / 4096), cycles: 2000, us: 2000 * 1000 }]);
    expect(tick.counters).toMatchObject({ csiPackets: 3, keypoints: 1, packetRate: 7, linkRates: [3, 2, 3], retries: 0, hostFaults: {} });
    expect(tick.info).toMatchObject({ chip: 'c3', firmwareVersion: '0.1.0', cycleHz: 1000 });

    const late = fakeClient();
    feed.addClient(late.client);
    expect(late.sent.map((m) => m.type)).toEqual(['hello', 'snapshot']);
    expect(late.sent[0]).toMatchObject({ mode: 'live', runId: feed.runId, source: '/dev/x', model: null });
    expect(late.sent[0].bones).toHaveLength(16);
    expect(late.sent[1].rows).toHaveLength(8);
    expect(late.sent[1].keypoints.map((k: any) => k.windowSeq)).toEqual([0]);

    // UDP frames: a row on the event's link; an unmapped node or an unusable frame makes none.
    const amps = Array.from({ length: 114 }, (_, i) => i / 2);
    feed.event({ t: 1_000_100, type: 'UDP_CSI', link: 2, amplitudes: amps });
    feed.event({ t: 1_000_101, type: 'UDP_CSI', link: null, amplitudes: amps });
    feed.event({ t: 1_000_102, type: 'UDP_CSI', link: 1, amplitudes: null });
    feed.event({ t: 1_000_103, type: 'ERROR', code: 7, text: 'bad\x1b[2J' });
    vi.advanceTimersByTime(50);
    const t2 = late.sent.at(-1)!;
    expect(t2.rows.map((r: any[]) => [r[0], r[1], r[3]])).toEqual([[1_000_100, 2, null]]);
    expect(floats(t2.rows[0][2])).toEqual(amps);
    expect(t2.lastError).toBe('error 7: bad\\x1b[2J');

    c.stats = 4;
    feed.end('signal', 'x\x07');
    expect(late.sent.at(-1)).toMatchObject({ type: 'end', ended: 'signal', error: 'x\\x07', counters: { stats: 4, csiPackets: 3 } });
    const n = late.sent.length;
    vi.advanceTimersByTime(500);
    expect(late.sent).toHaveLength(n); // no ticks after the end
  });

  it('capture time: the smallest delay, creeping up 0.01 ms a packet; a step back or a jump of more than 5 s starts over', () => {
    const k = newCaptureClock();
    expect(captureTime(k, 1_000_000, 5000)).toBe(5000); // node 1000 ms, received 5000: delay 4000
    expect(captureTime(k, 1_010_000, 5030)).toBeCloseTo(5010.01, 6); // delay 4020 > 4000.01: keeps the smaller one
    expect(captureTime(k, 1_020_000, 5021)).toBeCloseTo(5020.02, 6); // delay 4001 > 4000.02
    expect(captureTime(k, 1_030_000, 5029)).toBe(5029); // delay 3999: the new smallest
    expect(captureTime(k, 10_000, 6000)).toBe(6000); // the timestamp went back (a wrap, a reset): start over
    expect(captureTime(k, 6_000_000, 6100)).toBe(6100); // a jump of almost 6 s: start over
  });
});

describe('the replay of a recording', () => {
  it('UDP frames and node messages: rows, counters at a position, and play to the end', () => {
    vi.useFakeTimers({ now: 0 });
    const frame = (node: number, slot: number) => {
      const b = Buffer.alloc(20 + 384);
      b.writeUInt32LE(0xc5110001, 0);
      b[4] = node;
      b[5] = 1;
      b.writeUInt16LE(192, 6);
      b.writeUInt32LE(slot, 12);
      for (let bin = 0; bin < 128; bin++) b.writeInt8((bin + slot + node) % 50, 20 + 128 + 2 * bin + 1);
      return new Uint8Array(b);
    };
    const records = [encodeRecord({ timeMs: 1000, kind: RecordKind.NODE_MESSAGE, type: MessageType.INFO, payload: encodePayload(info) })];
    for (let s = 0; s < 30; s++) {
      for (const node of [11, 12, 13]) records.push(encodeRecord({ timeMs: 1000 + s * 100 + node, kind: RecordKind.UDP_DATAGRAM, type: 0, payload: frame(node, s) }));
    }
    records.push(encodeRecord({ timeMs: 5000, kind: RecordKind.NODE_MESSAGE, type: MessageType.KEYPOINTS, payload: encodePayload(keypoints(9)) }));
    const rec = decodeRecording(Buffer.concat([encodeHeader(), ...records]), 'r.pestrm');
    const tl = new RecordingTimeline('r.pestrm', rec, { udpLinks: [13, 12, 11] });
    expect([tl.start, tl.end, tl.records]).toEqual([1000, 5000, 92]);

    const page = fakeClient();
    new ReplayPlayer(tl, page.client, { source: 'r.pestrm', model: null });
    expect(page.sent[0]).toMatchObject({ type: 'hello', mode: 'replay', timeline: { start: 1000, end: 5000, records: 92 } });
    page.command({ type: 'seek', t: 1000 + 1000 + 12 }); // slots 0..10 of nodes 11 and 12, slots 0..9 of node 13
    const snap = page.sent.at(-1)!;
    expect(snap).toMatchObject({ type: 'snapshot', now: 2012, rate: 0, playing: false });
    expect(snap.counters).toMatchObject({ udpFrames: 32, csiPackets: 0, keypoints: 0, retries: null, hostFaults: null, udpRejected: null });
    expect(snap.rows).toHaveLength(32);
    expect(snap.rows.slice(0, 3).map((r: any[]) => [r[0], r[1], r[3]])).toEqual([[1011, 2, null], [1012, 1, null], [1013, 0, null]]);
    // Node 13 is link 0; its slot-0 row is |h| of HT-LTF tones -58..-2, +2..+58 (real part only).
    const tones = [...Array.from({ length: 57 }, (_, i) => 128 - 58 + i), ...Array.from({ length: 57 }, (_, i) => 2 + i)];
    expect(floats(snap.rows[2][2])).toEqual(tones.map((bin) => (bin + 13) % 50));

    page.command({ type: 'play', speed: 4 });
    vi.advanceTimersByTime(1200); // 4.8 s of recording at 4x
    const ticks = page.sent.filter((m) => m.type === 'tick');
    expect(ticks.at(-1)).toMatchObject({ now: 5000, playing: false, speed: 4, counters: { udpFrames: 90, keypoints: 1, lastWindowSeq: 9 } });
    expect(ticks.reduce((n, m) => n + m.rows.length, 0)).toBe(90 - 32);
    expect(ticks.flatMap((m) => m.keypoints.map((k: any) => k.windowSeq))).toEqual([9]);
    page.command({ type: 'play', speed: 3 }); // not a speed the view offers: ignored
    page.command({ type: 'seek', t: 'x' });
    expect(page.sent.at(-1)).toBe(ticks.at(-1));
  });
});
