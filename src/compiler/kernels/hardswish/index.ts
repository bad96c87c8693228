// HardSwish, x * hardsigmoid(x), in integers at any input scale (not a table: it is linear beyond 3, so a
// table over a bounded range cannot hold it, and a whole-range one misses its kinks on a coarse scale): the
// gate g = clamp(rq(x, s_x 2^15 / 6) + 2^14, 0, 2^15) is x / 6 + 1/2 in Q15 to half a step, then
// y = sat(rq(x g, s_x 2^-15 / s_y)). C: pk_hardswish_X_Y (templates/c/kernels/pk_hardswish.h).
import type { Node } from '../../ir/graph.ts';
import { quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';

export interface HardSwishOp extends QOpCommon, Requantized {
  kind: 'hardswish';
  n: number;
  /** x / 6 in Q15: multiplier and shift. */
  gateMult: number;
  gateShift: number;
}

function plan(ctx: PlanContext, node: Node): HardSwishOp {
  const x = ctx.tensor(node.inputs[0]);
  const y = ctx.tensor(node.outputs[0]);
  const gate = quantizeMultiplier((x.scale * 32768) / 6, `${node.name} gate`);
  const out = quantizeMultiplier((x.scale / 32768) / y.scale, `${node.name} requantization`);
  const op: HardSwishOp = {
    ...ctx.common(node, [x.name], [y.name]), kind: 'hardswish', n: x.elems, gateMult: gate.mult, gateShift: gate.shift,
    mult: out.mult, shift: out.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`gate x/6 + 1/2 in Q15 (multiplier ${gate.mult} >> ${31 + gate.shift}), y = x gate requantized`);
  return op;
}

/** Mirror of pk_hardswish_X_Y. */
function hardswish(x: Act, n: number, gateMult: number, gateShift: number, mult: number, shift: number, outMin: number, outMax: number, y: Act): void {
  need(x, n, 'hardswish x');
  need(y, n, 'hardswish y');
  for (let i = 0; i < n; i++) {
    const g = saturate(requant(x[i], gateMult, gateShift) + 16384, 0, 32768);
    y[i] = saturate(requant(x[i] * g, mult, shift), outMin, outMax);
  }
}

export const hardSwishKernel: Kernel<HardSwishOp> = {
  kinds: ['hardswish'],
  irOps: ['HardSwish'],
  headers: ['pk_hardswish.h'],
  calibrated: true,
  plan,
  cName: (op, bitsOf) => `pk_hardswish_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: HardSwishOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    { name: 'gate_mult', value: op.gateMult },
    { name: 'gate_shift', value: op.gateShift },
    ...requantArgs<R>(op, 'mult'),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: hardswish,
};
