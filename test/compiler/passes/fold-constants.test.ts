import { describe, expect, it } from 'vitest';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { floatTensor, int64Tensor } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

describe('fold-constants', () => {
  it('folds a whole Shape/Gather/Unsqueeze/Concat subgraph into a constant Reshape target', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 2, 6]]],
        outputs: [['y', [1, 3, 4]]],
        initializers: [int64Tensor('zero', [], [0]), int64Tensor('ax0', [1], [0]), int64Tensor('rest', [2], [3, 4])],
        nodes: [
          { name: '/Shape', op: 'Shape', inputs: ['x'], outputs: ['s'] },
          { name: '/Gather', op: 'Gather', inputs: ['s', 'zero'], outputs: ['b'], attrs: { axis: 0 } },
          { name: '/Unsqueeze', op: 'Unsqueeze', inputs: ['b', 'ax0'], outputs: ['b1'] },
          { name: '/Concat', op: 'Concat', inputs: ['b1', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
          { name: '/Reshape', op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
        ],
      },
      [],
      foldConstants,
    );
    expect(opsOf(g)).toEqual(['Reshape']);
    expect(Array.from(g.tensors.get('target')!.const as BigInt64Array, Number)).toEqual([1, 3, 4]);
  });

  it('folds Constant nodes and arithmetic on initializers, keeping run-time nodes', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 3]]],
        outputs: [['y', [1, 3]]],
        initializers: [floatTensor('w', [3], [1, 2, 3])],
        nodes: [
          { name: '/Constant', op: 'Constant', inputs: [], outputs: ['c'], attrs: { value: { tensor: floatTensor('', [3], [0.5, 0.5, 2]) } } },
          { name: '/Mul', op: 'Mul', inputs: ['w', 'c'], outputs: ['wc'] },
          { name: '/Add', op: 'Add', inputs: ['x', 'wc'], outputs: ['y'] },
        ],
      },
      [],
      foldConstants,
    );
    expect(opsOf(g)).toEqual(['Add']);
    expect(Array.from(g.tensors.get('wc')!.const as Float32Array)).toEqual([0.5, 1, 6]);
  });
});
