import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, type NpyData } from '../../src/io/npy.ts';
import { MODELS_DIR } from '../../src/paths.ts';
import { DEFAULTS } from '../../src/eval/inputs.ts';
import { runCli as runCliCommand } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-eval-'));
function npy(name: string, data: NpyData, shape: number[]): string {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy(data, shape));
  return path;
}

/** A small labelled set: 4 CSI-like windows and poses around the centre of the image. */
const N = 4;
const X4 = npy('x4.npy', Float32Array.from({ length: N * 3420 }, (_, i) => 10 + 9 * Math.sin(i * 0.05)), [N, 3, 114, 10]);
const Y4 = npy('y4.npy', Float32Array.from({ length: N * 34 }, (_, i) => 0.3 + 0.4 * ((i * 7919) % 97) / 97), [N, 17, 2]);
const MEAN = npy('mean.npy', new Float32Array(34).fill(0.5), [17, 2]);
/** The small set with its own mean pose, so these tests do not depend on the bundled data. */
const SMALL = ['--data', X4, '--labels', Y4, '--mean-pose', MEAN];

const runCli = (args: string[]): Promise<string> => runCliCommand('eval', args);

afterEach(() => vi.restoreAllMocks());

describe('pose-edge eval', () => {
  it('--json prints one object with the contract fields, computed on the given set', async () => {
    const text = await runCli(['--json', ...SMALL]);
    expect(text.trim().split('\n')).toHaveLength(1);
    const r = JSON.parse(text);
    expect(r).toMatchObject({ samples: N, model: DEFAULTS.model, weights: DEFAULTS.weights, data: X4, labels: Y4 });
    for (const k of ['pck20', 'mpjpe', 'meanPosePck20', 'meanPoseMpjpe', 'meanErrTorso', 'params']) expect(typeof r[k], k).toBe('number');
    expect(r.perKeypointPck20).toHaveLength(17);
    // The overall score is the mean of the per-keypoint scores (same number of samples each).
    expect(r.pck20).toBeCloseTo(r.perKeypointPck20.reduce((a: number, b: number) => a + b, 0) / 17, 9);
  });

  it('--weights none runs the ONNX as exported and reports weights null', async () => {
    const r = JSON.parse(await runCli(['--json', '--weights', 'none', ...SMALL]));
    expect(r.weights).toBeNull();
    expect(r.samples).toBe(N);
  });

  it('prints a human table without --json', async () => {
    const text = await runCli(SMALL);
    expect(text).toMatch(/torso-PCK@20\s+\d+\.\d\d %\s+\d+\.\d\d %/);
    expect(text).toContain(`${X4} (4 windows)`);
    expect(text).toContain('r_shoulder');
  });

  it('names the file whose dtype, shape or length does not fit', async () => {
    const f64 = npy('x-f64.npy', new Float64Array(N * 3420), [N, 3, 114, 10]);
    await expect(runCli(['--data', f64, '--labels', Y4])).rejects.toThrow(`${f64}: expected dtype f4, found f8`);
    const badShape = npy('x-shape.npy', new Float32Array(N * 3420), [N, 114, 3, 10]);
    await expect(runCli(['--data', badShape, '--labels', Y4])).rejects.toThrow(`${badShape}: expected shape [N,3,114,10], found [4,114,3,10]`);
    const y3 = npy('y3.npy', new Float32Array(3 * 34), [3, 17, 2]);
    await expect(runCli(['--data', X4, '--labels', y3])).rejects.toThrow(`${y3}: has 3 poses, but ${X4} has 4 windows`);
    const yShape = npy('y-shape.npy', new Float32Array(N * 34), [N, 34]);
    await expect(runCli(['--data', X4, '--labels', yShape])).rejects.toThrow(`${yShape}: expected shape [N,17,2], found [4,34]`);
    const mean = npy('mean-flat.npy', new Float32Array(34), [34]);
    await expect(runCli(['--data', X4, '--labels', Y4, '--mean-pose', mean])).rejects.toThrow(`${mean}: expected shape [17,2], found [34]`);
    await expect(runCli(['--data', join(dir, 'missing.npy'), '--labels', Y4])).rejects.toThrow(`${join(dir, 'missing.npy')}: no such file`);
  });

  it('refuses --data without --labels (and the reverse), and weights that belong to another model', async () => {
    await expect(runCli(['--data', X4])).rejects.toThrow(`--data ${X4} needs --labels with it`);
    await expect(runCli(['--labels', Y4])).rejects.toThrow(`--labels ${Y4} needs --data with it`);
    const nano = join(MODELS_DIR, 'nano', 'pose_nano_int4.npz');
    await expect(runCli(['--weights', nano, ...SMALL])).rejects.toThrow(`${nano} does not fit ${DEFAULTS.model}:`);
  });
});
