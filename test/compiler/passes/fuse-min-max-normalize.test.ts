import { describe, expect, it } from 'vitest';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { fuseMinMaxNormalize } from '../../../src/compiler/passes/fuse-min-max-normalize.ts';
import { floatTensor, type ModelSpec } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

function normalization(axes: number[]): ModelSpec {
  return {
    inputs: [['x', [1, 3, 4, 5]]],
    outputs: [['y', [1, 3, 4, 5]]],
    initializers: [floatTensor('eps', [], [1e-6])],
    nodes: [
      { name: '/ReduceMin', op: 'ReduceMin', inputs: ['x'], outputs: ['mn'], attrs: { axes, keepdims: 1 } },
      { name: '/ReduceMax', op: 'ReduceMax', inputs: ['x'], outputs: ['mx'], attrs: { axes, keepdims: 1 } },
      { name: '/Sub', op: 'Sub', inputs: ['x', 'mn'], outputs: ['num'] },
      { name: '/Sub_1', op: 'Sub', inputs: ['mx', 'mn'], outputs: ['range'] },
      { name: '/Add', op: 'Add', inputs: ['range', 'eps'], outputs: ['den'] },
      { name: '/Div', op: 'Div', inputs: ['num', 'den'], outputs: ['y'] },
    ],
  };
}

describe('fuse-min-max-normalize', () => {
  it('fuses the whole-window normalization as torch exports it', async () => {
    const g = await applyPass(normalization([1, 2, 3]), [foldConstants], fuseMinMaxNormalize, [0, 50]);
    expect(opsOf(g)).toEqual(['pe.MinMaxNormalize']);
    expect(g.nodes[0].attrs.epsilon).toBeCloseTo(1e-6, 12);
    expect(g.nodes[0].inputs).toEqual(['x']);
    expect(g.nodes[0].sources).toEqual(['/ReduceMin', '/ReduceMax', '/Sub', '/Sub_1', '/Add', '/Div']);
  });

  it('leaves a per-channel normalization alone (it is not over the whole window)', async () => {
    const g = await applyPass(normalization([2, 3]), [foldConstants], fuseMinMaxNormalize, [0, 50]);
    expect(opsOf(g)).toEqual(['ReduceMin', 'ReduceMax', 'Sub', 'Sub', 'Add', 'Div']);
  });
});
