// `pose-edge synth` end to end, in-process: the files it writes parse back with readNpy (the same reader
// the rest of the tool uses; numpy reads the same header), its --json report, and its error messages.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/synth.ts';
import { expectArray, readNpy } from '../../src/io/npy.ts';
import { makeConfig } from '../../src/data/csisim/config.ts';
import { meanPose, synthesize } from '../../src/data/csisim/dataset.ts';

let dir: string;
let stdout: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synth-'));
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

describe('pose-edge synth', () => {
  it('writes X, Y and the mean pose as float32 .npy files that read back with the shapes of the contract', async () => {
    const x = join(dir, 'X.npy');
    const y = join(dir, 'Y.npy');
    const m = join(dir, 'mean.npy');
    await run('--split', 'train', '--windows', '40', '--seed', '9', '--out-x', x, '--out-y', y, '--out-mean-pose', m, '--no-progress');
    const X = readNpy(x);
    const Y = readNpy(y);
    const M = readNpy(m);
    expectArray(X, x, 'f4', [40, 3, 114, 10]);
    expectArray(Y, y, 'f4', [40, 17, 2]);
    expectArray(M, m, 'f4', [17, 2]);
    // The files hold exactly what the library generates for the same split and seed.
    const ref = synthesize({ split: 'train', windows: 40, seed: 9, config: makeConfig() });
    expect(Buffer.from((X.data as Float32Array).buffer).equals(Buffer.from(ref.X.buffer))).toBe(true);
    expect(Array.from(M.data as Float32Array)).toEqual(Array.from(meanPose(ref.Y)));
    expect(stdout).toContain(`synth train: 40 windows from ${Math.ceil(40 / makeConfig().windowsPerSequence)} sequences in 4 rooms (seed 9)`);
    expect(readdirSync(dir).sort()).toEqual(['X.npy', 'Y.npy', 'mean.npy']);
  });

  it('prints one JSON object with --json, and applies --set knobs', async () => {
    const x = join(dir, 'cx.npy');
    const y = join(dir, 'cy.npy');
    await run('--split', 'calib', '--windows', '3', '--out-x', x, '--out-y', y, '--json', '--set', 'snrDb=10', '--set', 'weight.walk=0');
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ split: 'calib', windows: 3, seed: 0, sequences: 1, outX: x, outY: y, outMeanPose: null, replacedNonFinite: 0 });
    expect(r.config.snrDb).toBe(10);
    expect(r.config.activityWeights.walk).toBe(0);
    const plain = synthesize({ split: 'calib', windows: 3, seed: 0, config: makeConfig() });
    expect(Buffer.from((readNpy(x).data as Float32Array).buffer).equals(Buffer.from(plain.X.buffer))).toBe(false);
  });

  it('names the bad argument, and writes nothing, when an argument is wrong', async () => {
    const out = ['--out-x', join(dir, 'a.npy'), '--out-y', join(dir, 'b.npy')];
    await expect(run('--split', 'dev', ...out)).rejects.toThrow('--split dev: expected one of train, test, calib');
    await expect(run('--split', 'test', '--windows', '0', ...out)).rejects.toThrow('--windows 0: expected an integer in [1, 150000]');
    await expect(run('--split', 'test', '--windows', '1.5', ...out)).rejects.toThrow('--windows 1.5: expected an integer in [1, 150000]');
    await expect(run('--split', 'test', '--windows', '150001', ...out)).rejects.toThrow('--windows 150001: expected an integer in [1, 150000]');
    await expect(run('--split', 'test', '--seed', 'x', ...out)).rejects.toThrow('--seed x: expected an integer in [0, 4294967295]');
    await expect(run('--split', 'test', '--set', 'noise=3', ...out)).rejects.toThrow("--set noise=3: unknown knob 'noise' (known: centreHz,");
    await expect(run('--split', 'test', '--set', 'snrDb', ...out)).rejects.toThrow('--set snrDb: expected name=value');
    await expect(run('--split', 'test', '--set', 'snrDb=loud', ...out)).rejects.toThrow("--set snrDb=loud: 'loud' is not a number");
    await expect(run('--split', 'test', '--set', 'pointsPerSegment=0', ...out)).rejects.toThrow('knob pointsPerSegment: 0 is not an integer in [1, 64]');
    await expect(run('--split', 'test', '--set', 'weight.fly=1', ...out)).rejects.toThrow("--set weight.fly=1: unknown activity 'fly'");
    await expect(run('--split', 'test', '--out-x', join(dir, 'same.npy'), '--out-y', join(dir, 'same.npy'))).rejects.toThrow(`--out-y ${join(dir, 'same.npy')}: is the same file as --out-x ${join(dir, 'same.npy')}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves no file behind when one output cannot be written', async () => {
    const x = join(dir, 'X.npy');
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'not a directory');
    const y = join(blocker, 'Y.npy');
    await expect(run('--split', 'test', '--windows', '2', '--out-x', x, '--out-y', y)).rejects.toThrow(`--out-y ${y}: ${blocker} is not a directory`);
    expect(existsSync(x)).toBe(false);
    expect(readdirSync(dir)).toEqual(['file']);
  });
});
