// The interpreter's own contract: it refuses feeds that do not fit the graph and graphs that break the IR
// invariants, with messages naming the input or node, and it exposes every intermediate by tensor name.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../src/compiler/ir/graph.ts';
import { interpret } from '../../../src/compiler/ir/interpret.ts';
import { validateGraph } from '../../../src/compiler/ir/helpers.ts';
import { checkGraph } from '../../../src/compiler/ir/check.ts';
import { GraphError, ShapeError } from '../../../src/compiler/ir/errors.ts';

function tiny(): Graph {
  return {
    inputs: ['x'],
    outputs: ['y'],
    opset: 17,
    tensors: new Map([
      ['x', { name: 'x', dtype: 'float32', shape: [1, 3] }],
      ['h', { name: 'h', dtype: 'float32', shape: [1, 3] }],
      ['y', { name: 'y', dtype: 'float32', shape: [1, 3] }],
    ]),
    nodes: [
      { name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['h'], attrs: {}, sources: ['relu'] },
      { name: 'gelu', op: 'pe.Gelu', inputs: ['h'], outputs: ['y'], attrs: { approximate: 'none' }, sources: ['a', 'b'] },
    ],
  };
}

describe('interpret', () => {
  it('runs primitive and fused ops and exposes intermediates', () => {
    const env = interpret(tiny(), { x: { dtype: 'float32', shape: [1, 3], data: Float32Array.of(-1, 0, 1) } });
    expect(Array.from(env.get('h')!.data as Float32Array)).toEqual([0, 0, 1]);
    // GELU(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447460685429
    expect((env.get('y')!.data as Float32Array)[2]).toBeCloseTo(0.8413447460685429, 6);
  });

  it('names a missing or misshaped input', () => {
    expect(() => interpret(tiny(), {})).toThrow(new GraphError('no value given for graph input "x"'));
    expect(() => interpret(tiny(), { x: { dtype: 'float32', shape: [1, 4], data: new Float32Array(4) } })).toThrow(
      new ShapeError('graph input "x" expects float32 [1,3], got float32 [1,4]'),
    );
  });

  it('validateGraph names a node that reads a tensor before it is written', () => {
    const g = tiny();
    g.nodes.reverse();
    expect(() => validateGraph(g)).toThrow('node "gelu" (pe.Gelu) reads "h" before any node writes it');
  });

  it('checkGraph names a node whose recorded output shape disagrees with its op', () => {
    const g = tiny();
    g.tensors.set('h', { name: 'h', dtype: 'float32', shape: [3] });
    expect(() => checkGraph(g)).toThrow(new GraphError('node "relu" (Relu): output "h" is recorded as float32 [3] but the op gives float32 [1,3]'));
  });
});
