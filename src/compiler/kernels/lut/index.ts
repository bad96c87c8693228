// Element-wise functions as tables built from the exact float function at the input and output scales:
// GELU (pe.Gelu), Tanh, Sigmoid. An int8 input indexes a 256-entry table (lut8); an int16 input
// interpolates a 257-point table sampled every 256 codes (lut16). C: pk_lut8_Y, pk_lut16_interp_Y.
import type { Node } from '../../ir/graph.ts';
import { gelu } from '../../ops/pe-gelu.ts';
import { roundHalfAway, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { lut16Interp, lut8 } from './sim.ts';

export interface LutOp extends QOpCommon {
  kind: 'lut8' | 'lut16';
  n: number;
  table: string;
}

const FUNCTIONS: Record<string, (x: number) => number> = {
  'pe.Gelu': gelu,
  Tanh: Math.tanh,
  Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
};

function plan(ctx: PlanContext, node: Node): LutOp {
  const f = FUNCTIONS[node.op];
  const x = ctx.tensor(node.inputs[0]);
  const y = ctx.tensor(node.outputs[0]);
  const lo = qmin(y.bits);
  const hi = qmax(y.bits);
  const code = (v: number): number => saturate(roundHalfAway(f(v * x.scale) / y.scale), lo, hi);
  let table: Int8Array | Int16Array;
  let kind: 'lut8' | 'lut16';
  if (x.bits === 8) {
    kind = 'lut8';
    table = y.bits === 8 ? new Int8Array(256) : new Int16Array(256);
    for (let i = 0; i < 256; i++) table[i] = code(i - 128);
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
  const op: LutOp = { ...ctx.common(node, [x.name], [y.name]), kind, n: x.elems, table: key };
  op.notes.push(kind === 'lut8' ? 'y = table[x + 128], table from the exact float function' : 'y = 257-point table every 256 codes, linear interpolation');
  return op;
}

export const lutKernel: Kernel<LutOp> = {
  kinds: ['lut8', 'lut16'],
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
  cName: (op, bitsOf) => `${op.kind === 'lut8' ? 'pk_lut8' : 'pk_lut16_interp'}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: LutOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    { name: 'table', value: r.constant(op.table) },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: (x: Act, n: number, table: Act, y: Act) => (x instanceof Int8Array ? lut8(x, n, table, y) : lut16Interp(x, n, table as Int16Array, y)),
};
