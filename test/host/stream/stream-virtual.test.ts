// `pose-edge stream --virtual --replay-csi FILE` (docs/streaming.md): starts a virtual node replaying the
// recording, streams until the node's STATS count every packet (ended: "replayed"), stops the node; and the
// usage errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCsiRecording, type CsiRecord } from '../../../src/host/protocol/index.ts';
import { runCliResult } from '../../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-stream-virtual-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SLOTS = 25;
const records: CsiRecord[] = [];
for (let s = 0; s < SLOTS; s++) {
  for (let link = 0; link < 3; link++) {
    records.push({ timestampUs: s * 10_000 + link * 300, link, rssi: -50, layout: 8, firstWordInvalid: false, channel: 6, buf: Int8Array.from({ length: 384 }, (_, i) => ((i * 13 + s * 7 + link) % 61) - 30) });
  }
}
const rec = join(tmp, 'rec.pecsrec');
writeFileSync(rec, encodeCsiRecording(records));
const running = (path: string) => {
  try {
    return execFileSync('pgrep', ['-f', path], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

describe('stream --virtual', () => {
  it('ends by itself once the node has replayed every packet, and stops the node', async () => {
    const { stdout, err } = await runCliResult('stream', ['--virtual', '--replay-csi', rec, '--packet-rate', '0', '--json', '--duration', '60']);
    expect(err).toBeNull();
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'CSI_PACKET')).toHaveLength(SLOTS);
    expect(lines.at(-1)).toMatchObject({ type: 'SUMMARY', ended: 'replayed', csiPackets: SLOTS, keypoints: (SLOTS - 10) / 5 + 1, chip: 'linux-virtual', error: null });
    expect(lines.at(-1).seconds).toBeLessThan(30);
    expect(running(rec)).toBe('');
  }, 120_000);

  it('usage errors name what goes with what', async () => {
    const msg = async (args: string[]) => ((await runCliResult('stream', args)).err as Error).message;
    expect(await msg(['/dev/null', '--virtual', '--replay-csi', rec])).toBe('give a port (/dev/null) or --virtual, not both');
    expect(await msg(['--virtual'])).toBe('--virtual needs --replay-csi FILE: the CSI recording the virtual node replays (`pose-edge synth --recording FILE` makes one)');
    expect(await msg(['/dev/null', '--replay-csi', rec])).toBe('--replay-csi goes with --virtual (for a virtual node in its own terminal: `pose-edge node --virtual --replay-csi FILE`)');
    expect(await msg(['--virtual', '--replay-csi', join(tmp, 'none.pecsrec')])).toBe(`${join(tmp, 'none.pecsrec')}: no such file or directory (CSI recording)`);
  });
});
