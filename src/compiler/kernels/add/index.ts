// Add of two activations, or of an activation and a constant (the positional embedding): both operands
// rescaled to the output with one shared shift and one rounding. The residual stream is int16 throughout.
// C: pk_add_A_B_Y.
import type { Node } from '../../ir/graph.ts';
import { quantizeMultiplier, quantizeValues } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { addRequant } from './sim.ts';

export interface AddOp extends QOpCommon {
  kind: 'add';
  n: number;
  /** When the second operand is a constant (the positional embedding), its key; inputs then has one entry. */
  bConst: string | null;
  multA: number;
  multB: number;
  shift: number;
  outMin: number;
  outMax: number;
}

/** Bits of int8 (per tensor, symmetric) used for a constant operand of an add (the positional embedding). */
const ADD_CONST_BITS = 8;

function plan(ctx: PlanContext, node: Node): AddOp {
  const y = ctx.tensor(node.outputs[0]);
  const isConst = (n: string): boolean => ctx.g.tensors.get(n)?.const !== undefined;
  const acts = node.inputs.filter((n) => !isConst(n));
  const consts = node.inputs.filter((n) => isConst(n));
  if (acts.length === 0) ctx.fail(node, 'adds two constants (should have been folded)');
  const a = ctx.tensor(acts[0]);
  let sb: number;
  let bConst: string | null = null;
  let bDesc: string;
  if (acts.length === 2) {
    const b = ctx.tensor(acts[1]);
    if (b.elems !== a.elems) ctx.fail(node, `adds tensors of ${a.elems} and ${b.elems} elements; only same-size adds are supported`);
    sb = b.scale;
    bDesc = b.name;
  } else {
    const values = ctx.constFloats(consts[0], node);
    if (values.length !== a.elems) ctx.fail(node, `adds a constant of ${values.length} elements to ${a.elems}; broadcasting is not supported`);
    let m = 0;
    for (const v of values) m = Math.max(m, Math.abs(v));
    sb = (m > 0 ? m : 1) / qmax(ADD_CONST_BITS);
    bConst = ctx.addConst({
      key: `${node.name}:b`,
      ctype: 'int8_t',
      values: quantizeValues(values, sb, ADD_CONST_BITS) as Int8Array,
      comment: `${node.name}: constant operand ${consts[0]} int8, scale ${sb.toPrecision(6)}`,
    });
    bDesc = `${consts[0]} (const)`;
  }
  // One shared shift: the larger real multiplier sets it, the other gets the same exponent.
  const ra = a.scale / y.scale;
  const rb = sb / y.scale;
  const big = quantizeMultiplier(Math.max(ra, rb), `${node.name} requantization`);
  const n = 31 + big.shift;
  const multA = ra >= rb ? big.mult : Math.round(ra * 2 ** n);
  const multB = ra >= rb ? Math.round(rb * 2 ** n) : big.mult;
  const op: AddOp = {
    ...ctx.common(node, bConst ? [a.name] : [a.name, acts[1]], [y.name]),
    kind: 'add', n: a.elems, bConst, multA, multB, shift: big.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`y = (a*${multA} + b*${multB}) >> ${n}: real multipliers ${ra.toPrecision(6)} (${a.name}), ${rb.toPrecision(6)} (${bDesc})`);
  return op;
}

function args<R>(op: AddOp, r: Refs<R>): Arg<R>[] {
  return [
    { name: 'a', value: r.tensor(op.inputs[0]) },
    { name: 'b', value: op.bConst ? r.constant(op.bConst) : r.tensor(op.inputs[1]) },
    { name: 'n', value: op.n },
    { name: 'mult_a', value: op.multA },
    { name: 'mult_b', value: op.multB },
    { name: 'shift', value: op.shift },
    { name: 'out_min', value: op.outMin },
    { name: 'out_max', value: op.outMax },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ];
}

export const addKernel: Kernel<AddOp> = {
  kinds: ['add'],
  irOps: ['Add'],
  headers: ['pk_add.h'],
  calibrated: true,
  precision(node, rules, isConst) {
    // The residual stream: every operand and the result are int16, and the two operands share a type.
    const acts = node.inputs.filter((n) => n !== '' && !isConst(n));
    for (const n of [...acts, node.outputs[0]]) rules.force(n);
    if (acts.length === 2) rules.tie(acts[0], acts[1]);
  },
  plan,
  cName: (op, bitsOf) => {
    const b = op.bConst ? 8 : bitsOf(op.inputs[1]);
    return `pk_add_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(b)}_${typeSuffix(bitsOf(op.outputs[0]))}`;
  },
  args,
  mirror: (a: Act, b: Act, n: number, multA: number, multB: number, shift: number, outMin: number, outMax: number, y: Act) =>
    addRequant(a, b, n, multA, multB, shift, outMin, outMax, y),
};
