// A constant matrix times an activation (pe.MatMulConst: the skeleton-graph refinement with the
// normalized COCO-17 adjacency): int16 A, its scale coarsened until every row provably fits the int32
// accumulator, one requantization. C: pk_matmul_const_left_X_Y.
import type { Node } from '../../ir/graph.ts';
import type { MatMulConstAttrs } from '../../ir/fused-ops.ts';
import { quantizeMultiplier, quantizeValues, INT32_MAX } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';
import { matmulConstLeft } from './sim.ts';

export interface MatMulConstOp extends QOpCommon, Requantized {
  kind: 'matmul_const';
  n: number;
  m: number;
  k: number;
  a: string;
}

function plan(ctx: PlanContext, node: Node): MatMulConstOp {
  const a = node.attrs as MatMulConstAttrs;
  const [aName, xName] = node.inputs;
  const A = ctx.constFloats(aName, node);
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  let m = 0;
  for (const v of A) m = Math.max(m, Math.abs(v));
  // int16 A times int16 x summed over `inner` terms can leave int32 (an adjacency row sums to more than
  // its largest entry): coarsen A's scale until the worst row provably fits the int32 accumulator.
  const xMax = x.bits === 8 ? 128 : 32768;
  let sA = m > 0 ? m / 32767 : 1;
  let aq = quantizeValues(A, sA, 16) as Int16Array;
  const worstRow = (q: Int16Array): number => {
    let worst = 0;
    for (let r = 0; r < a.rows; r++) {
      let sum = 0;
      for (let i = 0; i < a.inner; i++) sum += Math.abs(q[r * a.inner + i]);
      worst = Math.max(worst, sum * xMax);
    }
    return worst;
  };
  while (worstRow(aq) > INT32_MAX) {
    sA *= 1.0625;
    aq = quantizeValues(A, sA, 16) as Int16Array;
  }
  const aKey = ctx.addConst({ key: `${node.name}:a`, ctype: 'int16_t', values: aq, comment: `${node.name}: constant matrix ${a.aInitializer} [${a.rows}][${a.inner}] int16, scale ${sA.toPrecision(6)}` });
  const q = quantizeMultiplier((sA * x.scale) / y.scale, `${node.name} requantization`);
  const op: MatMulConstOp = {
    ...ctx.common(node, [xName], [y.name]),
    kind: 'matmul_const', n: a.rows, m: a.inner, k: a.cols, a: aKey, mult: q.mult, shift: q.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.macs = a.rows * a.inner * a.cols;
  op.notes.push(`A int16 scale ${sA.toPrecision(6)}; multiplier ${q.mult} >> ${31 + q.shift}`);
  return op;
}

export const matmulConstKernel: Kernel<MatMulConstOp> = {
  kinds: ['matmul_const'],
  irOps: ['pe.MatMulConst'],
  headers: ['pk_matmul_const.h'],
  calibrated: true,
  plan,
  cName: (op, bitsOf) => `pk_matmul_const_left_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: MatMulConstOp, r: Refs<R>): Arg<R>[] => [
    { name: 'a', value: r.constant(op.a) },
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    { name: 'm', value: op.m },
    { name: 'k', value: op.k },
    ...requantArgs<R>(op),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: (a: Int16Array, x: Act, n: number, m: number, k: number, mult: number, shift: number, outMin: number, outMax: number, y: Act) =>
    matmulConstLeft(a, x, n, m, k, mult, shift, outMin, outMax, y),
};
