// The frontier sizes (tiny d=96 L=2 H=4, small d=128 L=2 H=4, base d=160 L=3 H=4, all with the graph head)
// compile, and the generated C matches the integer simulator bit for bit, on the graphs torch exports for
// those presets (test/fixtures/frontier: skeletons refilled with seeded untrained-range weights; the trained
// files are reproduced by `reference/make_models.sh frontier`, not committed). A few windows each, so the
// suite stays cheap; bench/frontier.ts runs every trained size and precision through `parity --virtual` on
// all 512 test windows. The thresholds against the reference are the parity defaults (labels mean nothing
// for untrained weights).
import { describe, expect, it } from 'vitest';
import { figures, runParity } from './harness.ts';
import { materialize } from './frontier-fixture.ts';

const WINDOWS = 6;

describe('frontier sizes (tiny, small, base)', () => {
  for (const size of ['tiny', 'small', 'base']) {
    it(`${size}: the full-size graph compiles (int4), C == simulator on ${WINDOWS} windows, within 1% mean / 5% max torso error and 99% PCK of the reference`, async () => {
      const m = materialize(size);
      // the skeleton is the whole model: its float values are the preset's parameters
      expect(m.params).toBe(m.spec.params);
      const run = await runParity(m.onnxPath, m.int4Path, 4, 8, WINDOWS);
      const r = run.compiled.report;
      const f = figures(run);
      process.stdout.write(`${size}: ${r.weightBytes} weight bytes, arena ${r.arenaBytes}, ${r.macs} MACs; ${JSON.stringify(f)}\n`);
      expect(run.n).toBe(WINDOWS);
      expect(r.ops.filter((o) => o.kind === 'layernorm').map((o) => o.name)).toHaveLength(2 * m.spec.config.layers);
      expect(f.simVsCDifferences).toBe(0);
      expect(f.meanErrTorso).toBeLessThanOrEqual(0.01);
      expect(f.maxErrTorso).toBeLessThanOrEqual(0.05);
      expect(f.pckVsReference).toBeGreaterThanOrEqual(99);
    });
  }
});
