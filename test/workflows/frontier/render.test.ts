// The frontier's pure parts on hand-made results: the Pareto frontier, the chip budgets, the plot (one
// marker per size and precision, the frontier through exactly the Pareto points, latency or instructions on
// the chip axis) and the doc (bench's c3LatencyMs used when present, "not yet measured (issue 13)" when not,
// and the instruction figures labelled by the flags they were counted at).
import { describe, expect, it } from 'vitest';
import { paretoFront } from '../../../src/workflows/frontier/pareto.ts';
import { ESP32_C3, ESP32_S3, fits, fittingChips } from '../../../src/workflows/frontier/chips.ts';
import { byteTicks, logTicks, renderFrontierSvg } from '../../../src/workflows/frontier/plot.ts';
import { FAMILY, LATENCY_MISSING, PUBLISHED_PARAMS, renderFrontierDoc } from '../../../src/workflows/frontier/doc.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRONTIER_FIXTURES } from '../../compiler/compile/frontier-fixture.ts';
import type { FrontierResult, FrontierRow, Precision, Size } from '../../../src/workflows/frontier/measure.ts';
import { DEFAULT_THRESHOLDS } from '../../../src/workflows/parity/compare.ts';

function row(size: Size, precision: Precision, pck: number, instr: number, flash: number, latency: { low: number; high: number } | null, arena = 8000): FrontierRow {
  const ref = { path: `models/${size}/${size}.onnx`, sha256: 'ab'.repeat(32) };
  return {
    size, precision, params: 1000, onnx: ref, weights: precision === 'fp32' ? null : ref, referencePck20: pck + 0.1, ortUs: 90,
    fp32WeightBytes: precision === 'fp32' ? flash * 4 : null,
    deployed: precision === 'fp32' ? null : {
      bits: precision === 'int8' ? 8 : 4, weightBytes: flash - 20000, arenaBytes: arena, codeBytes: 20000, flashBytes: flash, rv32Instructions: instr, macs: instr / 3,
      c3LatencyMs: latency, hostUs: 40, ortUs: 90, ratio: 0.44, pck20: pck, benchPck20: pck,
      parity: { samples: 512, bitExact: true, mismatches: 0, meanErrTorso: 0.001, maxErrTorso: 0.01, pckAgreement: 100, pass: true, failed: [] },
      fits: fittingChips({ arenaBytes: arena, flashBytes: flash, placedSramBytes: 16 * 1024 }), modelSha256: 'cd'.repeat(32),
    },
  };
}

function result(withLatency: boolean, espIdfFlags = withLatency): FrontierResult {
  const lat = (ms: number) => (withLatency ? { low: ms, high: ms * 1.2 } : null);
  const rows: FrontierRow[] = [
    row('nano', 'fp32', 67.6, 0, 160000, null),
    row('nano', 'int8', 67.8, 1.1e6, 55000, lat(8)),
    row('nano', 'int4', 66.1, 1.0e6, 42000, lat(7)),
    row('micro', 'fp32', 72.1, 0, 300000, null),
    row('micro', 'int8', 72.1, 1.9e6, 97000, lat(13)),
    row('micro', 'int4', 71.2, 1.7e6, 67000, lat(12)),
    // dominated on both axes by micro int8: more instructions and flash, less accurate
    row('base', 'int4', 70.0, 2.0e6, 400000, lat(14), 600 * 1024),
  ];
  return {
    rows, sizes: ['nano', 'micro', 'base'], sources: 'abc1234', machine: 'test machine', runs: 10, testWindows: 512, thresholds: DEFAULT_THRESHOLDS,
    espIdfFlags, latency: withLatency, manifest: null, hashMismatches: {}, seconds: 60,
  };
}

describe('frontier', () => {
  it('paretoFront keeps exactly the points nothing beats on both cost and accuracy, by increasing cost', () => {
    const pts = [
      { cost: 1, accuracy: 60 },
      { cost: 2, accuracy: 70 },
      { cost: 3, accuracy: 65 }, // beaten by the second
      { cost: 4, accuracy: 72 },
      { cost: 4, accuracy: 71 }, // same cost, less accurate
      { cost: 2, accuracy: 70 }, // equal to the second: both stay
    ];
    expect(paretoFront(pts)).toEqual([0, 1, 5, 3]);
    expect(paretoFront([])).toEqual([]);
  });

  it('chip budgets: the C3 takes an arena up to 400 KB and 4 MB of flash; the S3 any arena (PSRAM)', () => {
    const f = { arenaBytes: 0, flashBytes: 1000, placedSramBytes: 0 };
    expect(fits(ESP32_C3, { ...f, arenaBytes: 400 * 1024, flashBytes: 4 * 1024 * 1024 })).toBe(true);
    expect(fits(ESP32_C3, { ...f, arenaBytes: 400 * 1024 + 1 })).toBe(false);
    expect(fits(ESP32_C3, { ...f, arenaBytes: 1000, flashBytes: 4 * 1024 * 1024 + 1 })).toBe(false);
    expect(fits(ESP32_S3, { ...f, arenaBytes: 2 * 1024 * 1024 })).toBe(true);
    expect(fittingChips({ ...f, arenaBytes: 600 * 1024 })).toEqual(['ESP32-S3']);
    expect(fittingChips({ ...f, arenaBytes: 10, flashBytes: 5 * 1024 * 1024 })).toEqual([]);
    // the kernels in IRAM and small constants in DRAM count against the SRAM beside the arena; PSRAM takes
    // only the arena
    expect(fits(ESP32_C3, { ...f, arenaBytes: 350 * 1024, placedSramBytes: 50 * 1024 })).toBe(true);
    expect(fits(ESP32_C3, { ...f, arenaBytes: 350 * 1024, placedSramBytes: 50 * 1024 + 1 })).toBe(false);
    expect(fits(ESP32_S3, { ...f, arenaBytes: 2 * 1024 * 1024, placedSramBytes: 512 * 1024 })).toBe(true);
    expect(fits(ESP32_S3, { ...f, arenaBytes: 10, placedSramBytes: 512 * 1024 + 1 })).toBe(false);
  });

  it('axis ticks: 1-2-5 decades and powers of two for bytes', () => {
    expect(logTicks(800, 30000)).toEqual([1000, 2000, 5000, 10000, 20000]);
    expect(byteTicks(40000, 300000)).toEqual([65536, 131072, 262144]);
  });

  for (const withLatency of [false, true]) {
    it(`the plot ${withLatency ? 'with' : 'without'} bench's latency: one marker per size and precision, the frontier through the Pareto points`, () => {
      const svg = renderFrontierSvg(result(withLatency));
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      // two panels: 6 deployed markers in each, 2 fp32 markers in the flash panel only
      const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
      expect(titles.filter((t) => !t.endsWith('fp32'))).toHaveLength(10);
      expect(titles.filter((t) => t.endsWith('fp32'))).toHaveLength(2);
      expect(svg).toContain(withLatency ? 'accuracy vs latency on the ESP32-C3' : 'accuracy vs rv32imc instructions');
      expect(svg).toContain(withLatency ? 'ESP32-C3 latency estimate per inference, ms' : "bench flags gcc -O2, not yet ESP-IDF's");
      // frontier vertices: a staircase through nano int4, nano int8, micro int4, micro int8 (base int4 is dominated)
      const fronts = [...svg.matchAll(/<polyline class="frontier" points="([^"]*)"/g)].map((m) => m[1].split(' ').length);
      expect(fronts).toEqual([7, 7]);
      // base's 600 KB arena does not fit the C3's SRAM: ringed (S3 only)
      expect(svg).toMatch(/<title>base int4<\/title><circle[^>]*fill="white"[^>]*\/><circle[^>]*r="9"/);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    });
  }

  it('the doc reads the latency when bench reports it, and says it is not yet measured when not', () => {
    const without = renderFrontierDoc(result(false), { svg: 'frontier.svg' });
    expect(without).toContain(`| nano | int4 | 22,000 | 8,000 | 20,000 | 42,000 | 1,000,000 | 333,333 | ${LATENCY_MISSING} |`);
    expect(without).toContain("rv32imc instructions / inference (bench's gcc -O2, not yet the ESP-IDF flags: issue 13)");
    expect(without).toContain('against rv32imc instructions: nano int4 -> nano int8 -> micro int4 -> micro int8.');
    const withLat = renderFrontierDoc(result(true), { svg: 'frontier.svg' });
    expect(withLat).not.toContain(`| ${LATENCY_MISSING} |`);
    expect(withLat).toContain('| 7.0-8.4 |');
    expect(withLat).toContain('rv32imc instructions / inference (ESP-IDF compile line)');
    expect(withLat).toContain('against the C3 latency estimate (midpoint): nano int4 -> nano int8 -> micro int4 -> micro int8.');
    expect(withLat).toContain('| ESP32-C3 | 400 KB SRAM, 4 MB flash (rv32imc at 160 MHz, no PSRAM) | nano int8, nano int4, micro int8, micro int4 |');
    expect(withLat).toContain('![accuracy against on-chip cost and flash for each size and precision](frontier.svg)');
    for (const doc of [without, withLat]) expect(doc).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('the doc flags a reproduced model whose SHA-256 differs from models/frontier.json, and a size with no record', () => {
    const res = result(false);
    const base = res.rows.find((r) => r.size === 'base')!;
    res.hashMismatches = { [base.onnx.path]: ['00'.repeat(32), base.onnx.sha256] };
    res.manifest = { torch: '1.13.1', threads: 1, sizes: { base: {
      params: 1000, trainWindows: 40_000, epochs: 6, qatEpochs: 3, trainSeconds: 7200, recipeNote: 'one epoch took 25 minutes',
      torch: { fp32: 70, int8Ptq: 70, int4Ptq: 30, int4Qat: 69 }, files: {},
    } } };
    const doc = renderFrontierDoc(res, { svg: 'frontier.svg' });
    expect(doc).toContain('base is reproduced by `reference/make_models.sh frontier` (not committed; **1 files differ from the SHA-256 recorded in models/frontier.json**); the script\'s defaults are the recorded recipes; one size alone: `SIZES=base BASE_EPOCHS=6 BASE_QAT_EPOCHS=3 reference/make_models.sh frontier`.');
    expect(doc).toContain(`\`${base.onnx.path}\` ${base.onnx.sha256.slice(0, 16)} **(differs from models/frontier.json)**`);
    expect(doc).toContain('except base (40,000 windows, 6 + 3 epochs: one epoch took 25 minutes)');
    expect(doc).toContain('| base | d=160, L=3, H=4, FFN 320, head 256, graph head | 1,000 | 726,437 |');
    res.manifest = null;
    expect(renderFrontierDoc(res, { svg: 'frontier.svg' })).toContain('**no recorded SHA-256 for base in models/frontier.json**');
  });

  it('a row whose int8 activations failed parity is shown as deployed with int16 activations, and says what failed', () => {
    const res = result(true);
    const base = res.rows.find((r) => r.size === 'base' && r.precision === 'int4')!;
    base.deployed!.actBits = 16;
    base.deployed!.int8ActivationsFailed = ['max error 7.636% of torso exceeds --max-max-err 5.000%'];
    const doc = renderFrontierDoc(res, { svg: 'frontier.svg' });
    expect(doc).toContain('Deployed with int16 activations (`--act-bits 16`) because int8 activations failed parity:');
    expect(doc).toContain('- base int4 with int8 activations: max error 7.636% of torso exceeds --max-max-err 5.000%');
    expect(doc.match(/\| base \| int4, int16 activations \|/g)).toHaveLength(2);
    expect(doc).not.toMatch(/\| (nano|micro) \| int[48], int16 activations/);
  });

  it('the doc\'s family descriptions of tiny, small and base are the presets reference/model.py exported (fill.json), within 5% of the published counts', () => {
    for (const size of ['tiny', 'small', 'base'] as const) {
      const spec = JSON.parse(readFileSync(join(FRONTIER_FIXTURES, size, 'fill.json'), 'utf8'));
      const c = spec.config;
      expect(FAMILY[size]).toBe(`d=${c.d}, L=${c.layers}, H=${c.heads}, FFN ${c.ffn}, head ${c.head_hidden}, ${c.graph ? 'graph head' : 'no graph head'}`);
      expect(Math.abs(spec.params - PUBLISHED_PARAMS[size]) / PUBLISHED_PARAMS[size]).toBeLessThan(0.05);
    }
  });
});
