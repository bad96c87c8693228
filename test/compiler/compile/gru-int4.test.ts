// Parity of the recurrent reference model (models/gru: a per-packet Linear + ReLU, one ONNX GRU layer over the
// 10 packets with integer gates, an MLP head on its last state; int4 QAT weights with per-output-channel
// scales) at its deployed flags (the defaults: int8 activations, but a GRU's input, state and gates are int16), on
// every window of the bundled test set: the compiled C against the integer simulator (zero differences) and
// against the reference model on onnxruntime-node (issue 3's thresholds, which issue 14 asks of this model);
// the arena at its lower bound.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR } from '../../../src/paths.ts';
import { figures, itMeetsParityThresholds, runParity, type ParityFigures, type ParityRun } from './harness.ts';

let run: ParityRun;
let f: ParityFigures;

beforeAll(async () => {
  run = await runParity(join(MODELS_DIR, 'gru', 'gru.onnx'), join(MODELS_DIR, 'gru', 'pose_gru_int4.npz'), 4);
  f = figures(run);
  process.stdout.write(`gru int4 parity over ${run.n} windows: ${JSON.stringify(f)}\n`);
});

describe('gru int4: generated C vs simulator vs reference', () => {
  it('runs the whole bundled test set: an int8 window, the projection to the int16 GRU input, the GRU', () => {
    expect(run.n).toBeGreaterThanOrEqual(512);
    expect(run.compiled.report.ops.map((o) => o.kernel).slice(0, 3)).toEqual(['pk_minmax_normalize_i8', 'pk_linear_w4r4_i8_i16', 'pk_gru_w4_i16']); // an int8 input takes the int8-activation linear (w4r4)
  });

  it('the arena is within 10% of its lower bound', () => {
    const r = run.compiled.report;
    expect(r.arenaBytes).toBeLessThanOrEqual(Math.ceil(1.1 * r.arenaLowerBound));
  });

  itMeetsParityThresholds(() => f);
});
