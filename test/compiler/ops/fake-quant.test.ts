// QuantizeLinear -> DequantizeLinear pairs on activations (the fake quantization an activation-aware QAT
// exporter writes, reference/export.py): fused at import into pe.FakeQuant (src/compiler/onnx/qdq.ts), planned
// as an int8 tensor at the pair's scale (kernels/quantize). Float semantics against onnxruntime (rounding half
// to even, the int8 clamp), end to end through an int8-input Linear (C == simulator, every output within one
// int8 step of onnxruntime, almost all within the output's rounding), and every form it refuses, by name.
import { describe, expect, it } from 'vitest';
import { onnx } from 'onnx-proto';
import { checkFloat, checkOp, planOnly } from './conformance.ts';
import { floatTensor, int64Tensor, type ModelSpec, type NodeSpec } from '../onnx/onnx-builder.ts';
import { assignPrecision } from '../../../src/compiler/quant/precision.ts';
import { lower } from '../../../src/compiler/lower.ts';
import { buildModel, ortRun } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { interpret } from '../../../src/compiler/ir/interpret.ts';

const CSI: [string, (number | string)[]] = ['csi', ['N', 3, 114, 10]];

function int8Tensor(name: string, values: number[], type = onnx.TensorProto.DataType.INT8): onnx.ITensorProto {
  return { name, dims: [], dataType: type, rawData: Uint8Array.from(values.map((v) => v & 0xff)) };
}

/** x -> QuantizeLinear(s, zp) -> DequantizeLinear(s, zp) -> y, the scale and zero point as initializers. */
function qdq(x: string, y: string, tag = ''): { nodes: NodeSpec[]; initializers: onnx.ITensorProto[] } {
  return {
    nodes: [
      { name: `/q${tag}/QuantizeLinear`, op: 'QuantizeLinear', inputs: [x, `s${tag}`, `zp${tag}`], outputs: [`q${tag}`] },
      { name: `/q${tag}/DequantizeLinear`, op: 'DequantizeLinear', inputs: [`q${tag}`, `s${tag}`, `zp${tag}`], outputs: [y] },
    ],
    initializers: [floatTensor(`s${tag}`, [], [0.1]), int8Tensor(`zp${tag}`, [0])],
  };
}

describe('QuantizeLinear -> DequantizeLinear (fake quantization)', () => {
  it('float semantics (import + interpreter) match onnxruntime, ties to even and the int8 clamp included', async () => {
    const p = qdq('x', 'y');
    // [-20, 20] at scale 0.1: codes far beyond +-127 (clamped); 0.05, 0.15, ... are exact ties.
    for (const range of [[-20, 20], [-0.3, 0.3]] as [number, number][]) {
      for (const o of await checkFloat({ inputs: [['x', [1, 4, 64]]], outputs: [['y', [1, 4, 64]]], initializers: p.initializers, nodes: p.nodes }, range)) {
        expect(o.shape).toEqual(o.refShape);
        expect(o.relErr).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('rounds exact ties to even as onnxruntime does', async () => {
    const p = qdq('x', 'y');
    p.initializers[0] = floatTensor('s', [], [0.25]);
    const x = Float32Array.from([0.125, 0.375, 0.625, -0.125, -0.375, -0.625, 31.875, -32.125]);
    const model = buildModel({ inputs: [['x', [1, 8]]], outputs: [['y', [1, 8]]], initializers: p.initializers, nodes: p.nodes });
    const ref = await ortRun(model, { x: { dims: [1, 8], data: x } });
    const got = interpret(importOnnx(model, 'ties'), { x: { dtype: 'float32', shape: [1, 8], data: x } }).get('y')!;
    expect(Array.from(ref.y.data)).toEqual([0, 0.5, 0.5, 0, -0.5, -0.5, 31.75, -32]);
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(ref.y.data));
  });

  it('becomes an int8 tensor (pk_quantize_i16) that an int8-input Linear reads: C == simulator, within one int8 step of onnxruntime', async () => {
    const p = qdq('r', 'xq');
    const eye = Array.from({ length: 100 }, (_, i) => (i % 11 === 0 ? 1 : 0));
    const spec: ModelSpec = {
      inputs: [CSI],
      outputs: [['y']],
      initializers: [int64Tensor('shape', [2], [-1, 10]), floatTensor('W', [10, 10], eye), ...p.initializers],
      nodes: [{ op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['r'] }, ...p.nodes, { op: 'MatMul', inputs: ['xq', 'W'], outputs: ['y'] }],
    };
    const r = await checkOp(spec, { windows: 8 });
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_quantize_i16', 'pk_linear_w8_i8_i16']);
    expect(r.compiled.report.ops[0].outputs[0]).toMatchObject({ bits: 8, scale: expect.closeTo(0.1, 7) });
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // The node re-rounds the int16 input code, onnxruntime the float: a value within half an input step of
    // a rounding boundary may land one int8 step (0.1) away; the identity weights add only the output rounding.
    expect(r.maxErr).toBeLessThanOrEqual(0.1 + r.outputScale / 2 + 1e-6);
  });

  it('on an int8 tensor at another scale: one requantization (pk_clip_i8), C == simulator', async () => {
    const p = qdq('h', 'hq');
    const w1 = Array.from({ length: 100 }, (_, i) => ((i * 37) % 11) / 10 - 0.5);
    const eye = Array.from({ length: 100 }, (_, i) => (i % 11 === 0 ? 1 : 0));
    const spec: ModelSpec = {
      inputs: [CSI],
      outputs: [['y']],
      initializers: [int64Tensor('shape', [2], [-1, 10]), floatTensor('W1', [10, 10], w1), floatTensor('W2', [10, 10], eye), ...p.initializers],
      nodes: [
        { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['r'] },
        { op: 'MatMul', inputs: ['r', 'W1'], outputs: ['h'] },
        ...p.nodes,
        { op: 'MatMul', inputs: ['hq', 'W2'], outputs: ['y'] },
      ],
    };
    const r = await checkOp(spec, { windows: 8 });
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_linear_w8_i16_i8', 'pk_clip_i8', 'pk_linear_w8_i8_i16']);
    expect(r.compiled.report.ops[1].outputs[0]).toMatchObject({ bits: 8, scale: expect.closeTo(0.1, 7) });
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
  });

  it('refuses what has no int8 meaning here, naming the node', () => {
    const base = (nodes: NodeSpec[], initializers: onnx.ITensorProto[]): ModelSpec => ({
      inputs: [['x', [1, 10, 64]]], outputs: [['y']], initializers, nodes,
    });
    const p = qdq('x', 'y');
    const lone: ModelSpec = base([p.nodes[0], { op: 'Relu', inputs: ['q'], outputs: ['y'] }], p.initializers);
    expect(() => lower(buildModel(lone), 'm.onnx')).toThrow('m.onnx: node "/q/QuantizeLinear" (QuantizeLinear): its output is not read by exactly one DequantizeLinear; pose-edge reads QuantizeLinear -> DequantizeLinear pairs on activations only');
    const dqOnly: ModelSpec = base([{ name: '/w/DequantizeLinear', op: 'DequantizeLinear', inputs: ['c', 's', 'zp'], outputs: ['y'] }],
      [int8Tensor('c', [5]), ...p.initializers]);
    expect(() => lower(buildModel(dqOnly), 'm.onnx')).toThrow('node "/w/DequantizeLinear" (DequantizeLinear): it does not read a QuantizeLinear');
    const zp: ModelSpec = base(p.nodes, [floatTensor('s', [], [0.1]), int8Tensor('zp', [3])]);
    expect(() => lower(buildModel(zp), 'm.onnx')).toThrow('its zero point is not a single 0 (asymmetric quantization is not supported)');
    const u8: ModelSpec = base(p.nodes, [floatTensor('s', [], [0.1]), int8Tensor('zp', [0], onnx.TensorProto.DataType.UINT8)]);
    expect(() => lower(buildModel(u8), 'm.onnx')).toThrow('it quantizes to uint8');
    const axis: ModelSpec = base(p.nodes, [floatTensor('s', [2], [0.1, 0.2]), int8Tensor('zp', [0])]);
    expect(() => lower(buildModel(axis), 'm.onnx')).toThrow('its scale is not one positive float (per-axis scales are not supported)');
  });

  it('refuses a pair whose int8 output must also be int16 (the model output), and --tensor-bits 16 on it', () => {
    const p = qdq('x', 'y');
    const spec: ModelSpec = { inputs: [CSI], outputs: [['y']], initializers: p.initializers, nodes: [{ op: 'Relu', inputs: ['csi'], outputs: ['x'] }, ...p.nodes] };
    expect(() => planOnly(spec)).toThrow("must be int8 (node '/q/QuantizeLinear' (QuantizeLinear -> DequantizeLinear) makes it int8) and int16 (the model output is int16 (the kernel API)) at once");
    const q = qdq('r', 'xq');
    const g = lower(buildModel({
      inputs: [CSI], outputs: [['y']], initializers: [int64Tensor('shape', [2], [-1, 10]), floatTensor('W', [10, 10], new Float32Array(100).fill(0.5)), ...q.initializers],
      nodes: [{ op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['r'] }, ...q.nodes, { op: 'MatMul', inputs: ['xq', 'W'], outputs: ['y'] }],
    }), 'm.onnx');
    expect(assignPrecision(g, 16).get('xq')).toBe(8);
    expect(() => assignPrecision(g, 8, new Map([['xq', 16]]), 'm.onnx')).toThrow("m.onnx: --tensor-bits xq=16 refused: node '/q/QuantizeLinear' (QuantizeLinear -> DequantizeLinear) makes it int8");
  });
});
