// One QOp -> one call into the kernel mirror, with exactly the arguments the emitter passes to the C
// kernel (src/compiler/emit/component.ts builds the same list for the C call).
import type { Act } from './kernels/common.ts';
import { minmaxNormalize } from './kernels/normalize.ts';
import { linearW4, linearW8 } from './kernels/linear.ts';
import { addRequant, lut16Interp, lut8, relu } from './kernels/elementwise.ts';
import { layerNorm } from './kernels/layernorm.ts';
import { attention, attentionPool } from './kernels/attention.ts';
import { matmulConstLeft } from './kernels/matmul-const.ts';
import type { ConstValues, QOp } from '../quant/qgraph.ts';

export function runKernel(op: QOp, buf: (name: string) => Act, constOf: (key: string) => ConstValues): void {
  const x = buf(op.inputs[0]);
  const y = buf(op.outputs[0]);
  switch (op.kind) {
    case 'normalize':
      minmaxNormalize(x as Int16Array, op.F, op.P, y);
      return;
    case 'linear': {
      const p = {
        T: op.T, in: op.inF, xStride: op.xStride, out: op.outF, yStride: op.yStride,
        bias: op.bias ? (constOf(op.bias) as Int16Array) : null, biasShift: op.biasShift,
        mult: constOf(op.mult), shift: constOf(op.shift), perRow: op.perRow, outMin: op.outMin, outMax: op.outMax,
      };
      if (op.wbits === 4) linearW4(x, constOf(op.weight) as Uint8Array, p, y);
      else linearW8(x, constOf(op.weight) as Int8Array, p, y);
      return;
    }
    case 'add': {
      const b = op.bConst ? (constOf(op.bConst) as Act) : buf(op.inputs[1]);
      addRequant(x, b, op.n, op.multA, op.multB, op.shift, op.outMin, op.outMax, y);
      return;
    }
    case 'relu':
      relu(x, op.n, y);
      return;
    case 'lut8':
      lut8(x as Int8Array, op.n, constOf(op.table) as Act, y);
      return;
    case 'lut16':
      lut16Interp(x as Int16Array, op.n, constOf(op.table) as Int16Array, y);
      return;
    case 'layernorm':
      layerNorm(x, {
        T: op.T, d: op.d, xStride: op.d, yStride: op.d, epsQ: op.epsQ,
        gamma: constOf(op.gamma) as Int16Array, beta: constOf(op.beta) as Int16Array,
        preShift: op.preShift, mult: op.mult, shift: op.shift, outMin: op.outMin, outMax: op.outMax,
      }, y);
      return;
    case 'attention':
      attention(buf(op.q).subarray(op.qOffset), buf(op.k).subarray(op.kOffset), buf(op.v).subarray(op.vOffset), {
        ld: op.ld, T: op.T, H: op.H, hd: op.hd, logitShift: op.logitShift, smMult: op.smMult, smShift: op.smShift,
        mult: op.mult, shift: op.shift, yStride: op.H * op.hd, outMin: op.outMin, outMax: op.outMax,
      }, y);
      return;
    case 'attention_pool':
      attentionPool(x, buf(op.inputs[1]) as Int16Array, {
        T: op.T, d: op.d, xStride: op.d, smMult: op.smMult, smShift: op.smShift, mult: op.mult, shift: op.shift,
        outMin: op.outMin, outMax: op.outMax,
      }, y);
      return;
    case 'matmul_const':
      matmulConstLeft(constOf(op.a) as Int16Array, x, op.n, op.m, op.k, op.mult, op.shift, op.outMin, op.outMax, y);
      return;
  }
}
