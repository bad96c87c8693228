// `pose-edge stream export` on hand-built PESTRM01 recordings: the `nonFinite` count of the exported
// windows (integer CSI cannot hold NaN/Inf: measured 0, no warning), a torn tail still exported, damage
// that valid records follow refused with the record index and byte offset (nothing written), and a
// record whose payload does not decode named by index and byte offset.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, MessageType, type Message } from '../../../src/host/protocol/messages.ts';
import { encodeHeader, encodeRecord, HEADER_BYTES, RecordKind } from '../../../src/host/stream/recording.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { runCli } from '../../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-export-'));
const F = 8;

const node = (m: Message, t: number) => encodeRecord({ timeMs: t, kind: RecordKind.NODE_MESSAGE, type: MessageType[m.type], payload: encodePayload(m) });
const info: Message = {
  type: 'INFO', firmwareVersion: '0.1.0', chip: 'test', modelSha256: 'ab'.repeat(32), weightBits: 4, actBits: 8, inputFracBits: F, outputFracBits: 12,
  inputLen: 3420, outputLen: 34, arenaBytes: 1, macs: 1, cycleHz: 0, mode: 'live', protocolVersion: 1, maxPayload: 6848,
};
const packet = (seq: number): Message => ({
  type: 'CSI_PACKET', packetSeq: seq, timestampUs: seq * 1000, rssi: [-40, -41, -42], linkMask: 7,
  amplitudes: Int16Array.from({ length: 342 }, (_, i) => (seq * 342 + i * 7) % 30000),
});

/** INFO then `slots` CSI_PACKETs: one window at the 10th slot (hop 5). Returns the records' bytes. */
function recordsOf(slots: number): Uint8Array[] {
  return [node(info, 0), ...Array.from({ length: slots }, (_, s) => node(packet(s), s + 1))];
}
function write(name: string, parts: Uint8Array[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([encodeHeader(), ...parts]));
  return path;
}

async function exportJson(args: string[]): Promise<{ r: Record<string, unknown>; err: string }> {
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  const r = JSON.parse(await runCli('stream', ['export', ...args, '--json']));
  return { r, err };
}

afterEach(() => vi.restoreAllMocks());

describe('stream export', () => {
  it('counts non-finite amplitudes of the windows (0 for integer CSI) in --json, with no warning', async () => {
    const file = write('ok.pestrm', recordsOf(10));
    const npy = join(dir, 'ok.npy');
    const { r, err } = await exportJson([file, '--npy', npy]);
    expect(r).toMatchObject({ windows: 1, csiPackets: 10, nonFinite: 0, tornTail: null });
    expect(err).toBe('');
    const x = readNpy(npy).data as Float32Array;
    // Window [link*114+subcarrier][packet]: packet p holds slot p's amplitude / 2^F, exactly.
    const p4 = packet(4) as Extract<Message, { type: 'CSI_PACKET' }>;
    expect(x[3 * 10 + 4]).toBe(p4.amplitudes[3] / 2 ** F);
  });

  it('a torn tail is still exported, and reported', async () => {
    const parts = recordsOf(11);
    const cut = Buffer.concat(parts).subarray(0, Buffer.concat(parts).length - 100);
    const file = write('torn.pestrm', [cut]);
    const tornAt = HEADER_BYTES + parts.slice(0, 11).reduce((s, p) => s + p.length, 0);
    const { r } = await exportJson([file, '--npy', join(dir, 'torn.npy')]);
    expect(r).toMatchObject({ windows: 1, csiPackets: 10, tornTail: { offset: tornAt, reason: 'torn' } });
  });

  it('damage that valid records follow is an error naming the record and byte offset; nothing is written', async () => {
    const parts = recordsOf(12);
    const at = HEADER_BYTES + parts[0].length + parts[1].length + parts[2].length; // record 3
    parts[3] = Buffer.from(parts[3]);
    parts[3][40] ^= 0xff;
    const file = write('damaged.pestrm', parts);
    const npy = join(dir, 'damaged.npy');
    await expect(runCli('stream', ['export', file, '--npy', npy])).rejects.toThrow(
      `${file}: record 3 at byte ${at} is damaged (CRC mismatch), and valid records follow from byte ${at + parts[3].length}: not a torn tail from a crash, the recording itself is damaged`,
    );
    expect(existsSync(npy)).toBe(false);
  });

  it('a record whose payload does not decode is named by index and byte offset', async () => {
    const parts = recordsOf(3);
    parts.push(encodeRecord({ timeMs: 9, kind: RecordKind.NODE_MESSAGE, type: MessageType.CSI_PACKET, payload: new Uint8Array(10) }));
    const at = HEADER_BYTES + parts.slice(0, 4).reduce((s, p) => s + p.length, 0);
    const file = write('bad-payload.pestrm', parts);
    await expect(runCli('stream', ['export', file, '--npy', join(dir, 'bp.npy')])).rejects.toThrow(
      `${file}: record 4 at byte ${at} (CSI_PACKET): CSI_PACKET (seq 0): payload is 10 bytes, expected 696`,
    );
    const noInfo = write('no-info.pestrm', [node(packet(0), 1)]);
    await expect(runCli('stream', ['export', noInfo, '--npy', join(dir, 'ni.npy')])).rejects.toThrow(
      `${noInfo}: record 0 at byte ${HEADER_BYTES}: CSI_PACKET before any INFO; give --input-frac-bits`,
    );
  });
});
