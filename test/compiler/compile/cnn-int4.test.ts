// Parity of the convolutional reference model (models/cnn: Conv1d stack with BatchNorm folded, MaxPool,
// depthwise + pointwise convs, GlobalAveragePool, a temporal dilated conv, an MLP head; int4 QAT weights with
// per-output-channel scales) at its deployed flags (src/bundled.ts): --act-bits 16 (at int8 activations the conv
// stack's rounding reaches 12% of the torso on one window: docs/accuracy.md) except the first conv's output,
// int8 by --tensor-bits so the second conv runs the int8-activation kernel, on every window of the bundled test set:
// the compiled C against the integer simulator (zero differences) and against the reference model on
// onnxruntime-node (issue 3's thresholds, which issue 14 asks of this model); the arena at its lower bound.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR } from '../../../src/paths.ts';
import { DEPLOYED } from '../../../src/bundled.ts';
import { figures, itMeetsParityThresholds, runParity, type ParityFigures, type ParityRun } from './harness.ts';

let run: ParityRun;
let f: ParityFigures;

beforeAll(async () => {
  run = await runParity(join(MODELS_DIR, 'cnn', 'cnn.onnx'), join(MODELS_DIR, 'cnn', 'pose_cnn_int4.npz'), 4, DEPLOYED.cnn.actBits, Infinity, DEPLOYED.cnn.tensorBits);
  f = figures(run);
  process.stdout.write(`cnn int4 parity over ${run.n} windows: ${JSON.stringify(f)}\n`);
});

describe('cnn int4 (--act-bits 16, the first conv\'s output int8): generated C vs simulator vs reference', () => {
  it('runs the whole bundled test set, through the conv, pooling and transpose kernels', () => {
    expect(run.n).toBeGreaterThanOrEqual(512);
    const kinds = new Set(run.compiled.report.ops.map((o) => o.kind));
    for (const k of ['conv', 'maxpool', 'avgpool', 'transpose', 'linear']) expect(kinds).toContain(k);
    // --tensor-bits: conv1 writes int8, so conv2 reads int8 (the two-lane kernel); the rest stays int16.
    expect(run.compiled.report.ops.slice(1, 4).map((o) => o.kernel)).toEqual(['pk_conv_w4_i16_i8', 'pk_conv_w4_i8_i16', 'pk_maxpool_i16_i16']);
  });

  it('the arena is within 10% of its lower bound', () => {
    const r = run.compiled.report;
    expect(r.arenaBytes).toBeLessThanOrEqual(Math.ceil(1.1 * r.arenaLowerBound));
  });

  itMeetsParityThresholds(() => f);
});
