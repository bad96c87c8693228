// The window min-max normalization (pe.MinMaxNormalize), the graph's preprocessing: the raw int16 CSI window
// [links*subcarriers][packets] -> (x - min) / (max - min) as Q0.7 or Q0.15, written token-major [packet][f]
// so the per-packet projection reads tokens. C: pk_minmax_normalize_{i8,i16} (templates/c/kernels).
import type { Node } from '../../ir/graph.ts';
import type { LinearAttrs } from '../../ir/fused-ops.ts';
import type { TransposeAttrs } from '../../ops/transpose.ts';
import { qmax, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { minmaxNormalize } from './sim.ts';

export interface NormalizeOp extends QOpCommon {
  kind: 'normalize';
  /** Features (links*subcarriers) and packets of the [F][P] input; output is token-major [P][F]. */
  F: number;
  P: number;
}

function plan(ctx: PlanContext, node: Node): NormalizeOp {
  const x = node.inputs[0];
  const out = node.outputs[0];
  if (x !== ctx.g.inputs[0]) ctx.fail(node, 'the window normalization must read the model input directly');
  const shape = ctx.tensor(x).shape;
  if (shape.length !== 4 || shape[0] !== 1) ctx.fail(node, `expects a [1,links,subcarriers,packets] window, got [${shape.join(',')}]`);
  const [, links, sc, packets] = shape;
  // Consumers must take the window token-major (the per-packet projection with inputPerm [0,3,1,2], or a
  // Transpose [0,3,1,2], which is then a view), because that is the layout the normalize kernel writes. A
  // fake quantization (element-wise, so in the same layout) passes the rule on to its own readers.
  const checkReaders = (tensor: string): void => {
    for (const c of ctx.consumers(tensor)) {
      if (c.op === 'pe.FakeQuant') {
        checkReaders(c.outputs[0]);
        continue;
      }
      const perm = c.op === 'pe.Linear' ? (c.attrs as LinearAttrs).inputPerm : c.op === 'Transpose' ? (c.attrs as TransposeAttrs).perm : null;
      if (!perm || perm.join(',') !== '0,3,1,2') ctx.fail(c, `reads the normalized window other than as per-packet tokens (a Linear's input permutation or a Transpose [0,3,1,2]); not supported`);
    }
  };
  checkReaders(out);
  const y = ctx.newTensor(out, 1 / qmax(ctx.bitsOf(out)), `token-major [${packets}][${links * sc}]`);
  if (y.scale !== 1 / qmax(y.bits)) ctx.fail(node, 'is the model output, whose scale is fixed (OUTPUT_FRAC_BITS); the normalization writes Q0.15 codes and cannot rescale');
  const op: NormalizeOp = { ...ctx.common(node, [x], [out]), kind: 'normalize', F: links * sc, P: packets };
  op.notes.push(`y = (x - min) / (max - min) as Q0.${y.bits - 1} (scale 1/${qmax(y.bits)}); epsilon ${(node.attrs as { epsilon: number }).epsilon} below one LSB of any non-constant window`);
  return op;
}

export const normalizeKernel: Kernel<NormalizeOp> = {
  kinds: ['normalize'],
  irOps: ['pe.MinMaxNormalize'],
  headers: ['pk_normalize.h'],
  calibrated: false,
  plan,
  cName: (op, bitsOf) => `pk_minmax_normalize_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: NormalizeOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'F', value: op.F },
    { name: 'P', value: op.P },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: (x: Int16Array, F: number, P: number, y: Act) => minmaxNormalize(x, F, P, y),
};
