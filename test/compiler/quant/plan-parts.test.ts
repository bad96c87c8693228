import { describe, expect, it } from 'vitest';
import { packInt4Rows } from '../../../src/compiler/quant/fixed-point.ts';
import { assignPrecision, formatTensorBits, parseTensorBits } from '../../../src/compiler/quant/precision.ts';
import { planBias } from '../../../src/compiler/kernels/linear/index.ts';
import { unpackInt4 } from '../../../src/compiler/quant/fixed-point.ts';
import type { Graph, Node } from '../../../src/compiler/ir/graph.ts';

function node(op: string, inputs: string[], outputs: string[], name = outputs[0]): Node {
  return { name, op, inputs, outputs, attrs: {}, sources: [name] };
}

describe('int4 row packing', () => {
  it('packs element 2i in the low nibble and round-trips through the npz unpacker', () => {
    const q = Int8Array.from([-8, 7, -1, 0, 3, -4]);
    const packed = packInt4Rows(q, 2, 3);
    // Odd rows are padded to whole bytes: row 0 = [-8, 7, -1] -> 0x78, 0x0f; row 1 = [0, 3, -4] -> 0x30, 0x0c.
    expect(Array.from(packed)).toEqual([0x78, 0x0f, 0x30, 0x0c]);
    const even = Int8Array.from([1, -2, 3, -4, 5, -6, 7, -8]);
    expect(Array.from(unpackInt4(packInt4Rows(even, 2, 4), 8))).toEqual(Array.from(even));
  });
});

describe('activation precision', () => {
  const g: Graph = {
    inputs: ['x'],
    outputs: ['out'],
    opset: 17,
    tensors: new Map([
      ['x', { name: 'x', dtype: 'float32', shape: [1, 4] }],
      ['pe', { name: 'pe', dtype: 'float32', shape: [1, 4], const: new Float32Array(4) }],
    ]),
    nodes: [
      node('pe.Linear', ['x', 'w'], ['a']),
      node('Add', ['a', 'pe'], ['r']),
      node('pe.Linear', ['r', 'w2'], ['h']),
      node('Tanh', ['h'], ['g']),
      node('pe.Linear', ['g', 'w3'], ['s']),
      node('pe.Reshape', ['s'], ['v']),
      node('Relu', ['v'], ['rv']),
      node('pe.Linear', ['rv', 'w4'], ['f']),
      node('Add', ['f', 'r'], ['out']),
    ],
  };

  it('keeps the residual stream, add operands and the output int16, the rest at --act-bits', () => {
    const bits = assignPrecision(g, 8);
    expect(bits.get('a')).toBe(16); // add operand
    expect(bits.get('r')).toBe(16); // add result
    expect(bits.get('f')).toBe(16);
    expect(bits.get('out')).toBe(16);
    expect(bits.get('h')).toBe(8);
    expect(bits.get('g')).toBe(8);
    expect(bits.has('pe')).toBe(false); // constants are not activations
  });

  it('gives a view and a ReLU the type of their source, both ways', () => {
    const bits = assignPrecision(g, 8);
    expect(bits.get('s')).toBe(8);
    expect(bits.get('v')).toBe(8);
    expect(bits.get('rv')).toBe(8);
    const forced: Graph = { ...g, nodes: [...g.nodes, node('pe.AttentionPool', ['h', 'v'], ['p'])] };
    const b2 = assignPrecision(forced, 8);
    // The pool scores must be int16, and that spreads through the view and the ReLU to the Linear output.
    expect([b2.get('s'), b2.get('v'), b2.get('rv')]).toEqual([16, 16, 16]);
  });

  it('makes small tensors (<= 512 values) int16: after pooling nothing averages their rounding away', () => {
    const tensors = new Map(g.tensors);
    tensors.set('h', { name: 'h', dtype: 'float32', shape: [1, 512] });
    tensors.set('g', { name: 'g', dtype: 'float32', shape: [1, 10, 64] });
    const bits = assignPrecision({ ...g, tensors }, 8);
    expect(bits.get('h')).toBe(16);
    expect(bits.get('g')).toBe(8);
  });

  it('keeps GELU inputs and outputs int16 (the FFN hidden layer of the trained micro needed it)', () => {
    const withGelu: Graph = { ...g, nodes: g.nodes.map((n) => (n.op === 'Tanh' ? { ...n, op: 'pe.Gelu' } : n)) };
    const bits = assignPrecision(withGelu, 8);
    expect([bits.get('h'), bits.get('g')]).toEqual([16, 16]);
  });

  it('uses 16 bits everywhere with --act-bits 16', () => {
    const bits = assignPrecision(g, 16);
    expect(new Set(bits.values())).toEqual(new Set([16]));
  });

  it('--tensor-bits sets a tensor and the tensors that share its type, over --act-bits and the small-tensor rule', () => {
    const over16 = assignPrecision(g, 8, new Map([['rv', 16]]));
    expect([over16.get('s'), over16.get('v'), over16.get('rv'), over16.get('h')]).toEqual([16, 16, 16, 8]);
    const over8 = assignPrecision(g, 16, new Map([['g', 8]]));
    expect([over8.get('g'), over8.get('h'), over8.get('a')]).toEqual([8, 16, 16]);
    const tensors = new Map(g.tensors);
    tensors.set('h', { name: 'h', dtype: 'float32', shape: [1, 512] });
    expect(assignPrecision({ ...g, tensors }, 8, new Map([['h', 8]])).get('h')).toBe(8);
  });

  it('--tensor-bits refuses unknown tensors, int8 where a kernel or the kernel API needs int16, and split groups', () => {
    expect(() => assignPrecision(g, 8, new Map([['nope', 8]]), 'm.onnx')).toThrow("m.onnx: --tensor-bits names 'nope', which is no activation tensor");
    expect(() => assignPrecision(g, 8, new Map([['pe', 8]]), 'm.onnx')).toThrow("names 'pe', which is no activation tensor");
    expect(() => assignPrecision(g, 8, new Map([['a', 8]]), 'm.onnx')).toThrow("m.onnx: --tensor-bits a=8 refused: node 'r' (Add) works on int16 there");
    expect(() => assignPrecision(g, 8, new Map([['x', 8]]), 'm.onnx')).toThrow('--tensor-bits x=8 refused: the model input is int16 (the kernel API)');
    expect(() => assignPrecision(g, 8, new Map([['out', 8]]), 'm.onnx')).toThrow('refused: the model output is int16');
    expect(() => assignPrecision(g, 8, new Map<string, 8 | 16>([['s', 8], ['rv', 16]]), 'm.onnx')).toThrow("asks int8 for 's' and int16 for 'rv', which share one integer type");
    expect(assignPrecision(g, 8, new Map([['a', 16]])).get('a')).toBe(16);
  });

  it('parses and writes --tensor-bits lists, naming a bad item', () => {
    const t = parseTensorBits('/conv1/Relu_output_0=8, h=16');
    expect([...t]).toEqual([['/conv1/Relu_output_0', 8], ['h', 16]]);
    expect(formatTensorBits(t)).toBe('/conv1/Relu_output_0=8,h=16');
    expect(() => parseTensorBits('h=4')).toThrow("--tensor-bits: 'h=4' is not NAME=8 or NAME=16");
    expect(() => parseTensorBits('h')).toThrow("'h' is not NAME=8 or NAME=16");
    expect(() => parseTensorBits('h=8,h=16')).toThrow("'h' is given twice with different bits");
  });
});

describe('int16 biases with a per-op shift (planBias)', () => {
  it('keeps the exact int32 integers when every bias fits int16 (shift 0)', () => {
    const p = planBias([0.5, -1.25, 100], () => 0.25);
    expect(p).toEqual({ values: Int16Array.from([2, -5, 400]), shift: 0 });
  });
  it('picks the smallest shift at which every bias fits, rounding half away from zero', () => {
    // 40000 and -70000 units at scale 1: 2^1 is not enough for -70000 (-35000), 2^2 is (-17500)
    const p = planBias([40000, -70000, 3], () => 1)!;
    expect(p.shift).toBe(2);
    expect(Array.from(p.values)).toEqual([10000, -17500, 1]); // 3 / 4 = 0.75 -> 1
    expect(planBias([32767.4, -32768.4], () => 1)!.shift).toBe(0);
    expect(planBias([32767.5], () => 1)!.shift).toBe(1);
  });
  it('uses each row its own scale (per-row weight scales)', () => {
    const p = planBias([1000, 1000], (o) => (o === 0 ? 0.01 : 1))!; // 100000 and 1000 units
    expect(p.shift).toBe(2);
    expect(Array.from(p.values)).toEqual([25000, 250]);
  });
  it('gives up beyond 2^16', () => {
    expect(planBias([2 ** 40], () => 1)).toBeNull();
  });
});
