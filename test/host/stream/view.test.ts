// The live view's pieces: braille dots land in the documented cell bits, a skeleton's bones are drawn
// between its keypoints, and the status screen shows the counters it is given.
import { describe, expect, it } from 'vitest';
import { BrailleCanvas, drawSkeleton } from '../../../src/host/stream/braille.ts';
import { renderView } from '../../../src/host/stream/view.ts';
import type { StreamRun } from '../../../src/host/stream/live.ts';

describe('braille canvas', () => {
  it('maps each of the 8 dots of a cell to its Unicode bit', () => {
    const dots: [number, number, string][] = [
      [0, 0, '⠁'], [0, 1, '⠂'], [0, 2, '⠄'], [0, 3, '⡀'], [1, 0, '⠈'], [1, 1, '⠐'], [1, 2, '⠠'], [1, 3, '⢀'],
    ];
    for (const [x, y, ch] of dots) {
      const c = new BrailleCanvas(1, 1);
      c.set(x, y);
      expect(c.toString(), `dot ${x},${y}`).toBe(ch);
    }
    const c = new BrailleCanvas(2, 1);
    c.line(0, 0, 3, 0);
    expect(c.toString()).toBe('⠉⠉');
    c.set(-1, 0);
    c.set(4, 0);
    expect(c.toString()).toBe('⠉⠉'); // outside the canvas: ignored
  });

  it('draws a skeleton: a vertical body line for keypoints on one column, nothing for NaN', () => {
    const kp = new Float32Array(34);
    for (let k = 0; k < 17; k++) {
      kp[2 * k] = 0.5;
      kp[2 * k + 1] = k / 16;
    }
    const art = drawSkeleton(kp, 10, 5).split('\n');
    expect(art).toHaveLength(5);
    // Fitted to its bounding box: the body spans all 5 rows (20 dots), one dot wide, in the middle column.
    for (const row of art) {
      expect(row.length).toBe(10);
      expect([...row].filter((ch) => ch !== '⠀').length).toBe(1);
      expect(row.indexOf([...row].find((ch) => ch !== '⠀')!)).toBe(5); // centre dot 9.5 rounds to 10: cell 5
    }
    expect(drawSkeleton(new Float32Array(34).fill(NaN), 4, 2)).toBe('⠀⠀⠀⠀\n⠀⠀⠀⠀');
  });

  it('the status screen shows rate, drops, CRC errors, cycles and the skeleton', () => {
    const run = {
      counters: {
        csiPackets: 120, keypoints: 22, stats: 3, packetGaps: 2, udpFrames: 0, udpBad: 0, udpUnusable: 0,
        hostFaults: { crc: 4, framing: 1 }, lastCycles: 1500000,
        lastStats: { type: 'STATS', packetsCaptured: 360, packetsDropped: 5, framesOk: 9, framesBadCrc: 6, framesBadFraming: 0, framesRejected: 1, queueHighWater: 7, windowsReceived: 0, inferences: 22 },
        lastKeypoints: new Float32Array(34).fill(0.5),
        info: { cycleHz: 160_000_000, chip: 'esp32c3', firmwareVersion: '0.1.0', modelSha256: 'ab'.repeat(32), outputFracBits: 12 },
      },
      packetRate: () => 100,
    } as unknown as StreamRun;
    const text = renderView(run, '/dev/ttyUSB0', 12);
    expect(text).toContain('packets/s 100');
    expect(text).toContain('drops: 2 lost on the link, 5 dropped on the node (queue high water 7)');
    expect(text).toContain('CRC errors: 4 host side, framing 1; node: 6 CRC, 0 framing, 1 rejected');
    expect(text).toContain('inference 1500000 cycles = 9375.0 µs');
    expect(text).toMatch(/[⠁-⣿]/);
  });

  it('the status screen counts UDP datagrams from senders not in --udp-allow, and escapes the node\'s strings', () => {
    const run = {
      counters: {
        csiPackets: 0, keypoints: 0, stats: 0, packetGaps: 0, udpFrames: 30, udpBad: 1, udpUnusable: 2, udpRejected: 5, lastRejectedFrom: '192.0.2.7:5005',
        hostFaults: {}, lastCycles: null, lastStats: null, lastKeypoints: null,
        info: { cycleHz: 0, chip: 'c3\x1b[2J\r', firmwareVersion: '1\u202e\x07', modelSha256: 'cd'.repeat(32), outputFracBits: 12 },
      },
      packetRate: () => 0,
    } as unknown as StreamRun;
    const text = renderView(run, 'udp:5005', 3);
    expect(text).toContain('UDP frames 30 (1 bad, 2 unusable, 5 from senders not in --udp-allow, last 192.0.2.7:5005)');
    expect(text).toContain('[c3\\x1b[2J\\r, firmware 1\\u202e\\x07, model cdcdcdcdcdcd…]');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  });
});
