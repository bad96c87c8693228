import { describe, expect, it } from 'vitest';
import { canonicalizeViews } from '../../../src/compiler/passes/canonicalize-views.ts';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { int64Tensor } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

describe('canonicalize-views', () => {
  it('turns Reshape, Flatten, Squeeze and Unsqueeze into pe.Reshape with static shapes', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 2, 3, 4]]],
        outputs: [['y', [1, 24]]],
        initializers: [int64Tensor('s', [3], [1, 6, 4]), int64Tensor('ax', [1], [1]), int64Tensor('ax2', [1], [3])],
        nodes: [
          { name: '/Reshape', op: 'Reshape', inputs: ['x', 's'], outputs: ['a'] },
          { name: '/Unsqueeze', op: 'Unsqueeze', inputs: ['a', 'ax2'], outputs: ['b'] },
          { name: '/Squeeze', op: 'Squeeze', inputs: ['b', 'ax2'], outputs: ['c'] },
          { name: '/Flatten', op: 'Flatten', inputs: ['c'], outputs: ['y'], attrs: { axis: 1 } },
        ],
      },
      [foldConstants],
      canonicalizeViews,
    );
    expect(opsOf(g)).toEqual(['pe.Reshape', 'pe.Reshape', 'pe.Reshape', 'pe.Reshape']);
    expect(g.nodes.map((n) => n.attrs.shape)).toEqual([[1, 6, 4], [1, 6, 4, 1], [1, 6, 4], [1, 24]]);
    expect(g.nodes.map((n) => n.inputs.length)).toEqual([1, 1, 1, 1]);
    expect(g.nodes[3].sources).toEqual(['/Flatten']);
  });
});
