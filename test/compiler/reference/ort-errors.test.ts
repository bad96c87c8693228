// onnxruntime's C++ messages translated into what the user did wrong (src/compiler/reference/model.ts), on small
// hand-built ONNX files: a graph whose input does not take CSI windows [N,3,114,10] float32 is refused
// before onnxruntime runs (one line naming the model, the input and the mismatch); load failures (an op
// that does not exist, an opset onnxruntime does not support, bytes that are not ONNX) and run failures
// (a node that fails on the data, a graph that overflows to Inf) become one line naming the model.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, encode, floatTensor, int64Tensor, type ModelSpec } from '../onnx/onnx-builder.ts';
import { encodeNpy } from '../../../src/io/npy.ts';
import { cleanOrtMessage, explainLoadError, runReference, runWithIntermediates, ReferenceModelError } from '../../../src/compiler/reference/model.ts';
import { PoseEdgeError } from '../../../src/errors.ts';
import { runCli } from '../../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-ort-'));
const N = 4;
const X = join(dir, 'x.npy');
const Y = join(dir, 'y.npy');
const MEAN = join(dir, 'mean.npy');
writeFileSync(X, encodeNpy(Float32Array.from({ length: N * 3420 }, (_, i) => 1 + (i % 13)), [N, 3, 114, 10]));
writeFileSync(Y, encodeNpy(Float32Array.from({ length: N * 34 }, (_, i) => 0.1 + 0.02 * (i % 34)), [N, 17, 2]));
writeFileSync(MEAN, encodeNpy(new Float32Array(34).fill(0.5), [17, 2]));

function model(name: string, spec: ModelSpec): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, encode(buildModel(spec)));
  return path;
}
const relu = (shape: (number | string)[], type: 'float' | 'int64' = 'float'): ModelSpec => ({
  inputs: [['csi', shape, type]],
  outputs: [['y', undefined, type]],
  nodes: [{ op: type === 'float' ? 'Relu' : 'Identity', inputs: ['csi'], outputs: ['y'] }],
});

/** `eval --weights none` on the model: the error it ends with. */
async function evalError(path: string): Promise<Error> {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await runCli('eval', ['--model', path, '--weights', 'none', '--data', X, '--labels', Y, '--mean-pose', MEAN]);
  } catch (e) {
    return e as Error;
  }
  throw new Error('eval succeeded');
}

afterEach(() => vi.restoreAllMocks());

describe('a graph whose input does not take the CSI windows is refused before onnxruntime runs', () => {
  const data = `the windows of ${X}, float32 [4,3,114,10]`;
  it('input [N,3,114,9]: names the input, both shapes and the dimension', async () => {
    const p = model('nine', relu(['N', 3, 114, 9]));
    const e = await evalError(p);
    expect(e).toBeInstanceOf(ReferenceModelError);
    expect(e.message).toBe(`${p}: the graph's input 'csi' is float32 [N,3,114,9]; pose-edge feeds ${data} (dimension 3 is 9 in the graph, 10 in the data)`);
  });

  it('an int64 input, a rank-3 input, two inputs, a fixed batch of 1', async () => {
    const i64 = model('int64', relu(['N', 3, 114, 10], 'int64'));
    expect((await evalError(i64)).message).toBe(`${i64}: the graph's input 'csi' is int64 [N,3,114,10]; pose-edge feeds ${data}`);
    const r3 = model('rank3', relu(['N', 342, 10]));
    expect((await evalError(r3)).message).toBe(`${r3}: the graph's input 'csi' is float32 [N,342,10] (rank 3); pose-edge feeds ${data} (rank 4)`);
    const two = model('two', {
      inputs: [['csi', ['N', 3, 114, 10]], ['mask', ['N', 3, 114, 10]]],
      outputs: [['y']],
      nodes: [{ op: 'Add', inputs: ['csi', 'mask'], outputs: ['y'] }],
    });
    expect((await evalError(two)).message).toBe(
      `${two}: the graph has 2 inputs ('csi' float32 [N,3,114,10], 'mask' float32 [N,3,114,10]); pose-edge feeds exactly one: ${data}`,
    );
    const b1 = model('batch1', relu([1, 3, 114, 10]));
    expect((await evalError(b1)).message).toBe(
      `${b1}: the graph's input 'csi' is float32 [1,3,114,10]; pose-edge feeds ${data} (dimension 0 is 1 in the graph, 4 in the data; the graph has a fixed batch size: export it with a dynamic batch axis)`,
    );
  });

  it('the calibration path (runWithIntermediates) checks the same way', async () => {
    const bytes = encode(buildModel(relu(['N', 3, 114, 9])));
    await expect(runWithIntermediates(bytes, { dims: [2, 3, 114, 10], data: new Float32Array(2 * 3420) }, ['y'], { where: 'm.onnx', data: 'the calibration windows of c.npy' })).rejects.toThrow(
      "m.onnx: the graph's input 'csi' is float32 [N,3,114,9]; pose-edge feeds the calibration windows of c.npy, float32 [2,3,114,10] (dimension 3 is 9 in the graph, 10 in the data)",
    );
  });
});

describe('onnxruntime failures become one line naming the model', () => {
  it('an op that does not exist', async () => {
    const p = model('noop', { inputs: [['csi', ['N', 3, 114, 10]]], outputs: [['y']], nodes: [{ name: 'mystery', op: 'NoSuchOp', inputs: ['csi'], outputs: ['y'] }] });
    expect((await evalError(p)).message).toBe(
      `${p}: onnxruntime cannot load the model: node 'mystery' uses op NoSuchOp, which does not exist at opset 17 (unsupported op, or an opset too old for it)`,
    );
  });

  it('an opset newer than onnxruntime supports', async () => {
    const p = model('opset99', { ...relu(['N', 3, 114, 10]), opset: 99 });
    expect((await evalError(p)).message).toMatch(
      new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: onnxruntime cannot load the model: the model is stamped with opset 99, onnxruntime supports the ai\\.onnx domain up to opset \\d+ \\(export with a lower opset_version\\)$`),
    );
  });

  it('bytes that are not ONNX', async () => {
    await expect(runReference(Uint8Array.of(1, 2, 3, 4, 5), { dims: [1, 3, 114, 10], data: new Float32Array(3420) }, { where: 'junk.onnx' })).rejects.toThrow(
      'junk.onnx: onnxruntime cannot load the model: not a valid ONNX file (protobuf parsing failed)',
    );
  });

  it('a node that fails on the data names the node, its op and the data, without C++ source locations', async () => {
    // 4 windows of 3420 values cannot be reshaped into rows of 7.
    const p = model('reshape', {
      inputs: [['csi', ['N', 3, 114, 10]]],
      outputs: [['y']],
      initializers: [int64Tensor('shape', [2], [7, -1])],
      nodes: [{ name: '/head/Reshape', op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['y'] }],
    });
    const e = await evalError(p);
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: onnxruntime run failed: node '/head/Reshape' \\(Reshape\\) fails on the windows of ${X.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*reshape.*`, 'i'));
    expect(e.message).not.toMatch(/onnxruntime_src|\.cc:|\.h:|\n/);
  });

  it('a graph that overflows to Inf on finite windows names the output and the sample', async () => {
    const p = model('div0', {
      inputs: [['csi', ['N', 3, 114, 10]]],
      outputs: [['y']],
      initializers: [floatTensor('zero', [1], [0])],
      nodes: [{ op: 'Div', inputs: ['csi', 'zero'], outputs: ['y'] }],
    });
    const e = await evalError(p);
    expect(e).toBeInstanceOf(PoseEdgeError);
    expect(e.message).toBe(`${p}: output 'y' of sample 0 of the windows of ${X} is Infinity (its inputs are finite: the graph overflows on them)`);
  });

  it('message cleaning drops source locations and signatures, and keeps unknown messages readable', () => {
    expect(cleanOrtMessage('/onnxruntime_src/onnxruntime/core/graph/x.h:46 void onnxruntime::f(const std::string&, int) Something went wrong.\n  More.')).toBe('Something went wrong. More.');
    expect(explainLoadError('[ONNXRuntimeError] : 1 : FAIL : Load failed')).toBe('Load failed');
  });
});
