import { describe, expect, it } from 'vitest';
import { fuseMatMulConst } from '../../../src/compiler/passes/fuse-matmul-const.ts';
import { floatTensor, randomFloats } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

describe('fuse-matmul-const', () => {
  it('fuses a constant matrix applied on the left (the adjacency product over keypoints)', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 5, 3]]],
        outputs: [['y', [1, 4, 3]]],
        initializers: [floatTensor('refine.adj', [4, 5], randomFloats(20, 1))],
        nodes: [{ name: '/refine/MatMul', op: 'MatMul', inputs: ['refine.adj', 'x'], outputs: ['y'] }],
      },
      [],
      fuseMatMulConst,
    );
    expect(opsOf(g)).toEqual(['pe.MatMulConst']);
    expect(g.nodes[0].attrs).toEqual({ rows: 4, inner: 5, cols: 3, aInitializer: 'refine.adj' });
    expect(g.nodes[0].sources).toEqual(['/refine/MatMul']);
  });

  it('leaves a constant on the right (that is a Linear) alone', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 5, 3]]],
        outputs: [['y', [1, 5, 2]]],
        initializers: [floatTensor('w', [3, 2], randomFloats(6, 2))],
        nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      },
      [],
      fuseMatMulConst,
    );
    expect(opsOf(g)).toEqual(['MatMul']);
  });
});
