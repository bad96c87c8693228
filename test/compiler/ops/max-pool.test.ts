// ONNX MaxPool: float semantics against onnxruntime over the attribute space (1-D and 2-D, strides,
// asymmetric pads, dilations, auto_pad, ceil_mode with a last window that would start in the padding), and end
// to end: pk_maxpool_X_Y on codes, C == simulator (gcc -O2, clang sanitizers), within half an input and half an
// output step of onnxruntime; int8 in and out after a Conv; refusals name the node.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp } from './conformance.ts';
import { buildModel, type AttrValue } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { poolOnInt8, poolOnWindow } from './pool-cases.ts';

const CASES: { name: string; x: number[]; attrs: Record<string, AttrValue> }[] = [
  { name: '1-D k3 stride 2 pads [1,1]', x: [1, 4, 13], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
  { name: '1-D k2 ceil_mode (last window kept)', x: [1, 3, 19], attrs: { kernel_shape: [2], strides: [2], ceil_mode: 1 } },
  { name: '1-D k3 stride 2 pads [1,1] ceil_mode (last window dropped: it would start in the padding)', x: [1, 2, 10], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1], ceil_mode: 1 } },
  { name: '1-D dilation 2, asymmetric pads [0,2]', x: [1, 2, 11], attrs: { kernel_shape: [3], dilations: [2], pads: [0, 2] } },
  { name: '2-D k[3,2] stride [2,1] pads [1,0,2,1]', x: [1, 3, 9, 7], attrs: { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1] } },
  { name: '2-D auto_pad SAME_UPPER stride 2', x: [1, 2, 7, 6], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: '2-D auto_pad SAME_LOWER, VALID-like odd sizes', x: [1, 2, 5, 9], attrs: { kernel_shape: [2, 4], auto_pad: 'SAME_LOWER' } },
  { name: '2-D auto_pad VALID, dilations [2,2]', x: [1, 2, 9, 8], attrs: { kernel_shape: [2, 3], dilations: [2, 2], auto_pad: 'VALID' } },
];

describe('MaxPool', () => {
  it('float semantics (import + interpreter) match onnxruntime over the attribute space', async () => {
    for (const c of CASES) {
      for (const o of await checkFloat({ inputs: [['x', c.x]], outputs: [['y']], nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: c.attrs }] })) {
        expect(o.shape, c.name).toEqual(o.refShape);
        expect(o.relErr, c.name).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  const E2E: { name: string; x: number[]; attrs: Record<string, AttrValue> }[] = [
    { name: '2-D on the window (3 x 114 x 10), k[3,2] stride [2,2] pads [1,0,1,1] dilation [2,1]', x: [1, 3, 114, 10], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], dilations: [2, 1] } },
    { name: '1-D per packet (N=10, C=3, L=114) k2 stride 2 ceil_mode', x: [10, 3, 114], attrs: { kernel_shape: [2], strides: [2], ceil_mode: 1 } },
  ];
  for (const c of E2E) {
    it(`${c.name}: C == simulator, within half an input and half an output step of onnxruntime`, async () => {
      const r = await checkOp(poolOnWindow('MaxPool', c.x, c.attrs));
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_maxpool_i16_i16']);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      expect(r.maxErr).toBeLessThanOrEqual(r.inputScale / 2 + r.outputScale / 2 + 1e-6);
    });
  }

  it('int8 in and out (after a Conv): pk_maxpool_i8_i8 copies codes, C == simulator', async () => {
    const r = await checkOp(poolOnInt8('MaxPool', { kernel_shape: [3], strides: [2], pads: [1, 1] }));
    const ops = r.compiled.report.ops;
    expect(ops.map((o) => o.kernel)).toEqual(['pk_conv_w8_i16_i8', 'pk_maxpool_i8_i8', 'pk_avgpool_i8_i16']);
    expect(ops[1].outputs[0].scale).toBe(ops[1].inputs[0].scale);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
  });

  it('refuses the Indices output, storage_order 1 and pads as large as the window, naming the node', () => {
    const model = (attrs: Record<string, AttrValue>, outputs = ['y']) =>
      buildModel({ inputs: [['x', [1, 2, 8]]], outputs: outputs.map((o) => [o]), nodes: [{ op: 'MaxPool', inputs: ['x'], outputs, attrs, name: 'mp' }] });
    expect(() => importOnnx(model({ kernel_shape: [2] }, ['y', 'idx']))).toThrow(/node "mp" \(MaxPool\): the Indices output is not supported/);
    expect(() => importOnnx(model({ kernel_shape: [2], storage_order: 1 }))).toThrow(/node "mp" \(MaxPool\): storage_order 1 is not supported/);
    expect(() => importOnnx(model({ kernel_shape: [2], pads: [2, 0] }))).toThrow(/node "mp" \(MaxPool\): pads \[2,0\] must be smaller than the window/);
  });
});
