// ONNX Conv: its float semantics against onnxruntime over the attribute space (1-D and 2-D; strides, explicit
// symmetric and asymmetric pads, pads larger than the kernel's half, auto_pad, dilations, groups up to
// depthwise, no bias), and end to end on the CSI window: the integer kernel (pk_conv_wW_X_Y: gathered rows
// through the linear kernel, or the depthwise loop), C == simulator with gcc -O2 and clang ASan + UBSan, and
// the simulator within a stated bound of onnxruntime; int4 codes with per-channel scales from the npz and
// int8 weights the kernel quantizes itself; refusals name the node.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp, planOnly, type OpCheck } from './conformance.ts';
import { buildModel, floatTensor, int64Tensor, randomFloats, type AttrValue, type ModelSpec } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { pack4, type Members } from '../quant/qweights-fixture.ts';

const CSI: [string, (number | string)[]] = ['csi', ['N', 3, 114, 10]];

interface ConvCase {
  name: string;
  /** Input shape of the Conv (a Reshape of the [1,3,114,10] window when it differs). */
  x: number[];
  w: number[];
  attrs: Record<string, AttrValue>;
  bias?: boolean;
}

/** The float-semantics cases: every attribute and the edge cases the issue names. */
const FLOAT_CASES: ConvCase[] = [
  { name: '1-D, stride 3, symmetric pads', x: [2, 3, 17], w: [4, 3, 5], attrs: { strides: [3], pads: [2, 2] } },
  { name: '1-D, asymmetric pads, dilation 2', x: [1, 4, 13], w: [5, 4, 3], attrs: { pads: [1, 3], dilations: [2] } },
  { name: '1-D, pads larger than the kernel half', x: [1, 2, 9], w: [3, 2, 3], attrs: { pads: [4, 5] } },
  { name: '1-D, depthwise (groups = channels)', x: [1, 6, 11], w: [6, 1, 3], attrs: { group: 6, pads: [1, 1] } },
  { name: '1-D, depthwise x2 (groups = channels, two outputs each)', x: [1, 4, 10], w: [8, 1, 3], attrs: { group: 4 } },
  { name: '1-D, groups 2, no bias', x: [1, 6, 12], w: [4, 3, 2], attrs: { group: 2, strides: [2] }, bias: false },
  { name: '1-D, auto_pad SAME_UPPER, stride 2, even kernel', x: [1, 3, 11], w: [2, 3, 4], attrs: { auto_pad: 'SAME_UPPER', strides: [2] } },
  { name: '1-D, auto_pad SAME_LOWER', x: [1, 3, 10], w: [2, 3, 4], attrs: { auto_pad: 'SAME_LOWER' } },
  { name: '1-D, auto_pad VALID', x: [1, 3, 10], w: [2, 3, 4], attrs: { auto_pad: 'VALID', strides: [3] } },
  { name: '1-D, kernel 1 (pointwise)', x: [3, 5, 7], w: [6, 5, 1], attrs: {} },
  { name: '2-D, odd sizes, stride [2,1], pads [1,0,2,1]', x: [1, 3, 13, 9], w: [4, 3, 3, 2], attrs: { strides: [2, 1], pads: [1, 0, 2, 1] } },
  { name: '2-D, dilations [2,3], groups 3', x: [1, 3, 12, 11], w: [6, 1, 3, 2], attrs: { dilations: [2, 3], group: 3 } },
  { name: '2-D, depthwise, SAME_UPPER, stride 2', x: [1, 4, 9, 7], w: [4, 1, 3, 3], attrs: { group: 4, auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: '2-D, kernel as big as the input, pads 2', x: [1, 2, 5, 4], w: [3, 2, 5, 4], attrs: { pads: [2, 2, 2, 2], kernel_shape: [5, 4] } },
];

/** The case as a model; a batch above 1 comes from a Reshape of a [1, ...] input (import fixes the batch to 1). */
function convSpec(c: ConvCase, seed: number): ModelSpec {
  const withBias = c.bias !== false;
  const nW = c.w.reduce((a, b) => a * b, 1);
  const batched = c.x[0] > 1;
  return {
    inputs: [['x', batched ? [1, c.x.reduce((a, b) => a * b, 1)] : c.x]],
    outputs: [['y']],
    initializers: [
      floatTensor('W', c.w, randomFloats(nW, seed, -1, 1)),
      ...(withBias ? [floatTensor('B', [c.w[0]], randomFloats(c.w[0], seed + 1, -1, 1))] : []),
      ...(batched ? [int64Tensor('shape', [c.x.length], c.x)] : []),
    ],
    nodes: [
      ...(batched ? [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['xb'] }] : []),
      { op: 'Conv', inputs: [batched ? 'xb' : 'x', 'W', ...(withBias ? ['B'] : [])], outputs: ['y'], attrs: c.attrs, name: c.name },
    ],
  };
}

/**
 * A Conv on the CSI window reshaped to `x` (the 3420 values of a window; x[0] windows' worth of batch, -1 in
 * the Reshape so that calibration's batches of windows reshape too), weights W, bias B.
 */
function windowSpec(x: number[], w: number[], attrs: Record<string, AttrValue>, weights: Float32Array, bias: Float32Array | null, name = '/conv/Conv'): ModelSpec {
  return {
    inputs: [CSI],
    outputs: [['y']],
    initializers: [int64Tensor('shape', [x.length], [-1, ...x.slice(1)]), floatTensor('W', w, weights), ...(bias ? [floatTensor('B', [w[0]], bias)] : [])],
    nodes: [
      { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xr'] },
      { op: 'Conv', inputs: bias ? ['xr', 'W', 'B'] : ['xr', 'W'], outputs: ['y'], attrs, name },
    ],
  };
}

/**
 * Integer weights as an npz would hold them: codes in [-7, 7] (int4) or [-127, 127] (int8), scales per output
 * channel or one per tensor; returns the members and the float weights they stand for (the ONNX initializer).
 */
function intWeights(w: number[], seed: number, bits: 4 | 8 = 4, perChannel = true): { members: Members; values: Float32Array } {
  const n = w.reduce((a, b) => a * b, 1);
  const rowLen = n / w[0];
  const qmax = bits === 4 ? 7 : 127;
  const q = Array.from(randomFloats(n, seed, -qmax - 0.49, qmax + 0.49), Math.round);
  const scales = Float32Array.from(randomFloats(perChannel ? w[0] : 1, seed + 7, 0.002, 0.02), (v) => (bits === 4 ? v : v / 16));
  const values = Float32Array.from(q, (v, i) => v * scales[perChannel ? Math.floor(i / rowLen) : 0]);
  const members: Members = {
    [`W.int${bits}`]: bits === 4 ? { data: pack4(q), shape: [Math.ceil(n / 2)] } : { data: Int8Array.from(q), shape: w },
    'W.scale': { data: scales, shape: perChannel ? [w[0]] : [] },
    'W.shape': { data: BigInt64Array.from(w, BigInt), shape: [w.length] },
  };
  return { members, values };
}

/**
 * The bound for one Conv on the window with weights that are exact in the kernel (int4 codes): the input's
 * rounding (half a step, 2^-8, times sum |w| of a row: the most any output can move), the bias's rounding to
 * the accumulator unit (half of s_in s_w, negligible) and the output's rounding (half a step), plus float32
 * reassociation slack.
 */
function exactWeightBound(r: OpCheck, weights: Float32Array, rows: number): number {
  const rowLen = weights.length / rows;
  let worst = 0;
  for (let o = 0; o < rows; o++) {
    let s = 0;
    for (let i = 0; i < rowLen; i++) s += Math.abs(weights[o * rowLen + i]);
    worst = Math.max(worst, s);
  }
  return (r.inputScale / 2) * worst + r.outputScale + 1e-5;
}

describe('Conv', () => {
  it('float semantics (import + interpreter) match onnxruntime over the attribute space', async () => {
    for (const [k, c] of FLOAT_CASES.entries()) {
      for (const o of await checkFloat(convSpec(c, 10 + k))) {
        expect(o.shape, c.name).toEqual(o.refShape);
        expect(o.relErr, c.name).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  interface WindowCase {
    name: string;
    x: number[];
    w: number[];
    attrs: Record<string, AttrValue>;
    bits?: 4 | 8;
    perChannel?: boolean;
    bias?: boolean;
    kernel: string;
    actBits?: 8 | 16;
  }
  // Every case reads the raw window (int16 codes): the weights are exact in the kernel, so the only
  // differences from onnxruntime are the roundings of the input, the bias and the output (exactWeightBound).
  const WINDOW_CASES: WindowCase[] = [
    { name: '2-D (C=3, 114 x 10), int4 per channel, stride [2,1], asymmetric pads [2,1,3,0]', x: [1, 3, 114, 10], w: [8, 3, 5, 3], attrs: { strides: [2, 1], pads: [2, 1, 3, 0] }, kernel: 'pk_conv_w4_i16_i16' },
    { name: '1-D per packet (N=10, C=3, L=114), int4 per tensor, k7 stride 3 pads 3 (the cnn model\'s first conv)', x: [10, 3, 114], w: [16, 3, 7], attrs: { strides: [3], pads: [3, 3] }, perChannel: false, kernel: 'pk_conv_w4_i16_i16' },
    { name: '1-D depthwise (groups = channels = 114, N=3, L=10), int8 per channel, pads [1,1]', x: [3, 114, 10], w: [114, 1, 3], attrs: { group: 114, pads: [1, 1] }, bits: 8, kernel: 'pk_conv_w8_i16_i16' },
    { name: '2-D depthwise 3 x 3 (groups = channels = 3), int4, stride [2,1], dilations [1,2], pads [1,2,1,2] (taps unpacked once, border windows checked)', x: [1, 3, 114, 10], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 1], dilations: [1, 2], pads: [1, 2, 1, 2] }, kernel: 'pk_conv_w4_i16_i16' },
    { name: '2-D depthwise 5 x 5 (25 taps, beyond PK_DW_TAPS: the checked loop only), int4, pads [2,2,2,2]', x: [1, 3, 114, 10], w: [3, 1, 5, 5], attrs: { group: 3, pads: [2, 2, 2, 2] }, kernel: 'pk_conv_w4_i16_i16' },
    { name: '1-D depthwise (groups 114, N=3, L=10), int4, stride 2, dilation 2, pads [3,1] (the unchecked run starts at column 2 and ends at 3)', x: [3, 114, 10], w: [114, 1, 3], attrs: { group: 114, strides: [2], dilations: [2], pads: [3, 1] }, kernel: 'pk_conv_w4_i16_i16' },
    { name: '1-D depthwise (groups 114, N=3, L=10), int4, kernel 9 dilation 2 pads [8,8]: no window inside the input, every column checked', x: [3, 114, 10], w: [114, 1, 9], attrs: { group: 114, dilations: [2], pads: [8, 8] }, kernel: 'pk_conv_w4_i16_i16' },
    { name: '1-D depthwise x2 (groups 114, two outputs per channel), stride 2, no bias', x: [3, 114, 10], w: [228, 1, 3], attrs: { group: 114, strides: [2] }, bias: false, kernel: 'pk_conv_w4_i16_i16' },
    { name: '1-D (C=342, L=10), odd kernel rows (342 x 3), pads [4,3] beyond the kernel half, dilation 2', x: [1, 342, 10], w: [5, 342, 3], attrs: { pads: [4, 3], dilations: [2] }, kernel: 'pk_conv_w4_i16_i16' },
    { name: '2-D groups 3, auto_pad SAME_LOWER, stride [3,2], int8', x: [1, 3, 114, 10], w: [6, 1, 3, 3], attrs: { group: 3, auto_pad: 'SAME_LOWER', strides: [3, 2] }, bits: 8, kernel: 'pk_conv_w8_i16_i16' },
    { name: '2-D dilations [2,3], pads [3,0,1,2], int8 per tensor', x: [1, 3, 114, 10], w: [4, 3, 3, 3], attrs: { dilations: [2, 3], pads: [3, 0, 1, 2] }, bits: 8, perChannel: false, kernel: 'pk_conv_w8_i16_i16' },
    { name: '2-D odd output channels (7), kernel [1,5], auto_pad VALID, --act-bits 16', x: [1, 3, 114, 10], w: [7, 3, 1, 5], attrs: { auto_pad: 'VALID' }, actBits: 16, kernel: 'pk_conv_w4_i16_i16' },
  ];

  for (const [k, c] of WINDOW_CASES.entries()) {
    it(`${c.name}: C == simulator (gcc -O2, clang sanitizers), within the input, bias and output rounding of onnxruntime`, async () => {
      const { members, values } = intWeights(c.w, 20 + k, c.bits ?? 4, c.perChannel ?? true);
      const bias = c.bias === false ? null : randomFloats(c.w[0], 40 + k, -0.5, 0.5);
      const r = await checkOp(windowSpec(c.x, c.w, c.attrs, values, bias), { weights: members, bits: c.bits ?? 4, actBits: c.actBits });
      process.stdout.write(`Conv ${c.name}: max err ${r.maxErr.toExponential(3)}, bound ${exactWeightBound(r, values, c.w[0]).toExponential(3)}\n`);
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual([c.kernel]);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      expect(r.maxErr).toBeLessThanOrEqual(exactWeightBound(r, values, c.w[0]));
    });
  }

  it('two convs with a ReLU fused into the first (an int8 tensor between them: pk_conv_w4_i16_i8 then pk_conv_w4_i8_i16): C == simulator, within the propagated rounding', async () => {
    const w1 = [16, 3, 5];
    const w2 = [8, 16, 3];
    const a = intWeights(w1, 60);
    const b = intWeights(w2, 61);
    const members: Members = {};
    for (const [k, v] of Object.entries(a.members)) members[k.replace('W', 'W1')] = v;
    for (const [k, v] of Object.entries(b.members)) members[k.replace('W', 'W2')] = v;
    const spec: ModelSpec = {
      inputs: [CSI],
      outputs: [['y']],
      initializers: [int64Tensor('shape', [3], [-1, 3, 1140]), floatTensor('W1', w1, a.values), floatTensor('W2', w2, b.values), floatTensor('B1', [16], randomFloats(16, 62, -0.3, 0.3))],
      nodes: [
        { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xr'] },
        { op: 'Conv', inputs: ['xr', 'W1', 'B1'], outputs: ['h'], attrs: { strides: [2], pads: [2, 2] }, name: '/c1/Conv' },
        { op: 'Relu', inputs: ['h'], outputs: ['hr'], name: '/c1/Relu' },
        { op: 'Conv', inputs: ['hr', 'W2'], outputs: ['y'], attrs: { strides: [3], pads: [1, 1] }, name: '/c2/Conv' },
      ],
    };
    const r = await checkOp(spec, { weights: members });
    const ops = r.compiled.report.ops;
    expect(ops.map((o) => o.kernel)).toEqual(['pk_conv_w4_i16_i8', 'pk_conv_w4_i8_i16']);
    expect(ops[0].quant.some((q) => /ReLU "\/c1\/Relu" fused/.test(q))).toBe(true);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // conv 1's error (input rounding) plus its output's rounding (half an int8 step), through conv 2's |w|.
    const midScale = ops[0].outputs[0].scale;
    const e1 = exactWeightBound({ ...r, outputScale: midScale }, a.values, 16);
    let sum2 = 0;
    for (let o = 0; o < 8; o++) sum2 = Math.max(sum2, b.values.slice(o * 48, (o + 1) * 48).reduce((s, v) => s + Math.abs(v), 0));
    const bound = e1 * sum2 + r.outputScale + 1e-5;
    process.stdout.write(`Conv chain: max err ${r.maxErr.toExponential(3)}, bound ${bound.toExponential(3)}\n`);
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });

  it('weights the npz keeps float: quantized by the kernel to int8, one scale per output channel (within the weight and input rounding)', async () => {
    const w = [6, 3, 3, 3];
    const values = randomFloats(162, 70, -0.05, 0.05);
    const r = await checkOp(windowSpec([1, 3, 114, 10], w, { pads: [1, 1, 1, 1] }, values, randomFloats(6, 71, -0.2, 0.2)));
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_conv_w8_i16_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // Each weight moves by at most half its row's step (max |w| / 254) times an input of at most 64 (the
    // window's amplitudes stay below 64: 2^6, a quarter of the int16 range at the chosen 7 fraction bits).
    let bound = exactWeightBound(r, values, 6);
    for (let o = 0; o < 6; o++) {
      const row = values.slice(o * 27, (o + 1) * 27);
      bound = Math.max(bound, exactWeightBound(r, values, 6) + 64 * 27 * Math.max(...Array.from(row, Math.abs)) / 254);
    }
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });

  it('refuses what it does not support, naming the node: a 3-D (5-D input) conv, a weight computed at run time, SAME padding with a dilation', async () => {
    expect(() => importOnnx(buildModel({
      inputs: [['x', [1, 2, 4, 4, 4]]], outputs: [['y']], initializers: [floatTensor('W', [2, 2, 1, 1, 1], new Float32Array(4))],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], name: 'conv3d' }],
    }))).toThrow(/node "conv3d" \(Conv\): input \[1,2,4,4,4\] has rank 5; supported: 1-D \[N,C,L\] and 2-D \[N,C,H,W\]/);
    // The weight is the window itself (a Reshape of the input): an activation, not a constant.
    expect(() => planOnly({
      inputs: [CSI], outputs: [['y']],
      initializers: [int64Tensor('xs', [3], [-1, 3, 1140]), int64Tensor('ws', [3], [-1, 3, 57])],
      nodes: [
        { op: 'Reshape', inputs: ['csi', 'xs'], outputs: ['x'] },
        { op: 'Reshape', inputs: ['csi', 'ws'], outputs: ['w'] },
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'conv_dyn' },
      ],
    })).toThrow(/node "conv_dyn" \(Conv\): the weight w must be a constant/);
    expect(() => importOnnx(buildModel({
      inputs: [['x', [1, 2, 9]]], outputs: [['y']], initializers: [floatTensor('W', [2, 2, 3], new Float32Array(12))],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], name: 'conv_same', attrs: { auto_pad: 'SAME_UPPER', dilations: [2] } }],
    }))).toThrow(/node "conv_same" \(Conv\): auto_pad SAME_UPPER with dilations \[2\] is not supported/);
  });
});
