import { describe, expect, it } from 'vitest';
import { fuseAttentionPool } from '../../../src/compiler/passes/fuse-attention-pool.ts';
import { int64Tensor, type ModelSpec } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

function pool(keepdims: number): ModelSpec {
  return {
    inputs: [['x', [1, 10, 6]], ['scores', [1, 10, 1]]],
    outputs: [['y', keepdims ? [1, 1, 6] : [1, 6]]],
    initializers: [int64Tensor('axes', [1], [1])],
    nodes: [
      { name: '/pool/Softmax', op: 'Softmax', inputs: ['scores'], outputs: ['p'], attrs: { axis: 1 } },
      { name: '/pool/Mul', op: 'Mul', inputs: ['p', 'x'], outputs: ['m'] },
      { name: '/pool/ReduceSum', op: 'ReduceSum', inputs: ['m', 'axes'], outputs: ['y'], attrs: { keepdims } },
    ],
  };
}

describe('fuse-attention-pool', () => {
  it('fuses softmax over the token scores and the weighted sum', async () => {
    const g = await applyPass(pool(0), [], fuseAttentionPool);
    expect(opsOf(g)).toEqual(['pe.AttentionPool']);
    expect(g.nodes[0].inputs).toEqual(['x', 'scores']);
    expect(g.nodes[0].attrs).toEqual({ tokens: 10, dim: 6 });
    expect(g.nodes[0].name).toBe('/pool/AttentionPool');
  });

  it('leaves the keepdims=1 form (output [1,1,d], not the catalogued [1,d]) unfused', async () => {
    const g = await applyPass(pool(1), [], fuseAttentionPool);
    expect(opsOf(g)).toEqual(['Softmax', 'Mul', 'ReduceSum']);
  });
});
