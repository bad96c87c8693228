import { describe, expect, it } from 'vitest';
import { eliminateDead } from '../../../src/compiler/passes/eliminate-dead.ts';
import { floatTensor } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

describe('eliminate-dead', () => {
  it('drops nodes that do not reach an output and tensors nobody mentions', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 4]]],
        outputs: [['y', [1, 4]]],
        initializers: [floatTensor('unused_w', [4], [1, 2, 3, 4])],
        nodes: [
          { name: '/Tanh', op: 'Tanh', inputs: ['x'], outputs: ['t'] },
          { name: '/Mul', op: 'Mul', inputs: ['t', 'unused_w'], outputs: ['dead'] },
          { name: '/Relu', op: 'Relu', inputs: ['x'], outputs: ['y'] },
        ],
      },
      [],
      eliminateDead,
    );
    expect(opsOf(g)).toEqual(['Relu']);
    expect([...g.tensors.keys()].sort()).toEqual(['x', 'y']);
  });
});
