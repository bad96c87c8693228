import { describe, expect, it } from 'vitest';
import { canonicalizeViews } from '../../../src/compiler/passes/canonicalize-views.ts';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { fuseLinear } from '../../../src/compiler/passes/fuse-linear.ts';
import { floatTensor, int64Tensor, randomFloats } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

const prep = [foldConstants, canonicalizeViews];

describe('fuse-linear', () => {
  it('fuses MatMul by an [in,out] initializer + bias Add into a Linear with the weight transposed to [out,in]', async () => {
    const w = randomFloats(12, 1); // [4,3] as torch exports it for MatMul
    const g = await applyPass(
      {
        inputs: [['x', [1, 5, 4]]],
        outputs: [['y', [1, 5, 3]]],
        initializers: [floatTensor('onnx::MatMul_7', [4, 3], w), floatTensor('fc.bias', [3], [1, 2, 3])],
        nodes: [
          { name: '/fc/MatMul', op: 'MatMul', inputs: ['x', 'onnx::MatMul_7'], outputs: ['h'] },
          { name: '/fc/Add', op: 'Add', inputs: ['fc.bias', 'h'], outputs: ['y'] },
        ],
      },
      prep,
      fuseLinear,
    );
    expect(opsOf(g)).toEqual(['pe.Linear']);
    const n = g.nodes[0];
    expect(n.name).toBe('/fc/Linear');
    expect(n.attrs).toEqual({ inFeatures: 4, outFeatures: 3, tokens: 5, weightInitializer: 'onnx::MatMul_7', weightTransposed: true, biasInitializer: 'fc.bias', inputPerm: null });
    const wt = g.tensors.get(n.inputs[1])!;
    expect(wt.shape).toEqual([3, 4]);
    // element [o=2, i=1] of the [out,in] weight is element [i=1, o=2] of the ONNX initializer
    expect((wt.const as Float32Array)[2 * 4 + 1]).toBe(w[1 * 3 + 2]);
  });

  it('fuses Gemm with transB=1 without transposing, and with transB=0 transposing', async () => {
    for (const transB of [1, 0]) {
      const g = await applyPass(
        {
          inputs: [['x', [1, 4]]],
          outputs: [['y', [1, 3]]],
          initializers: [floatTensor('head.weight', transB ? [3, 4] : [4, 3], randomFloats(12, 2)), floatTensor('head.bias', [3], [0.5, 0, -1])],
          nodes: [{ name: '/head/Gemm', op: 'Gemm', inputs: ['x', 'head.weight', 'head.bias'], outputs: ['y'], attrs: { transB } }],
        },
        prep,
        fuseLinear,
      );
      expect(opsOf(g)).toEqual(['pe.Linear']);
      expect(g.nodes[0].attrs).toMatchObject({ inFeatures: 4, outFeatures: 3, tokens: 1, weightTransposed: transB === 0, biasInitializer: 'head.bias' });
    }
  });

  it('folds the per-packet Transpose + Reshape into an input permutation', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 3, 4, 5]]],
        outputs: [['y', [1, 5, 2]]],
        initializers: [int64Tensor('shape', [3], [1, 5, 12]), floatTensor('w', [12, 2], randomFloats(24, 3)), floatTensor('b', [2], [0.1, 0.2])],
        nodes: [
          { name: '/Transpose', op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 3, 1, 2] } },
          { name: '/Reshape', op: 'Reshape', inputs: ['t', 'shape'], outputs: ['r'] },
          { name: '/proj/MatMul', op: 'MatMul', inputs: ['r', 'w'], outputs: ['h'] },
          { name: '/proj/Add', op: 'Add', inputs: ['b', 'h'], outputs: ['y'] },
        ],
      },
      prep,
      fuseLinear,
    );
    expect(opsOf(g)).toEqual(['pe.Linear']);
    expect(g.nodes[0].inputs[0]).toBe('x');
    expect(g.nodes[0].attrs).toMatchObject({ inputPerm: [0, 3, 1, 2], tokens: 5, inFeatures: 12 });
    expect(g.nodes[0].sources).toEqual(['/Transpose', '/Reshape', '/proj/MatMul', '/proj/Add']);
  });

  it('keeps a bias-less Linear when the Add is not a bias (e.g. a residual)', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 2, 3]]],
        outputs: [['y', [1, 2, 3]]],
        initializers: [floatTensor('w', [3, 3], randomFloats(9, 4))],
        nodes: [
          { name: '/fc/MatMul', op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] },
          { name: '/Add', op: 'Add', inputs: ['x', 'h'], outputs: ['y'] },
        ],
      },
      prep,
      fuseLinear,
    );
    expect(opsOf(g)).toEqual(['pe.Linear', 'Add']);
    expect(g.nodes[0].attrs.biasInitializer).toBeNull();
    expect(g.nodes[0].inputs[2]).toBe('');
  });

  it('does not fuse a product of two activations', async () => {
    const g = await applyPass(
      { inputs: [['x', [1, 2, 4]], ['z', [1, 4, 4]]], outputs: [['y', [1, 2, 4]]], nodes: [{ name: '/MatMul', op: 'MatMul', inputs: ['x', 'z'], outputs: ['y'] }] },
      prep,
      fuseLinear,
    );
    expect(opsOf(g)).toEqual(['MatMul']);
  });

  it('does not fuse a Gemm with alpha != 1 (its weight would no longer be the initializer)', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 4]]],
        outputs: [['y', [1, 3]]],
        initializers: [floatTensor('w', [3, 4], randomFloats(12, 5))],
        nodes: [{ name: '/Gemm', op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1, alpha: { float: 0.5 } } }],
      },
      prep,
      fuseLinear,
    );
    expect(opsOf(g)).toEqual(['Gemm']);
  });
});
