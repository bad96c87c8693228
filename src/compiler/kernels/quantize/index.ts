// pe.FakeQuant (an ONNX QuantizeLinear -> DequantizeLinear pair, onnx/qdq.ts): the activation becomes an int8
// tensor at the pair's scale, the scale the weights were trained with (not a calibrated one), so the Linear
// that reads it runs the int8-activation kernel on exactly the grid of the activation-aware QAT. int8 input
// at that scale already (the normalized window): a view. Otherwise one requantization saturated to
// [qmin, qmax]; it rounds half up where QuantizeLinear rounds half to even (ties of x16 * s_x / s only).
// C: pk_quantize_i16 (templates/c/kernels/pk_quantize.h), or for an int8 input pk_clip_i8 (the same arithmetic).
import type { Node } from '../../ir/graph.ts';
import type { FakeQuantAttrs } from '../../ir/fused-ops.ts';
import { quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import type { QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { requantArgs, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';

export interface QuantizeOp extends QOpCommon, Requantized {
  kind: 'quantize';
  n: number;
}

function plan(ctx: PlanContext, node: Node): QuantizeOp | null {
  const { scale, qmin, qmax } = node.attrs as FakeQuantAttrs;
  const x = ctx.tensor(node.inputs[0]);
  const out = node.outputs[0];
  if (x.bits === 8 && Math.abs(x.scale - scale) <= 1e-6 * scale) {
    ctx.view(out, x.name);
    return null;
  }
  const y = ctx.newTensor(out, scale);
  const q = quantizeMultiplier(x.scale / y.scale, `${node.name} requantization`);
  const op: QuantizeOp = {
    ...ctx.common(node, [x.name], [out]), kind: 'quantize', n: x.elems, mult: q.mult, shift: q.shift, outMin: qmin, outMax: qmax,
  };
  op.notes.push(`int${x.bits} -> int8 at the pair's scale ${scale.toPrecision(6)} (trained, not calibrated); multiplier ${q.mult} >> ${31 + q.shift}`);
  return op;
}

/** Mirror of pk_quantize_i16 and pk_clip_i8. */
function quantize(x: Act, n: number, mult: number, shift: number, outMin: number, outMax: number, y: Act): void {
  need(x, n, 'quantize x');
  need(y, n, 'quantize y');
  for (let i = 0; i < n; i++) y[i] = saturate(requant(x[i], mult, shift), outMin, outMax);
}

export const quantizeKernel: Kernel<QuantizeOp> = {
  kinds: ['quantize'],
  irOps: ['pe.FakeQuant'],
  headers: ['pk_clip.h', 'pk_quantize.h'],
  calibrated: false,
  precision: (node, rules) => rules.int8(node.outputs[0]),
  plan,
  cName: (op, bitsOf) => (bitsOf(op.inputs[0]) === 8 ? 'pk_clip_i8' : 'pk_quantize_i16'),
  args: <R>(op: QuantizeOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    ...requantArgs<R>(op),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: quantize,
};
