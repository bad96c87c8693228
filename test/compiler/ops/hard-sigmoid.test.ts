// ONNX HardSigmoid: float semantics against onnxruntime (default and given alpha, beta, a negative alpha), and
// end to end: a table over the range where it is not constant (pk_lut16_range), C == simulator (gcc -O2, clang
// sanitizers), within the stated bound of onnxruntime.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp } from './conformance.ts';
import { onWindow } from './activation-cases.ts';
import type { AttrValue } from '../onnx/onnx-builder.ts';

describe('HardSigmoid', () => {
  it('float semantics (import + interpreter) match onnxruntime: default, alpha 0.5 beta 0.25, alpha -0.3', async () => {
    const variants: Record<string, AttrValue>[] = [{}, { alpha: { float: 0.5 }, beta: { float: 0.25 } }, { alpha: { float: -0.3 }, beta: { float: 0.6 } }];
    for (const attrs of variants) {
      const spec = { inputs: [['x', [1, 4, 9]]] as [string, number[]][], outputs: [['y']] as [string][], nodes: [{ op: 'HardSigmoid', inputs: ['x'], outputs: ['y'], attrs }] };
      for (const o of await checkFloat(spec, [-6, 6])) expect(o.relErr).toBeLessThanOrEqual(1e-6);
    }
  });

  for (const [alpha, beta] of [[0.2, 0.5], [-0.15, 3]]) {
    it(`alpha ${alpha}, beta ${beta} on the raw window: pk_lut16_range_i16, within half an input step times |alpha|, the kink's interpolation and the output's rounding`, async () => {
      const r = await checkOp(onWindow('HardSigmoid', { alpha: { float: alpha }, beta: { float: beta } }));
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_lut16_range_i16']);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      const step = (1 << (r.compiled.qgraph.ops[0] as { shift: number }).shift) * r.inputScale;
      // Linear interpolation is exact except across a kink, where it is off by at most |alpha| step / 4.
      const bound = Math.abs(alpha) * (r.inputScale / 2 + step / 4) + r.outputScale + 1e-6;
      expect(r.maxErr).toBeLessThanOrEqual(bound);
    });
  }
});
