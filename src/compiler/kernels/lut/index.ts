// Element-wise functions as tables built from the exact float function at the input and output scales:
// GELU (pe.Gelu), Tanh, Sigmoid, HardSigmoid. An int8 input indexes a 256-entry table (lut8). An int16 input
// interpolates a 257-point table: for GELU (unbounded) sampled every 256 codes over the whole int16 range
// (lut16); for the bounded functions over their active range only, [-A, A] with A beyond which the function
// is constant to 1e-5 (Sigmoid 12, Tanh 8, HardSigmoid exactly), in steps of 2^shift codes, the smallest that
// covers it (lut16r): on a coarse input scale (raw amplitudes) the step is a few codes instead of 256.
// C: pk_lut8_Y, pk_lut16_interp_Y, pk_lut16_range_Y.
import type { Node } from '../../ir/graph.ts';
import { gelu } from '../../ops/pe-gelu.ts';
import { roundHalfAway, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs, type SimArg } from '../kernel.ts';
import { lut16Interp, lut16Range, lut8 } from './sim.ts';
import { hardSigmoid, type HardSigmoidAttrs } from '../../ops/hard-sigmoid.ts';

export interface LutOp extends QOpCommon {
  kind: 'lut8' | 'lut16' | 'lut16r';
  n: number;
  table: string;
  /** lut16r: the table's first code and log2 of its step in codes. */
  lo?: number;
  shift?: number;
}

interface LutFunction {
  f: (x: number) => number;
  /** |x| beyond which f is constant (to 1e-5 or exactly); undefined: unbounded (GELU). */
  bound?: number;
}

const FUNCTIONS: Record<string, (node: Node) => LutFunction> = {
  'pe.Gelu': () => ({ f: gelu }),
  Tanh: () => ({ f: Math.tanh, bound: 8 }),
  Sigmoid: () => ({ f: (v) => 1 / (1 + Math.exp(-v)), bound: 12 }),
  HardSigmoid: (node) => {
    const { alpha, beta } = node.attrs as HardSigmoidAttrs;
    return { f: (v) => hardSigmoid(v, alpha, beta), bound: Math.max(Math.abs(beta / alpha), Math.abs((1 - beta) / alpha)) };
  },
};

/** The ranged table of a bounded function on int16 codes at `scale`: the smallest step 2^shift covering +-bound. */
export function rangeTable(bound: number, scale: number): { lo: number; shift: number } {
  const codes = (2 * bound) / scale;
  let shift = 0;
  while (shift < 8 && 256 << shift < codes) shift++;
  return { lo: shift === 8 ? -32768 : Math.max(-32768, -(128 << shift)), shift };
}

function plan(ctx: PlanContext, node: Node): LutOp {
  const { f, bound } = FUNCTIONS[node.op](node);
  const x = ctx.tensor(node.inputs[0]);
  const y = ctx.tensor(node.outputs[0]);
  const code = (v: number): number => saturate(roundHalfAway(f(v * x.scale) / y.scale), qmin(y.bits), qmax(y.bits));
  let table: Int8Array | Int16Array;
  let kind: LutOp['kind'];
  let lo = 0;
  let shift = 0;
  if (x.bits === 8) {
    kind = 'lut8';
    table = y.bits === 8 ? new Int8Array(256) : new Int16Array(256);
    for (let i = 0; i < 256; i++) table[i] = code(i - 128);
  } else if (bound !== undefined) {
    kind = 'lut16r';
    ({ lo, shift } = rangeTable(bound, x.scale));
    table = new Int16Array(257);
    for (let i = 0; i < 257; i++) table[i] = code(lo + (i << shift));
  } else {
    // 257 samples every 256 codes; the kernel interpolates linearly between them (513 every 128 codes
    // halved the GELU error, 1.1 instead of 2.1 int16 LSB, for 1 KB more flash per table: no measurable
    // effect on the model's keypoints, docs/quantization.md).
    kind = 'lut16';
    table = new Int16Array(257);
    for (let i = 0; i < 257; i++) table[i] = code(-32768 + 256 * i);
  }
  const key = ctx.addConst({
    key: `${node.name}:table`,
    ctype: table instanceof Int8Array ? 'int8_t' : 'int16_t',
    values: table,
    comment: `${node.name}: ${node.op} table, ${table.length} entries, input scale ${x.scale.toPrecision(6)} -> output scale ${y.scale.toPrecision(6)}`,
  });
  const op: LutOp = { ...ctx.common(node, [x.name], [y.name]), kind, n: x.elems, table: key, ...(kind === 'lut16r' ? { lo, shift } : {}) };
  op.notes.push(
    kind === 'lut8' ? 'y = table[x + 128], table from the exact float function'
      : kind === 'lut16' ? 'y = 257-point table every 256 codes, linear interpolation'
        : `y = 257-point table every ${1 << shift} codes from code ${lo} (the function's active range, +-${bound}), linear interpolation`,
  );
  return op;
}

export const lutKernel: Kernel<LutOp> = {
  kinds: ['lut8', 'lut16', 'lut16r'],
  irOps: Object.keys(FUNCTIONS),
  headers: ['pk_lut.h'],
  calibrated: true,
  precision(node, rules) {
    // The FFN hidden layer around GELU: int8 there cost the trained micro (71.2% PCK@20) a max keypoint
    // error of 18% of torso (4.1% with int16), at no arena cost (the window is the larger buffer).
    if (node.op !== 'pe.Gelu') return;
    rules.force(node.inputs[0]);
    rules.force(node.outputs[0]);
  },
  plan,
  cName: (op, bitsOf) => `${{ lut8: 'pk_lut8', lut16: 'pk_lut16_interp', lut16r: 'pk_lut16_range' }[op.kind]}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: LutOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    { name: 'table', value: r.constant(op.table) },
    ...(op.kind === 'lut16r' ? [{ name: 'lo', value: op.lo! }, { name: 'shift', value: op.shift! }] : []),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  // pk_lut8 and pk_lut16_interp take (x, n, table, y); pk_lut16_range (x, n, table, lo, shift, y).
  mirror: (...a: SimArg[]) => {
    const [x, n, table] = a as [Act, number, Act];
    if (a.length === 6) lut16Range(x as Int16Array, n, table as Int16Array, a[3] as number, a[4] as number, a[5] as Act);
    else if (x instanceof Int8Array) lut8(x, n, table, a[3] as Act);
    else lut16Interp(x, n, table as Int16Array, a[3] as Act);
  },
};
