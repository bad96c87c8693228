// The kernel mirrors refuse calls the C kernels would turn into out-of-bounds accesses or undefined
// arithmetic, with a message naming the kernel and the buffer, instead of computing with undefined values.
import { describe, expect, it } from 'vitest';
import { attention } from '../../../src/compiler/kernels/attention/sim.ts';
import { linearW4 } from '../../../src/compiler/kernels/linear/sim.ts';
import { minmaxNormalize } from '../../../src/compiler/kernels/normalize/sim.ts';
import { softmaxRow } from '../../../src/compiler/kernels/softmax/sim.ts';

const lin = { T: 2, in: 3, xStride: 3, out: 2, yStride: 2, bias: null, biasShift: 0, mult: [2 ** 30], shift: [0], perRow: false, outMin: -128, outMax: 127 };

describe('kernel mirror argument checks', () => {
  it('linear: short weights, activations or outputs', () => {
    expect(() => linearW4(new Int8Array(6), new Uint8Array(3), lin, new Int8Array(4))).toThrow(
      'linear_w4 weights: buffer of 3 elements, the call needs 4',
    );
    expect(() => linearW4(new Int8Array(5), new Uint8Array(4), lin, new Int8Array(4))).toThrow(
      'linear_w4 x: buffer of 5 elements, the call needs 6',
    );
    expect(() => linearW4(new Int8Array(6), new Uint8Array(4), { ...lin, perRow: true }, new Int8Array(4))).toThrow(
      'linear_w4 mult: buffer of 1 elements, the call needs 2',
    );
  });
  it('normalize: output shorter than the window', () => {
    expect(() => minmaxNormalize(new Int16Array(3420), 342, 10, new Int8Array(3419))).toThrow(
      'minmax_normalize y: buffer of 3419 elements, the call needs 3420',
    );
  });
  it('softmax and attention: more than 128 tokens', () => {
    expect(() => softmaxRow(new Int32Array(129), 129, 2 ** 30, 0, new Int32Array(129))).toThrow('softmax_row: n = 129 outside 1..128');
    const p = { ld: 3, T: 129, H: 1, hd: 1, logitShift: 0, smMult: 2 ** 30, smShift: 0, mult: 2 ** 30, shift: 0, outMin: -128, outMax: 127, yStride: 1 };
    const b = new Int8Array(3 * 129);
    expect(() => attention(b, b.subarray(1), b.subarray(2), p, new Int8Array(129))).toThrow(
      'attention: 129 tokens exceed the softmax limit of 128',
    );
  });
});
