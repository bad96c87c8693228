// ONNX HardSwish: float semantics against onnxruntime, and end to end: pk_hardswish_X_Y (a Q15 gate x/6 + 1/2
// from one requantization, then x times the gate requantized), C == simulator (gcc -O2, clang sanitizers),
// within the stated bound of onnxruntime on the raw window (linear beyond 3, where a table would not reach) and
// after a Conv that spreads the amplitudes over both kinks, at int16 and int8.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp } from './conformance.ts';
import { afterConv, onWindow } from './activation-cases.ts';

describe('HardSwish', () => {
  it('float semantics (import + interpreter) match onnxruntime', async () => {
    const spec = { inputs: [['x', [1, 4, 9]]] as [string, number[]][], outputs: [['y']] as [string][], nodes: [{ op: 'HardSwish', inputs: ['x'], outputs: ['y'] }] };
    for (const o of await checkFloat(spec, [-6, 6])) expect(o.relErr).toBeLessThanOrEqual(1e-6);
  });

  it('on the raw window (int16 at 2^-7, amplitudes up to ~44): pk_hardswish_i16_i16, within the bound', async () => {
    const r = await checkOp(onWindow('HardSwish'));
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_hardswish_i16_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // Slope <= 1.5: the input's rounding; the gate's half Q15 step times |x| <= 64; the output's rounding.
    const bound = 1.5 * (r.inputScale / 2) + 64 * 2 ** -16 + r.outputScale / 2 + 1e-6;
    process.stdout.write(`HardSwish on the window: max err ${r.maxErr.toExponential(3)}, bound ${bound.toExponential(3)}\n`);
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });

  for (const actBits of [16, 8] as const) {
    it(`after a Conv (inputs over [-4, 7]) at --act-bits ${actBits}: C == simulator, within the bound`, async () => {
      const r = await checkOp(afterConv('HardSwish', [0.25, 0.2, 0.3], [-4, -1, -2]), { actBits });
      const [conv, hs] = r.compiled.report.ops;
      expect(hs.kernel).toBe(`pk_hardswish_i${actBits}_i16`);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      // The Conv's error (its output's rounding, the input's through w <= 0.3; its weights are exact) at slope
      // <= 1.5, the gate's half Q15 step times |x| <= 8, the output's rounding.
      const bound = 1.5 * (conv.outputs[0].scale / 2 + 0.3 * (r.inputScale / 2)) + 8 * 2 ** -16 + r.outputScale / 2 + 1e-6;
      expect(r.maxErr).toBeLessThanOrEqual(bound);
    });
  }
});
