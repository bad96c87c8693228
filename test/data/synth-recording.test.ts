// `pose-edge synth --recording`: driver buffers of three transmitters as a CSI recording (src/data/csisim/driver.ts).
// The buffers are in the documented layouts (the simulated tones in their HT-LTF bins, the legacy tones mirrored
// in the LLTF, every other bin 0), the records are slots of links 0, 1, 2 in time order, the labels belong to the
// windows the node runs, and the errors name the flag. (The whole live path on it, to keypoints and accuracy:
// test/cli/readme-live-path.test.ts.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/synth.ts';
import { readCsiRecording } from '../../src/host/protocol/csi-recording.ts';
import { readNpy } from '../../src/io/npy.ts';
import { makeConfig } from '../../src/data/csisim/config.ts';
import { synthesizeDriverPackets } from '../../src/data/csisim/driver.ts';
import { layoutByName } from '../../src/data/csi-layouts.ts';

let dir: string;
let stdout: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synth-rec-'));
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

async function run(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['synth', ...args], { from: 'user' });
}

/** I/Q of FFT-order bin `bin` of an LTF of `n` bins at byte `off`: [im, re]. */
const pair = (buf: Int8Array, off: number, entry: number) => [buf[off + 2 * entry], buf[off + 2 * entry + 1]];

describe('pose-edge synth --recording', () => {
  it('HT40 (default): slots of links 0, 1, 2 in time order, ht40-below buffers with the 114 tones in the HT-LTF and the primary channel\'s legacy tones in the LLTF', async () => {
    const rec = join(dir, 'live.pecsrec');
    const y = join(dir, 'Y.npy');
    await run('--recording', rec, '--seconds', '0.5', '--labels', y, '--json');
    const j = JSON.parse(stdout);
    expect(j).toMatchObject({ recording: rec, labels: y, bandwidth: 'ht40', layout: 'ht40-below', slots: 50, packets: 150, windows: 9, hop: 5, channel: 40, seed: 0 });
    const r = readCsiRecording(rec);
    expect(r).toHaveLength(150);
    expect(r.map((x) => x.link)).toEqual(Array.from({ length: 150 }, (_, i) => i % 3));
    for (let i = 1; i < r.length; i++) expect(r[i].timestampUs).toBeGreaterThan(r[i - 1].timestampUs);
    const l = layoutByName('ht40-below')!;
    for (const p of r) {
      expect(p).toMatchObject({ layout: l.id, channel: 40, firstWordInvalid: false });
      expect(p.buf.length).toBe(384);
      let nonzero = 0;
      for (let tone = -64; tone <= 63; tone++) {
        const [im, re] = pair(p.buf, 128, tone >= 0 ? tone : 128 + tone);
        if (Math.abs(tone) < 2 || Math.abs(tone) > 58) expect([im, re], `tone ${tone}`).toEqual([0, 0]);
        else if (im || re) nonzero++;
        // LLTF, 40 MHz grid 0..63 (secondary below): legacy tone t of the primary channel at index 32 + t.
        if (tone >= 0) expect(pair(p.buf, 0, tone), `LLTF ${tone}`).toEqual(tone !== 32 && Math.abs(tone - 32) <= 26 ? [im, re] : [0, 0]);
      }
      expect(nonzero).toBeGreaterThan(100);
    }
    // The labels: the pose at the last slot of each window the node runs (slots 5i .. 5i+9).
    const Y = readNpy(y);
    expect(Y.shape).toEqual([9, 17, 2]);
    const ref = synthesizeDriverPackets({ bandwidth: 'ht40', slots: 50, seed: 0, config: makeConfig() });
    for (let i = 0; i < 9; i++) {
      expect(Array.from((Y.data as Float32Array).subarray(i * 34, (i + 1) * 34))).toEqual(Array.from(ref.labels.subarray((5 * i + 9) * 34, (5 * i + 10) * 34)));
    }
    // The same seed gives the same recording; the records are the library's.
    expect(r.map((p) => Array.from(p.buf))).toEqual(ref.packets.map((p) => Array.from(p.buf)));
  });

  it('HT20: ht20 buffers (no secondary channel), tones +-1..28 in the HT-LTF and +-1..26 in the LLTF, both in FFT order; the person moves as in HT40', async () => {
    const rec = join(dir, 'ht20.pecsrec');
    await run('--recording', rec, '--bandwidth', 'ht20', '--seconds', '0.2');
    expect(stdout).toContain('synth recording: 20 slots of 3 transmitters (60 packets, 0.2 s at 100 Hz), layout ht20 (256 bytes), channel 38');
    const r = readCsiRecording(rec);
    expect(r).toHaveLength(60);
    for (const p of r) {
      expect(p.layout).toBe(layoutByName('ht20')!.id);
      for (let tone = -32; tone <= 31; tone++) {
        const e = tone >= 0 ? tone : 64 + tone;
        const ht = pair(p.buf, 128, e);
        if (tone === 0 || Math.abs(tone) > 28) expect(ht, `tone ${tone}`).toEqual([0, 0]);
        expect(pair(p.buf, 0, e), `LLTF ${tone}`).toEqual(tone !== 0 && Math.abs(tone) <= 26 ? ht : [0, 0]);
      }
    }
    const a = synthesizeDriverPackets({ bandwidth: 'ht20', slots: 20, seed: 3, config: makeConfig() });
    const b = synthesizeDriverPackets({ bandwidth: 'ht40', slots: 20, seed: 3, config: makeConfig() });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('refuses what does not go together, naming the flag; writes nothing', async () => {
    const rec = join(dir, 'x.pecsrec');
    await expect(run()).rejects.toThrow('synth needs --split train|test|calib (a data set) or --recording FILE (driver buffers for the virtual node)');
    await expect(run('--recording', rec, '--split', 'test', '--windows', '3')).rejects.toThrow('--recording writes driver buffers, not a data set: drop --split, --windows');
    await expect(run('--recording', rec, '--bandwidth', 'ht80')).rejects.toThrow('--bandwidth ht80: expected ht40 or ht20');
    await expect(run('--recording', rec, '--seconds', '0')).rejects.toThrow('--seconds 0: expected a number in (0, 600]');
    await expect(run('--recording', rec, '--seconds', '601')).rejects.toThrow('--seconds 601: expected a number in (0, 600]');
    await expect(run('--recording', rec, '--labels', join(dir, 'y.npy'), '--hop', '11')).rejects.toThrow('--hop 11: expected an integer in [1, 10]');
    await expect(run('--recording', rec, '--labels', rec)).rejects.toThrow(`--labels ${rec}: is the same file as --recording ${rec}`);
    await expect(run('--split', 'test', '--labels', join(dir, 'y.npy'))).rejects.toThrow('--labels goes with --recording');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(rec)).toBe(false);
  });
});
