import { describe, expect, it } from 'vitest';
import { canonicalizeViews } from '../../../src/compiler/passes/canonicalize-views.ts';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { fuseLayerNorm } from '../../../src/compiler/passes/fuse-layer-norm.ts';
import { floatTensor, randomFloats, type ModelSpec } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

const prep = [foldConstants, canonicalizeViews];
const gamma = floatTensor('norm.weight', [8], randomFloats(8, 1, 0.5, 1.5));
const beta = floatTensor('norm.bias', [8], randomFloats(8, 2));

function decomposed(affine: boolean): ModelSpec {
  return {
    opset: 13,
    inputs: [['x', [1, 3, 8]]],
    outputs: [['y', [1, 3, 8]]],
    initializers: [floatTensor('two', [], [2]), floatTensor('eps', [], [1e-5]), ...(affine ? [gamma, beta] : [])],
    nodes: [
      { name: '/norm/ReduceMean', op: 'ReduceMean', inputs: ['x'], outputs: ['m'], attrs: { axes: [-1] } },
      { name: '/norm/Sub', op: 'Sub', inputs: ['x', 'm'], outputs: ['d'] },
      { name: '/norm/Pow', op: 'Pow', inputs: ['d', 'two'], outputs: ['p'] },
      { name: '/norm/ReduceMean_1', op: 'ReduceMean', inputs: ['p'], outputs: ['v'], attrs: { axes: [-1] } },
      { name: '/norm/Add', op: 'Add', inputs: ['v', 'eps'], outputs: ['ve'] },
      { name: '/norm/Sqrt', op: 'Sqrt', inputs: ['ve'], outputs: ['s'] },
      { name: '/norm/Div', op: 'Div', inputs: ['d', 's'], outputs: affine ? ['n'] : ['y'] },
      ...(affine
        ? [
            { name: '/norm/Mul', op: 'Mul', inputs: ['n', 'norm.weight'], outputs: ['nm'] },
            { name: '/norm/Add_1', op: 'Add', inputs: ['nm', 'norm.bias'], outputs: ['y'] },
          ]
        : []),
    ],
  };
}

describe('fuse-layer-norm', () => {
  it('fuses the opset-17 LayerNormalization over the last axis', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 3, 8]]],
        outputs: [['y', [1, 3, 8]]],
        initializers: [gamma, beta],
        nodes: [{ name: '/norm/LayerNormalization', op: 'LayerNormalization', inputs: ['x', 'norm.weight', 'norm.bias'], outputs: ['y'], attrs: { axis: -1, epsilon: { float: 1e-5 } } }],
      },
      prep,
      fuseLayerNorm,
    );
    expect(opsOf(g)).toEqual(['pe.LayerNorm']);
    expect(g.nodes[0].inputs).toEqual(['x', 'norm.weight', 'norm.bias']);
    expect(g.nodes[0].attrs).toMatchObject({ size: 8, decomposed: false });
  });

  it('fuses the opset-13 decomposition with its scale and bias', async () => {
    const g = await applyPass(decomposed(true), prep, fuseLayerNorm);
    expect(opsOf(g)).toEqual(['pe.LayerNorm']);
    expect(g.nodes[0].inputs).toEqual(['x', 'norm.weight', 'norm.bias']);
    expect(g.nodes[0].attrs).toMatchObject({ size: 8, decomposed: true });
    expect(g.nodes[0].attrs.epsilon).toBeCloseTo(1e-5, 10);
    expect(g.nodes[0].sources).toHaveLength(9);
  });

  it('fuses a decomposition without affine parameters (scale 1, bias 0)', async () => {
    const g = await applyPass(decomposed(false), prep, fuseLayerNorm);
    expect(opsOf(g)).toEqual(['pe.LayerNorm']);
    expect(Array.from(g.tensors.get(g.nodes[0].inputs[1])!.const as Float32Array)).toEqual(new Array(8).fill(1));
    expect(Array.from(g.tensors.get(g.nodes[0].inputs[2])!.const as Float32Array)).toEqual(new Array(8).fill(0));
  });

  it('leaves a normalization over two axes as the primitive op', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 3, 8]]],
        outputs: [['y', [1, 3, 8]]],
        initializers: [floatTensor('g', [3, 8], randomFloats(24, 4))],
        nodes: [{ name: '/ln', op: 'LayerNormalization', inputs: ['x', 'g'], outputs: ['y'], attrs: { axis: 1 } }],
      },
      prep,
      fuseLayerNorm,
    );
    expect(opsOf(g)).toEqual(['LayerNormalization']);
  });

  it('leaves a mean over a non-last axis alone', async () => {
    const spec = decomposed(true);
    spec.nodes[0].attrs = { axes: [1] };
    const g = await applyPass(spec, prep, fuseLayerNorm);
    expect(opsOf(g)).toContain('ReduceMean');
  });
});
