// `pose-edge eval` and the data rule (README): NaN/+-Inf amplitudes are replaced by 0 before the model,
// counted (`nonFinite`) and reported on stderr; the result is exactly that of the same file with zeros in
// those places. Labels that would make a metric NaN or Infinity are errors naming the file and the index.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, type NpyData } from '../../src/io/npy.ts';
import { runCli as runCliCommand } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-eval-nf-'));
function npy(name: string, data: NpyData, shape: number[]): string {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy(data, shape));
  return path;
}
const at = (w: number, l: number, s: number, p: number) => w * 3420 + (l * 114 + s) * 10 + p;

const N = 4;
const base = Float32Array.from({ length: N * 3420 }, (_, i) => 12 + 9 * Math.sin(i * 0.05) + 3 * Math.cos(i * 0.71));
const BAD: [number, number][] = [[at(0, 0, 0, 5), NaN], [at(1, 1, 2, 3), Infinity], [at(3, 2, 113, 9), -Infinity], [at(3, 0, 7, 0), NaN]];
const withBad = Float32Array.from(base);
const withZeros = Float32Array.from(base);
for (const [i, v] of BAD) {
  withBad[i] = v;
  withZeros[i] = 0;
}
const X_BAD = npy('x-bad.npy', withBad, [N, 3, 114, 10]);
const X_ZERO = npy('x-zero.npy', withZeros, [N, 3, 114, 10]);
const labels = Float32Array.from({ length: N * 34 }, (_, i) => 0.3 + (0.4 * ((i * 7919) % 97)) / 97);
const Y = npy('y.npy', labels, [N, 17, 2]);
const MEAN = npy('mean.npy', new Float32Array(34).fill(0.5), [17, 2]);

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { out: await runCliCommand('eval', args), err };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('eval on windows with NaN and +-Inf', () => {
  it('replaces them by 0, warns once on stderr, reports nonFinite, and scores exactly as the zero-filled file', async () => {
    const bad = await run(['--json', '--data', X_BAD, '--labels', Y, '--mean-pose', MEAN]);
    expect(bad.err).toBe(`pose-edge: warning: ${X_BAD}: replaced 4 non-finite values (2 NaN, 1 +Inf, 1 -Inf) by 0; first at window 0, link 0, subcarrier 0, packet 5\n`);
    const r = JSON.parse(bad.out);
    expect(r.nonFinite).toBe(4);
    for (const k of ['pck20', 'mpjpe', 'meanErrTorso', 'meanPosePck20', 'meanPoseMpjpe']) expect(Number.isFinite(r[k]), k).toBe(true);
    expect(r.perKeypointPck20.every(Number.isFinite)).toBe(true);
    expect(bad.out).not.toMatch(/null|NaN|Infinity/);

    const zero = await run(['--json', '--data', X_ZERO, '--labels', Y, '--mean-pose', MEAN]);
    expect(zero.err).toBe('');
    const z = JSON.parse(zero.out);
    expect(z.nonFinite).toBe(0);
    expect({ ...r, data: null, nonFinite: null }).toEqual({ ...z, data: null, nonFinite: null });
  });

  it('the table says how many were replaced and prints no NaN', async () => {
    const { out } = await run(['--data', X_BAD, '--labels', Y, '--mean-pose', MEAN]);
    expect(out).toContain(`${X_BAD} (4 windows; 4 non-finite amplitudes replaced by 0)`);
    expect(out).not.toMatch(/NaN|Infinity|null/);
  });
});

describe('eval refuses labels that would make a metric NaN or Infinity', () => {
  it('a non-finite label names the file and the first [n, keypoint, coord]', async () => {
    const y = Float32Array.from(labels);
    y[2 * 34 + 2 * 5 + 1] = NaN;
    const path = npy('y-nan.npy', y, [N, 17, 2]);
    await expect(run(['--data', X_ZERO, '--labels', path, '--mean-pose', MEAN])).rejects.toThrow(
      `${path}: keypoints must be finite; 1 value is not, the first at [2, 5, 1] (l_shoulder y = NaN)`,
    );
  });

  it('a pose with a zero-length torso names the file and the pose', async () => {
    const y = Float32Array.from(labels);
    y[1 * 34 + 22] = y[1 * 34 + 12];
    y[1 * 34 + 23] = y[1 * 34 + 13];
    const path = npy('y-torso.npy', y, [N, 17, 2]);
    await expect(run(['--data', X_ZERO, '--labels', path, '--mean-pose', MEAN])).rejects.toThrow(`${path}: 1 pose has a zero-length torso, the first at [1]`);
  });

  it('a non-finite mean pose, and an empty set, are errors naming the file', async () => {
    const m = new Float32Array(34).fill(0.5);
    m[33] = Infinity;
    const mean = npy('mean-inf.npy', m, [17, 2]);
    await expect(run(['--data', X_ZERO, '--labels', Y, '--mean-pose', mean])).rejects.toThrow(`${mean}: keypoints must be finite; 1 value is not, the first at [16, 1] (r_ankle y = +Inf)`);
    const x0 = npy('x-empty.npy', new Float32Array(0), [0, 3, 114, 10]);
    const y0 = npy('y-empty.npy', new Float32Array(0), [0, 17, 2]);
    await expect(run(['--data', x0, '--labels', y0, '--mean-pose', MEAN])).rejects.toThrow(`${x0}: has no windows to evaluate`);
  });
});
