// ONNX AveragePool: float semantics against onnxruntime over the attribute space (1-D and 2-D, strides,
// asymmetric pads, count_include_pad both ways, auto_pad, ceil_mode), and end to end: pk_avgpool_X_Y (the
// int32 sum of a window, requantized with its divisor's multiplier), C == simulator (gcc -O2, clang
// sanitizers), within half an input and half an output step of onnxruntime; int8 in after a Conv.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp } from './conformance.ts';
import { buildModel, type AttrValue } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { poolOnInt8, poolOnWindow } from './pool-cases.ts';

const CASES: { name: string; x: number[]; attrs: Record<string, AttrValue> }[] = [
  { name: '1-D k3 stride 2 pads [1,1]', x: [1, 4, 13], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
  { name: '1-D k3 stride 2 pads [1,1] count_include_pad', x: [1, 4, 13], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1], count_include_pad: 1 } },
  { name: '1-D k2 ceil_mode (a partial last window)', x: [1, 3, 19], attrs: { kernel_shape: [2], strides: [2], ceil_mode: 1 } },
  { name: '1-D k3 ceil_mode pads [1,2] count_include_pad', x: [1, 2, 10], attrs: { kernel_shape: [3], strides: [2], pads: [1, 2], ceil_mode: 1, count_include_pad: 1 } },
  { name: '2-D k[3,2] stride [2,1] pads [1,0,2,1]', x: [1, 3, 9, 7], attrs: { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1] } },
  { name: '2-D k[3,2] stride [2,1] pads [1,0,2,1] count_include_pad', x: [1, 3, 9, 7], attrs: { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], count_include_pad: 1 } },
  { name: '2-D auto_pad SAME_UPPER stride 2', x: [1, 2, 7, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: '2-D auto_pad SAME_LOWER count_include_pad', x: [1, 2, 5, 9], attrs: { kernel_shape: [2, 4], auto_pad: 'SAME_LOWER', count_include_pad: 1 } },
  { name: '2-D auto_pad VALID', x: [1, 2, 9, 8], attrs: { kernel_shape: [2, 3], auto_pad: 'VALID', strides: [3, 2] } },
];

describe('AveragePool', () => {
  it('float semantics (import + interpreter) match onnxruntime over the attribute space', async () => {
    for (const c of CASES) {
      for (const o of await checkFloat({ inputs: [['x', c.x]], outputs: [['y']], nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: c.attrs }] })) {
        expect(o.shape, c.name).toEqual(o.refShape);
        expect(o.relErr, c.name).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  const E2E: { name: string; x: number[]; attrs: Record<string, AttrValue> }[] = [
    { name: '2-D on the window (3 x 114 x 10), k[3,3] stride [2,2] pads [1,1,1,0] (edge windows of 4, 6 and 9)', x: [1, 3, 114, 10], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 0] } },
    { name: '2-D on the window, count_include_pad, ceil_mode', x: [1, 3, 114, 10], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 } },
    { name: '1-D per packet (N=10, C=3, L=114) k4 stride 3', x: [10, 3, 114], attrs: { kernel_shape: [4], strides: [3] } },
  ];
  for (const c of E2E) {
    it(`${c.name}: C == simulator, within half an input and half an output step of onnxruntime`, async () => {
      const r = await checkOp(poolOnWindow('AveragePool', c.x, c.attrs));
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_avgpool_i16_i16']);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      expect(r.maxErr).toBeLessThanOrEqual(r.inputScale / 2 + r.outputScale / 2 + 1e-6);
    });
  }

  it('int8 in (after a Conv): pk_avgpool_i8_i8, C == simulator', async () => {
    const r = await checkOp(poolOnInt8('AveragePool', { kernel_shape: [3], strides: [2], pads: [1, 1] }));
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_conv_w8_i16_i8', 'pk_avgpool_i8_i8', 'pk_avgpool_i8_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
  });

  it('refuses dilations (an opset-19 attribute), naming the node', () => {
    const m = buildModel({ inputs: [['x', [1, 2, 8]]], outputs: [['y']], nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2], dilations: [2] }, name: 'ap' }] });
    expect(() => importOnnx(m)).toThrow(/node "ap" \(AveragePool\): dilations are not supported/);
  });
});
