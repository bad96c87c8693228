import { describe, expect, it } from 'vitest';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { fuseGelu } from '../../../src/compiler/passes/fuse-gelu.ts';
import { floatTensor, type ModelSpec } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

function torchGelu(divisor: number): ModelSpec {
  return {
    inputs: [['x', [1, 16]]],
    outputs: [['y', [1, 16]]],
    initializers: [floatTensor('c', [], [divisor]), floatTensor('one', [], [1]), floatTensor('half', [], [0.5])],
    nodes: [
      { name: '/act/Div', op: 'Div', inputs: ['x', 'c'], outputs: ['t'] },
      { name: '/act/Erf', op: 'Erf', inputs: ['t'], outputs: ['e'] },
      { name: '/act/Add', op: 'Add', inputs: ['e', 'one'], outputs: ['a'] },
      { name: '/act/Mul', op: 'Mul', inputs: ['x', 'a'], outputs: ['m'] },
      { name: '/act/Mul_1', op: 'Mul', inputs: ['m', 'half'], outputs: ['y'] },
    ],
  };
}

describe('fuse-gelu', () => {
  it('fuses the erf GELU as torch exports it', async () => {
    const g = await applyPass(torchGelu(Math.SQRT2), [foldConstants], fuseGelu, [-4, 4]);
    expect(opsOf(g)).toEqual(['pe.Gelu']);
    expect(g.nodes[0].name).toBe('/act/Gelu');
    expect(g.nodes[0].sources).toEqual(['/act/Div', '/act/Erf', '/act/Add', '/act/Mul', '/act/Mul_1']);
  });

  it('fuses the form that multiplies x by 1/sqrt(2) and halves x first', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 16]]],
        outputs: [['y', [1, 16]]],
        initializers: [floatTensor('c', [], [Math.SQRT1_2]), floatTensor('one', [], [1]), floatTensor('half', [], [0.5])],
        nodes: [
          { op: 'Mul', inputs: ['x', 'c'], outputs: ['t'] },
          { op: 'Erf', inputs: ['t'], outputs: ['e'] },
          { op: 'Add', inputs: ['one', 'e'], outputs: ['a'] },
          { op: 'Mul', inputs: ['half', 'x'], outputs: ['h'] },
          { op: 'Mul', inputs: ['h', 'a'], outputs: ['y'] },
        ],
      },
      [foldConstants],
      fuseGelu,
      [-4, 4],
    );
    expect(opsOf(g)).toEqual(['pe.Gelu']);
  });

  it('does not fuse when the constant is not sqrt(2)', async () => {
    const g = await applyPass(torchGelu(2), [foldConstants], fuseGelu, [-4, 4]);
    expect(opsOf(g)).toEqual(['Div', 'Erf', 'Add', 'Mul', 'Mul']);
  });
});
