// ONNX Sigmoid end to end (its float semantics are in ops.test.ts): on an int16 input the table covers only the
// function's active range (+-12, pk_lut16_range), so even on the raw window's coarse scale (2^-7: the whole-range
// table stepped 2.0 units and missed by 0.05) it interpolates every 16 codes; C == simulator (gcc -O2, clang
// sanitizers), within the stated bound of onnxruntime; on an int8 input the 256-entry table (pk_lut8).
import { describe, expect, it } from 'vitest';
import { checkOp } from './conformance.ts';
import { afterConv, onWindow } from './activation-cases.ts';

/** Interpolation error h^2/8 max|sigmoid''| (0.0962) for a step of h input units. */
const interp = (h: number) => (h * h * 0.0962) / 8;

describe('Sigmoid', () => {
  it('on the raw window (int16 at 2^-7): a 257-point table every 16 codes over +-12 (pk_lut16_range_i16), within the bound', async () => {
    const r = await checkOp(onWindow('Sigmoid'));
    const op = r.compiled.qgraph.ops[0];
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_lut16_range_i16']);
    expect(op).toMatchObject({ kind: 'lut16r', shift: 4, lo: -2048 });
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // Input rounding (half a step, slope <= 1/4), interpolation over 16 codes, table and result rounding
    // (half an output step each), sigmoid(12) vs 1 beyond the table.
    const bound = (r.inputScale / 2) / 4 + interp(16 * r.inputScale) + r.outputScale + 6.2e-6;
    process.stdout.write(`Sigmoid on the window: max err ${r.maxErr.toExponential(3)}, bound ${bound.toExponential(3)}\n`);
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });

  it('int8 input after a Conv (--act-bits 8): the exact 256-entry table, pk_lut8_i16', async () => {
    const r = await checkOp(afterConv('Sigmoid', [0.3, 0.25, 0.2], [-3, -2, -4]));
    const [conv, lut] = r.compiled.report.ops;
    expect([conv.kernel, lut.kernel]).toEqual(['pk_conv_w8_i16_i8', 'pk_lut8_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // The Conv's int8 output step and the input's rounding through w <= 0.3 (each weight is its row's only one,
    // so its int8 code 127 is exact), times the slope 1/4, and the output's rounding.
    const s8 = conv.outputs[0].scale;
    const bound = (s8 / 2 + 0.3 * (r.inputScale / 2)) / 4 + r.outputScale / 2 + 1e-6;
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });
});
