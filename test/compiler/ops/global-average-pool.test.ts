// ONNX GlobalAveragePool: float semantics against onnxruntime (1-D and 2-D), and end to end: the average
// pooling kernel over whole planes (pk_avgpool_X_Y, one divisor), C == simulator (gcc -O2, clang sanitizers),
// within half an input and half an output step of onnxruntime.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp } from './conformance.ts';
import { poolOnWindow } from './pool-cases.ts';

describe('GlobalAveragePool', () => {
  it('float semantics (import + interpreter) match onnxruntime: [1,4,13] and [1,3,5,7]', async () => {
    for (const x of [[1, 4, 13], [1, 3, 5, 7]]) {
      for (const o of await checkFloat({ inputs: [['x', x]], outputs: [['y']], nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }] })) {
        expect(o.shape).toEqual(o.refShape);
        expect(o.relErr).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  for (const x of [[1, 3, 114, 10], [10, 3, 114], [1, 342, 10]]) {
    it(`over [${x.join(',')}] (the window reshaped): C == simulator, within half an input and half an output step of onnxruntime`, async () => {
      const r = await checkOp(poolOnWindow('GlobalAveragePool', x, {}));
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_avgpool_i16_i16']);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      expect(r.maxErr).toBeLessThanOrEqual(r.inputScale / 2 + r.outputScale / 2 + 1e-6);
    });
  }
});
