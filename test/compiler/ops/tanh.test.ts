// ONNX Tanh end to end (its float semantics are in ops.test.ts): on an int16 input, a table over the active
// range +-8 (pk_lut16_range); C == simulator (gcc -O2, clang sanitizers), within the stated bound of
// onnxruntime, on the raw window and after a Conv that spreads the amplitudes over the active range.
import { describe, expect, it } from 'vitest';
import { checkOp } from './conformance.ts';
import { afterConv, onWindow } from './activation-cases.ts';

/** Interpolation error h^2/8 max|tanh''| (0.7698) for a step of h input units. */
const interp = (h: number) => (h * h * 0.7698) / 8;

describe('Tanh', () => {
  it('on the raw window (int16 at 2^-7): every 8 codes over +-8 (pk_lut16_range_i16), within the bound', async () => {
    const r = await checkOp(onWindow('Tanh'));
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_lut16_range_i16']);
    expect(r.compiled.qgraph.ops[0]).toMatchObject({ kind: 'lut16r', shift: 3, lo: -1024 });
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    const bound = r.inputScale / 2 + interp(8 * r.inputScale) + r.outputScale + 2.3e-7;
    process.stdout.write(`Tanh on the window: max err ${r.maxErr.toExponential(3)}, bound ${bound.toExponential(3)}\n`);
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });

  it('after a Conv at --act-bits 16 (inputs over [-4, 7]): the table on the calibrated scale, within the bound', async () => {
    const r = await checkOp(afterConv('Tanh', [0.25, 0.2, 0.3], [-4, -1, -2]), { actBits: 16 });
    const [conv, lut] = r.compiled.report.ops;
    expect([conv.kernel, lut.kernel]).toEqual(['pk_conv_w8_i16_i16', 'pk_lut16_range_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    const s = conv.outputs[0].scale;
    const step = (1 << (r.compiled.qgraph.ops[1] as { shift: number }).shift) * s;
    // The Conv's error (its output's rounding, the input's through w <= 0.3; each weight is its row's only one,
    // so its int8 code 127 is exact) at slope <= 1, the interpolation, the table's and the output's rounding.
    const bound = s / 2 + 0.3 * (r.inputScale / 2) + interp(step) + r.outputScale + 1e-6;
    process.stdout.write(`Tanh after a Conv: max err ${r.maxErr.toExponential(3)}, bound ${bound.toExponential(3)}\n`);
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });
});
