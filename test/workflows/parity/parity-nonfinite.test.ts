// `parity --virtual` on windows with NaN/+-Inf (was: "mean error NaN%" and FAIL on a bit-exact node): the
// windows are sanitized once, so the node, the integer simulator and the reference model all see the same
// zeros; the run passes, reports `nonFinite`, and gives exactly the figures of the zero-filled file.
// Labels with a NaN are refused before any node is started.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../../src/cli/program.ts';
import { encodeNpy, readNpy } from '../../../src/io/npy.ts';
import { DATA_DIR } from '../../../src/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-parity-nf-'));
const N = 8;
const x = (readNpy(join(DATA_DIR, 'test_X.npy'), 'x').data as Float32Array).slice(0, N * 3420);
const y = (readNpy(join(DATA_DIR, 'test_Y.npy'), 'y').data as Float32Array).slice(0, N * 34);
const withBad = Float32Array.from(x);
const withZeros = Float32Array.from(x);
for (const [i, v] of [[11, NaN], [3420 + 500, Infinity], [3420 * 6 + 77, -Infinity]] as const) {
  withBad[i] = v;
  withZeros[i] = 0;
}
const BAD = join(tmp, 'x-bad.npy');
const ZERO = join(tmp, 'x-zero.npy');
const Y = join(tmp, 'y.npy');
writeFileSync(BAD, encodeNpy(withBad, [N, 3, 114, 10]));
writeFileSync(ZERO, encodeNpy(withZeros, [N, 3, 114, 10]));
writeFileSync(Y, encodeNpy(y, [N, 17, 2]));

async function run(args: string[]): Promise<{ out: string; err: string; error: unknown }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  let error: unknown = null;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'parity', ...args]);
  } catch (e) {
    error = e;
  } finally {
    vi.restoreAllMocks();
  }
  return { out, err, error };
}

afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parity --virtual on windows with NaN and +-Inf', () => {
  it('passes bit-exactly, reports nonFinite and a warning, and matches the zero-filled windows figure for figure', async () => {
    const bad = await run(['--virtual', '--json', '--data', BAD, '--labels', Y]);
    expect(bad.error).toBeNull();
    expect(bad.err).toBe(`pose-edge: warning: ${BAD}: replaced 3 non-finite values (1 NaN, 1 +Inf, 1 -Inf) by 0; first at window 0, link 0, subcarrier 1, packet 1\n`);
    expect(bad.out).not.toMatch(/NaN|Infinity/);
    const j = JSON.parse(bad.out);
    expect(j).toMatchObject({ samples: N, bitExact: true, mismatches: 0, pass: true, nonFinite: 3, failed: [] });
    for (const k of ['meanErrTorso', 'maxErrTorso', 'pckAgreement', 'pckRef', 'pckNode']) expect(Number.isFinite(j[k]), k).toBe(true);

    const zero = await run(['--virtual', '--json', '--data', ZERO, '--labels', Y]);
    expect(zero.error).toBeNull();
    expect(zero.err).toBe('');
    const z = JSON.parse(zero.out);
    expect(z.nonFinite).toBe(0);
    for (const k of ['bitExact', 'meanErrTorso', 'maxErrTorso', 'pckAgreement', 'pckRef', 'pckNode', 'mismatchValues']) expect(j[k], k).toBe(z[k]);
  }, 180_000);

  it('refuses labels with a NaN, naming the file and the first index, before starting a node', async () => {
    const yBad = Float32Array.from(y);
    yBad[3 * 34 + 2 * 16] = NaN;
    const path = join(tmp, 'y-nan.npy');
    writeFileSync(path, encodeNpy(yBad, [N, 17, 2]));
    const r = await run(['--virtual', '--json', '--data', ZERO, '--labels', path]);
    expect((r.error as Error).message).toBe(`${path}: keypoints must be finite; 1 value is not, the first at [3, 16, 0] (r_ankle x = NaN)`);
    expect((r.error as { exitCode: number }).exitCode).toBe(1);
    expect(r.out).toBe('');
  });
});
