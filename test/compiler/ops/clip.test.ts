// ONNX Clip: its float semantics against onnxruntime, and end to end: its own kernel (pk_clip_X, a requantization saturated to the bounds' codes) on the
// CSI window, with both bounds or only the lower one, and fused into the Linear before it (ReLU6 in the feed-forward block of a trained-shape model): C == simulator, the
// simulator against onnxruntime within the stated bound, and the node named when a bound is not constant.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFloat, checkOp } from './conformance.ts';
import { floatTensor } from '../onnx/onnx-builder.ts';
import { onnxPb } from '../../../src/compiler/onnx/load.ts';
import { REPO_ROOT } from '../../../src/paths.ts';
import { figures, runParity } from '../compile/harness.ts';

const CSI: [string, (number | string)[]] = ['csi', ['N', 3, 114, 10]];

/** The bound for a Clip whose output is the model output: the input's and the output's rounding, half a step each. */
const bound = (r: { inputScale: number; outputScale: number }) => r.inputScale / 2 + r.outputScale / 2 + 1e-6;

describe('Clip', () => {
  it('float semantics (import + interpreter) match onnxruntime: both bounds, only the lower, only the upper', async () => {
    const X: [string, number[]] = ['x', [1, 4, 6]];
    const cases: [string[], ReturnType<typeof floatTensor>[]][] = [
      [['x', 'lo', 'hi'], [floatTensor('lo', [], [-0.5]), floatTensor('hi', [], [0.75])]],
      [['x', 'lo'], [floatTensor('lo', [], [0.25])]],
      [['x', '', 'hi'], [floatTensor('hi', [], [-0.25])]],
    ];
    for (const [inputs, initializers] of cases) {
      for (const o of await checkFloat({ inputs: [X], outputs: [['y', [1, 4, 6]]], initializers, nodes: [{ op: 'Clip', inputs, outputs: ['y'] }] })) {
        expect(o.shape).toEqual(o.refShape);
        expect(o.relErr).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('opset 17 (bounds as inputs): its own kernel, C == simulator, within half an input and half an output step of onnxruntime', async () => {
    const r = await checkOp({
      inputs: [CSI],
      outputs: [['y']],
      initializers: [floatTensor('lo', [], [2.5]), floatTensor('hi', [], [20])],
      nodes: [{ op: 'Clip', inputs: ['csi', 'lo', 'hi'], outputs: ['y'] }],
    });
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_clip_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    expect(r.maxErr).toBeLessThanOrEqual(bound(r));
    expect(r.maxErr).toBeGreaterThan(0);
  });

  it('a missing upper bound (a ReLU with a floor)', async () => {
    const r = await checkOp({
      inputs: [CSI],
      outputs: [['y']],
      initializers: [floatTensor('lo', [], [3])],
      nodes: [{ op: 'Clip', inputs: ['csi', 'lo'], outputs: ['y'] }],
    });
    expect(r.cVsSim).toBe(0);
    expect(r.maxErr).toBeLessThanOrEqual(bound(r));
  });

  it('a bound that is not a constant is refused, naming the node', async () => {
    await expect(
      checkOp({ inputs: [CSI, ['lo', []]], outputs: [['y']], nodes: [{ op: 'Clip', inputs: ['csi', 'lo'], outputs: ['y'], name: 'clip_var' }] }),
    ).rejects.toThrow(/clip_var.*Clip min \(a constant\)/);
  });

  it('ReLU6 after a Linear (a model-family variant with its ReLUs made Clip(0, 6)): fused, bit-exact, within the parity thresholds', async () => {
    const dir = join(REPO_ROOT, 'test', 'fixtures', 'variants', 'd64_l2_h4_post_relu_graph_op17');
    const model = onnxPb.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
    const graph = model.graph!;
    const relus = graph.node!.filter((n) => n.opType === 'Relu');
    expect(relus.length).toBeGreaterThan(0);
    graph.initializer!.push(onnxPb.TensorProto.create(floatTensor('relu6_lo', [], [0])), onnxPb.TensorProto.create(floatTensor('relu6_hi', [], [6])));
    for (const n of relus) {
      n.opType = 'Clip';
      n.input = [n.input![0], 'relu6_lo', 'relu6_hi'];
    }
    const path = join(mkdtempSync(join(tmpdir(), 'pe-relu6-')), 'model.onnx');
    writeFileSync(path, onnxPb.ModelProto.encode(model).finish());
    const run = await runParity(path, join(dir, 'weights_int4.npz'), 4);
    const notes = run.compiled.report.ops.flatMap((o) => o.quant);
    expect(notes.filter((q) => /Clip ".*" \[0, 6\] fused/.test(q)).length).toBe(relus.length);
    expect(run.compiled.report.ops.map((o) => o.kind)).not.toContain('clip');
    const f = figures(run);
    expect(f.simVsCDifferences).toBe(0);
    expect(f.meanErrTorso).toBeLessThanOrEqual(0.01);
    expect(f.maxErrTorso).toBeLessThanOrEqual(0.05);
    expect(f.pckVsReference).toBeGreaterThanOrEqual(99);
  });
});
