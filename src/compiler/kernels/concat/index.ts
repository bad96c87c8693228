// Concat of activations along one axis (up to CONCAT_MAX_INPUTS inputs): for each of the `outer` rows of the
// output, each input's chunk in turn, every input requantized once to the calibrated output scale (the
// identity when the scales are equal). The inputs and the output share one integer type. (A Concat of shapes
// is folded long before this.) C: pk_concat_X_Y (templates/c/kernels/pk_concat.h).
import type { Node } from '../../ir/graph.ts';
import type { ConcatAttrs } from '../../ops/concat.ts';
import { normAxis } from '../../ops/support.ts';
import { quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs, type SimArg } from '../kernel.ts';

export const CONCAT_MAX_INPUTS = 4;

export interface ConcatOp extends QOpCommon {
  kind: 'concat';
  outer: number;
  /** Per input: elements per output row, requantization multiplier and shift. */
  chunks: number[];
  mults: number[];
  shifts: number[];
  outMin: number;
  outMax: number;
}

function plan(ctx: PlanContext, node: Node): ConcatOp {
  const ins = node.inputs.filter((n) => n !== '');
  if (ins.length > CONCAT_MAX_INPUTS) ctx.fail(node, `has ${ins.length} inputs; at most ${CONCAT_MAX_INPUTS} are supported (chain Concats)`);
  for (const n of ins) if (ctx.g.tensors.get(n)?.const !== undefined) ctx.fail(node, `input ${n} is a constant; only activations can be concatenated at run time`);
  const xs = ins.map((n) => ctx.tensor(n));
  const y = ctx.tensor(node.outputs[0]);
  const axis = normAxis(node, (node.attrs as ConcatAttrs).axis, y.shape.length);
  const outer = y.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const chunks = xs.map((x) => x.elems / outer);
  const q = xs.map((x) => quantizeMultiplier(x.scale / y.scale, `${node.name} requantization of ${x.name}`));
  const op: ConcatOp = {
    ...ctx.common(node, ins, [y.name]), kind: 'concat', outer, chunks, mults: q.map((m) => m.mult), shifts: q.map((m) => m.shift),
    outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`axis ${axis}: ${outer} rows of ${chunks.join(' + ')} values, each input requantized to the output's scale`);
  return op;
}

/** Mirror of pk_concat_X_Y: (x0..x3, outer, c0..c3, m0..m3, s0..s3, out_min, out_max, y); unused inputs have c = 0. */
function concat(...a: SimArg[]): void {
  const xs = a.slice(0, 4) as (Act | null)[];
  const outer = a[4] as number;
  const c = a.slice(5, 9) as number[];
  const m = a.slice(9, 13) as number[];
  const s = a.slice(13, 17) as number[];
  const [outMin, outMax] = a.slice(17, 19) as number[];
  const y = a[19] as Act;
  const row = c.reduce((p, q) => p + q, 0);
  need(y, outer * row, 'concat y');
  xs.forEach((x, i) => c[i] > 0 && need(x!, outer * c[i], `concat x${i}`));
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < c[i]; j++) y[k++] = saturate(requant(xs[i]![o * c[i] + j], m[i], s[i]), outMin, outMax);
    }
  }
}

export const concatKernel: Kernel<ConcatOp> = {
  kinds: ['concat'],
  irOps: ['Concat'],
  headers: ['pk_concat.h'],
  calibrated: true,
  precision: (node, rules) => {
    for (const n of node.inputs) if (n) rules.tie(n, node.outputs[0]);
  },
  plan,
  cName: (op, bitsOf) => `pk_concat_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: ConcatOp, r: Refs<R>): Arg<R>[] => {
    const pad = <T>(v: T[], fill: T): T[] => [...v, ...new Array<T>(CONCAT_MAX_INPUTS - v.length).fill(fill)];
    return [
      ...pad(op.inputs.map((n) => r.tensor(n)), r.none()).map((value, i) => ({ name: `x${i}`, value })),
      { name: 'outer', value: op.outer, wrap: true },
      ...pad(op.chunks, 0).map((value, i) => ({ name: `c${i}`, value })),
      ...pad(op.mults, 0).map((value, i) => ({ name: `m${i}`, value, wrap: i === 0 })),
      ...pad(op.shifts, 0).map((value, i) => ({ name: `s${i}`, value })),
      { name: 'out_min', value: op.outMin },
      { name: 'out_max', value: op.outMax },
      { name: 'y', value: r.tensor(op.outputs[0]) },
    ];
  },
  mirror: concat,
};
