// One QOp -> one call into the kernel mirror, with exactly the arguments the emitter passes to the C
// kernel (src/compiler/emit/component.ts builds the same list for the C call).
import type { Act } from './kernels/common.ts';
import { minmaxNormalize } from './kernels/normalize.ts';
import { linearW4, linearW8 } from './kernels/linear.ts';
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
        bias: op.bias ? (constOf(op.bias) as Int32Array) : null,
        mult: constOf(op.mult), shift: constOf(op.shift), perRow: op.perRow, outMin: op.outMin, outMax: op.outMax,
      };
      if (op.wbits === 4) linearW4(x, constOf(op.weight) as Uint8Array, p, y);
      else linearW8(x, constOf(op.weight) as Int8Array, p, y);
      return;
    }
    default:
      throw new Error(`simulator: no kernel mirror wired for ${op.kind} (op ${op.name})`);
  }
}
