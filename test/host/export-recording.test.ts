// `pose-edge stream export` on hand-built PESTRM01 recordings: the `nonFinite` count of the exported
// windows (integer CSI cannot hold NaN/Inf: measured 0, no warning).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, MessageType, type Message } from '../../src/host/protocol/messages.ts';
import { encodeHeader, encodeRecord, RecordKind } from '../../src/host/stream/recording.ts';
import { readNpy } from '../../src/io/npy.ts';
import { runCli } from '../helpers/cli.ts';

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
});
