// `compile --calib` with NaN/+-Inf amplitudes (was: exit 70 with a stack trace from the calibration): they
// are replaced by 0 like everywhere else, counted in the report (`nonFinite`) and warned about; the kernel
// is exactly the one compiled from the same windows with zeros in those places.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModel } from '../../../src/compiler/compile.ts';
import { BUNDLED, bundledModel } from '../../../src/bundled.ts';
import { encodeNpy, readNpy } from '../../../src/io/npy.ts';
import { runCli } from '../../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-calib-nf-'));
const N = 16;
const calib = (readNpy(BUNDLED.calib, 'calib').data as Float32Array).slice(0, N * 3420);
const withBad = Float32Array.from(calib);
const withZeros = Float32Array.from(calib);
for (const [i, v] of [[7, NaN], [3420 * 5 + 1234, Infinity], [3420 * 15 + 3419, -Infinity]] as const) {
  withBad[i] = v;
  withZeros[i] = 0;
}
const BAD = join(dir, 'calib-bad.npy');
const ZERO = join(dir, 'calib-zero.npy');
writeFileSync(BAD, encodeNpy(withBad, [N, 3, 114, 10]));
writeFileSync(ZERO, encodeNpy(withZeros, [N, 3, 114, 10]));

const opts = { modelPath: bundledModel(4).modelPath, weightsPath: bundledModel(4).weightsPath, bits: 4 as const, actBits: 8 as const, outDir: join(dir, 'unused'), write: false };

afterEach(() => vi.restoreAllMocks());

describe('compile --calib with non-finite amplitudes', () => {
  it('compiles the same kernel as from zeros in their places, and counts them', async () => {
    const bad = await compileModel({ ...opts, calibPath: BAD });
    const zero = await compileModel({ ...opts, calibPath: ZERO });
    expect(bad.report.nonFinite).toBe(3);
    expect(zero.report.nonFinite).toBe(0);
    expect(bad.warnings).toEqual([`${BAD}: replaced 3 non-finite values (1 NaN, 1 +Inf, 1 -Inf) by 0; first at window 0, link 0, subcarrier 0, packet 7`]);
    expect(zero.warnings).toEqual([]);
    expect({ ...bad.report, calib: '', nonFinite: 0 }).toEqual({ ...zero.report, calib: '' });
    // Every generated file is identical once the --calib path in the banners is set aside.
    for (const [name, text] of bad.files) {
      if (name === 'compile-report.json' || name === 'pose-edge-manifest.json') continue;
      expect(text.replaceAll(BAD, ZERO).replaceAll('calib-bad.npy', 'calib-zero.npy'), name).toBe(zero.files.get(name));
    }
  });

  it('through the CLI: exit 0, nonFinite in --json and in compile-report.json, one warning line on stderr', async () => {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    const out = join(dir, 'component');
    const r = JSON.parse(await runCli('compile', ['--calib', BAD, '--out', out, '--json']));
    expect(r.nonFinite).toBe(3);
    expect(JSON.parse(readFileSync(join(out, 'compile-report.json'), 'utf8')).nonFinite).toBe(3);
    expect(err).toBe(`pose-edge: warning: ${BAD}: replaced 3 non-finite values (1 NaN, 1 +Inf, 1 -Inf) by 0; first at window 0, link 0, subcarrier 0, packet 7\n`);
  });
});
