// ONNX GRU (one layer, forward): its float semantics against onnxruntime (both linear_before_reset forms,
// with and without bias, a sequence of length 1, odd sizes); the gate tables' accuracy over every int16
// pre-activation; and end to end on the CSI window (the packets as the sequence): the integer GRU (pk_gru_wW_i16),
// C == simulator (gcc -O2, clang sanitizers), within a worst-case error bound derived step by step from the
// weights, of onnxruntime; refusals name the node.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp, planOnly, type OpCheck } from './conformance.ts';
import { buildModel, floatTensor, int64Tensor, randomFloats, type AttrValue, type ModelSpec, type NodeSpec } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { gruTables } from '../../../src/compiler/kernels/gru/index.ts';
import { GRU_G_BITS, gruSigmoid, gruTanh } from '../../../src/compiler/kernels/gru/sim.ts';
import { pack4, type Members } from '../quant/qweights-fixture.ts';
import { gruReference } from '../../../src/compiler/ops/gru.ts';
import { simulate } from '../../../src/compiler/sim/run.ts';
import { quantizeInput } from '../../../src/compiler/io-format.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { BUNDLED } from '../../../src/bundled.ts';

const testX = readNpy(BUNDLED.testX).data as Float32Array;
import { CSI } from './pool-cases.ts';

/** Max error of the gate tables in the function's value (interpolation h^2/8 max|f''|, table and result rounding). */
const SIGMOID_ERR = 2.2e-4;
const TANH_ERR = 4.1e-4;
const Q15 = 2 ** -15;
const G = 2 ** -GRU_G_BITS;

/** X [T, 1, I] from a Reshape of a [1, T I] input (import fixes a graph input's first axis to the batch, 1). */
function gruModel(T: number, I: number, H: number, lbr: 0 | 1, bias: boolean, outputs: ('Y' | 'Y_h')[], seed: number): ModelSpec {
  return {
    inputs: [['flat', [1, T * I]]],
    outputs: outputs.map((o) => [o]),
    initializers: [
      int64Tensor('shape', [3], [T, 1, I]),
      floatTensor('W', [1, 3 * H, I], randomFloats(3 * H * I, seed, -0.8, 0.8)),
      floatTensor('R', [1, 3 * H, H], randomFloats(3 * H * H, seed + 1, -0.8, 0.8)),
      ...(bias ? [floatTensor('B', [1, 6 * H], randomFloats(6 * H, seed + 2, -0.5, 0.5))] : []),
    ],
    nodes: [{ op: 'Reshape', inputs: ['flat', 'shape'], outputs: ['x'] }, { op: 'GRU', inputs: ['x', 'W', 'R', ...(bias ? ['B'] : [])], outputs: outputs.length === 2 ? ['Y', 'Y_h'] : outputs[0] === 'Y' ? ['Y'] : ['', 'Y_h'], attrs: { hidden_size: H, linear_before_reset: lbr } }],
  };
}

/** int4 codes in [-7, 7] with one scale per row: npz members under `name` and the float values ([1, rows, cols]). */
function int4Rows(name: string, rows: number, cols: number, seed: number, scale: number): { members: Members; values: Float32Array; rowSums: number[] } {
  const q = Array.from(randomFloats(rows * cols, seed, -7.49, 7.49), Math.round);
  const scales = Float32Array.from(randomFloats(rows, seed + 3, 0.5 * scale, scale));
  const values = Float32Array.from(q, (v, i) => v * scales[Math.floor(i / cols)]);
  const rowSums = Array.from({ length: rows }, (_, r) => values.slice(r * cols, (r + 1) * cols).reduce((s, v) => s + Math.abs(v), 0));
  return {
    values, rowSums,
    members: {
      [`${name}.int4`]: { data: pack4(q), shape: [Math.ceil((rows * cols) / 2)] },
      [`${name}.scale`]: { data: scales, shape: [rows] },
      [`${name}.shape`]: { data: BigInt64Array.from([rows, cols], BigInt), shape: [2] },
    },
  };
}

interface WindowGru {
  T: number;
  lbr: 0 | 1;
  H: number;
  useY: boolean;
  bias: boolean;
}

/**
 * csi [n,3,114,10] -> Reshape [n, T, 3420/T] -> Transpose [1,0,2] (a view at batch 1) -> GRU -> Y_h, or Y
 * (moved batch-first, again a view) -> Clip(-2, 2) (a requantizing op: the GRU's Q15 state cannot be the model
 * output). W and R are int4 codes with per-row scales in the npz.
 */
function windowGru(c: WindowGru, seed: number) {
  const I = 3420 / c.T;
  // sum |R| of a row about 0.4: a contraction, so the error bound stays finite over the steps.
  const w = int4Rows('W', 3 * c.H, I, seed, 0.002);
  const r = int4Rows('R', 3 * c.H, c.H, seed + 10, 0.12 / c.H);
  const b = randomFloats(6 * c.H, seed + 20, -0.5, 0.5);
  const members: Members = { ...w.members, ...r.members };
  const tail: NodeSpec[] = c.useY
    ? [{ op: 'Transpose', inputs: ['Y'], outputs: ['Yb'], attrs: { perm: [2, 0, 1, 3] } }, { op: 'Clip', inputs: ['Yb', 'lo', 'hi'], outputs: ['y'] }]
    : [{ op: 'Clip', inputs: ['Y_h', 'lo', 'hi'], outputs: ['y'] }];
  const spec: ModelSpec = {
    inputs: [CSI],
    outputs: [['y']],
    initializers: [
      int64Tensor('shape', [3], [-1, c.T, I]), floatTensor('lo', [], [-2]), floatTensor('hi', [], [2]),
      floatTensor('W', [1, 3 * c.H, I], w.values), floatTensor('R', [1, 3 * c.H, c.H], r.values), ...(c.bias ? [floatTensor('B', [1, 6 * c.H], b)] : []),
    ],
    nodes: [
      { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xs'] },
      { op: 'Transpose', inputs: ['xs'], outputs: ['x'], attrs: { perm: [1, 0, 2] } },
      { op: 'GRU', inputs: ['x', 'W', 'R', ...(c.bias ? ['B'] : [])], outputs: c.useY ? ['Y'] : ['', 'Y_h'], attrs: { hidden_size: c.H, linear_before_reset: c.lbr }, name: '/gru/GRU' },
      ...tail,
    ],
  };
  return { spec, members, w: w.values, r: r.values, wRowSums: w.rowSums, rRowSums: r.rowSums, b: c.bias ? b : new Float32Array(6 * c.H) };
}

/**
 * A worst-case bound of |h_int - h_float| after T steps, step by step. Pre-activation error: the input's
 * rounding (half an input step times sum |W| of a row), the requantizations to G (half a step each, two), and
 * the previous state's error through R (sum |R| of a row). Gates: sigmoid's slope is at most 1/4, plus its
 * table error; the candidate's pre-activation also moves with r times |R h + Rb| <= sum |R| + |Rb| (lbr 1) or
 * carries r's error into R (r h) (lbr 0), plus the tanh table error. h' = (1 - z) n + z h moves by at most
 * max(dn, dh) + |dz| |h - n| (|h - n| <= 2), plus the Q15 roundings.
 */
function gruBound(r: OpCheck, T: number, H: number, lbr: 0 | 1, wRowSums: number[], rRowSums: number[], b: Float32Array, withInput = true): number {
  const inputTerm = withInput ? (r.inputScale / 2) * Math.max(...wRowSums) : 0;
  const rNorm = Math.max(...rRowSums);
  const rbMax = Math.max(0, ...Array.from(b.slice(5 * H), Math.abs));
  let dh = 0;
  for (let t = 0; t < T; t++) {
    const dPre = inputTerm + G + rNorm * dh;
    const dGate = dPre / 4 + SIGMOID_ERR + Q15;
    const dn = lbr ? dPre + (rNorm + rbMax) * dGate + TANH_ERR + 2 * Q15 : dPre + rNorm * (dGate + Q15) + G / 2 + TANH_ERR + Q15;
    dh = Math.max(dn, dh) + 2 * dGate + Q15;
  }
  // The Clip requantizes Q15 to the output's scale: half an output step.
  return dh + (withInput ? r.outputScale / 2 : 0) + 1e-6;
}

describe('GRU', () => {
  it('float semantics (import + interpreter) match onnxruntime: both linear_before_reset, with and without bias, T = 1, odd sizes, Y and Y_h', async () => {
    const cases: [number, number, number, 0 | 1, boolean, ('Y' | 'Y_h')[]][] = [
      [10, 8, 6, 1, true, ['Y', 'Y_h']],
      [10, 8, 6, 0, true, ['Y', 'Y_h']],
      [1, 5, 3, 0, true, ['Y']],
      [1, 5, 3, 1, false, ['Y_h']],
      [7, 9, 5, 0, false, ['Y', 'Y_h']],
    ];
    for (const [k, [T, I, H, lbr, bias, outs]] of cases.entries()) {
      for (const o of await checkFloat(gruModel(T, I, H, lbr, bias, outs, 30 + 5 * k))) {
        expect(o.shape, `${T},${I},${H} lbr ${lbr} ${o.name}`).toEqual(o.refShape);
        expect(o.relErr, `${T},${I},${H} lbr ${lbr} ${o.name}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('the gate tables: over every int16 pre-activation (and beyond), sigmoid within 2.2e-4 and tanh within 4.1e-4 of the function', () => {
    const { sig, tanh } = gruTables();
    let es = 0;
    let et = 0;
    for (let v = -70000; v <= 70000; v++) {
      const x = v * G;
      es = Math.max(es, Math.abs(gruSigmoid(v, sig) / 32768 - 1 / (1 + Math.exp(-x))));
      et = Math.max(et, Math.abs(gruTanh(v, tanh) / 32768 - Math.tanh(x)));
    }
    process.stdout.write(`GRU gate tables: max error sigmoid ${es.toExponential(3)}, tanh ${et.toExponential(3)}\n`);
    expect(es).toBeLessThanOrEqual(SIGMOID_ERR);
    expect(et).toBeLessThanOrEqual(TANH_ERR);
  });

  const CASES: (WindowGru & { name: string })[] = [
    { name: 'T = 10 (the packets), linear_before_reset 1, H = 16, Y_h', T: 10, lbr: 1, H: 16, useY: false, bias: true },
    { name: 'T = 10, linear_before_reset 0, H = 16, Y', T: 10, lbr: 0, H: 16, useY: true, bias: true },
    { name: 'T = 1 (a sequence of length 1), linear_before_reset 0, H = 7 (odd int4 rows), no bias, Y_h', T: 1, lbr: 0, H: 7, useY: false, bias: false },
    { name: 'T = 5, linear_before_reset 1, H = 9, Y', T: 5, lbr: 1, H: 9, useY: true, bias: true },
  ];
  for (const [k, c] of CASES.entries()) {
    it(`${c.name}: C == simulator (gcc -O2, clang sanitizers), within the step-by-step error bound of onnxruntime`, async () => {
      const m = windowGru(c, 100 + 40 * k);
      const r = await checkOp(m.spec, { weights: m.members });
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_gru_w4_i16', 'pk_clip_i16']);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      const bound = gruBound(r, c.T, c.H, c.lbr, m.wRowSums, m.rRowSums, m.b);
      // The GRU alone: its Q15 state against the float GRU run on the same (dequantized) input codes, so the
      // input's rounding drops out of the bound.
      const g = r.compiled.qgraph;
      const I = 3420 / c.T;
      let own = 0;
      for (let n = 0; n < 8; n++) {
        const sim = simulate(g, quantizeInput(testX.subarray(n * 3420, (n + 1) * 3420), g.inputFracBits), { keepTensors: true });
        const x = Float32Array.from(sim.tensors!.get('x')!, (v) => v * r.inputScale);
        const ref = gruReference(x, m.w, m.r, c.bias ? m.b : undefined, c.T, I, c.H, c.lbr);
        const got = sim.tensors!.get(c.useY ? 'Y' : 'Y_h')!;
        const want = c.useY ? ref.y : ref.yh;
        for (let i = 0; i < want.length; i++) own = Math.max(own, Math.abs(got[i] * Q15 - want[i]));
      }
      const ownBound = gruBound(r, c.T, c.H, c.lbr, m.wRowSums, m.rRowSums, m.b, false);
      process.stdout.write(`GRU ${c.name}: vs onnxruntime max err ${r.maxErr.toExponential(3)} (bound ${bound.toExponential(3)}); the GRU alone ${own.toExponential(3)} (bound ${ownBound.toExponential(3)})\n`);
      expect(r.maxErr).toBeLessThanOrEqual(bound);
      expect(own).toBeLessThanOrEqual(ownBound);
    });
  }

  it('refuses what it does not support, naming the node', () => {
    const model = (attrs: Record<string, AttrValue>, x = [4, 1, 3], extra: string[] = []) =>
      buildModel({
        inputs: [['flat', [1, x.reduce((a, b) => a * b, 1)]], ...extra.map((e): [string, number[]] => [e, [1, 1, 2]])],
        outputs: [['Y']],
        initializers: [int64Tensor('shape', [3], x), floatTensor('W', [1, 6, 3], new Float32Array(18)), floatTensor('R', [1, 6, 2], new Float32Array(12))],
        nodes: [
          { op: 'Reshape', inputs: ['flat', 'shape'], outputs: ['x'] },
          { op: 'GRU', inputs: ['x', 'W', 'R', ...(extra.length ? ['', '', ...extra] : [])], outputs: ['Y'], attrs: { hidden_size: 2, ...attrs }, name: 'gru' },
        ],
      });
    expect(() => importOnnx(model({ direction: 'bidirectional' }))).toThrow(/node "gru" \(GRU\): direction "bidirectional" is not supported \(only forward\)/);
    expect(() => importOnnx(model({ clip: { float: 3 } }))).toThrow(/node "gru" \(GRU\): clip is not supported/);
    expect(() => importOnnx(model({ layout: 1 }))).toThrow(/node "gru" \(GRU\): layout 1 \(batch first\) is not supported/);
    expect(() => importOnnx(model({}, [4, 2, 3]))).toThrow(/node "gru" \(GRU\): X \[4,2,3\] has a batch of 2; only 1 is supported/);
    expect(() => importOnnx(model({}, [4, 1, 3], ['h0']))).toThrow(/node "gru" \(GRU\): initial_h is not supported/);
    // The GRU's state is Q15; the model output's scale is fixed by the kernel API.
    expect(() => planOnly({
      inputs: [CSI], outputs: [['Y_h']],
      initializers: [int64Tensor('s', [3], [10, 1, 342]), floatTensor('W', [1, 6, 342], new Float32Array(2052)), floatTensor('R', [1, 6, 2], new Float32Array(12))],
      nodes: [{ op: 'Reshape', inputs: ['csi', 's'], outputs: ['x'] }, { op: 'GRU', inputs: ['x', 'W', 'R'], outputs: ['', 'Y_h'], attrs: { hidden_size: 2 }, name: 'gru_out' }],
    })).toThrow(/node "gru_out" \(GRU\): writes the model output Y_h; its hidden state is Q15/);
  });
});
