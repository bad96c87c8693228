import { describe, expect, it } from 'vitest';
import { eliminateIdentity } from '../../../src/compiler/passes/eliminate-identity.ts';
import { applyPass, opsOf } from './harness.ts';

describe('eliminate-identity', () => {
  it('rewires readers of an Identity to its input', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 4]]],
        outputs: [['y', [1, 4]]],
        nodes: [
          { name: '/Relu', op: 'Relu', inputs: ['x'], outputs: ['a'] },
          { name: '/Identity', op: 'Identity', inputs: ['a'], outputs: ['b'] },
          { name: '/Tanh', op: 'Tanh', inputs: ['b'], outputs: ['y'] },
        ],
      },
      [],
      eliminateIdentity,
    );
    expect(opsOf(g)).toEqual(['Relu', 'Tanh']);
    expect(g.nodes[1].inputs).toEqual(['a']);
  });

  it('keeps the graph output name when the Identity writes it', async () => {
    const g = await applyPass(
      {
        inputs: [['x', [1, 4]]],
        outputs: [['keypoints', [1, 4]]],
        nodes: [
          { name: '/Relu', op: 'Relu', inputs: ['x'], outputs: ['a'] },
          { name: '/Identity', op: 'Identity', inputs: ['a'], outputs: ['keypoints'] },
        ],
      },
      [],
      eliminateIdentity,
    );
    expect(opsOf(g)).toEqual(['Relu']);
    expect(g.nodes[0].outputs).toEqual(['keypoints']);
    expect(g.outputs).toEqual(['keypoints']);
  });
});
