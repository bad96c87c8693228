// Clip (ReLU6 and friends): y = min(max(x, min), max), at the input's scale (the model output's scale when
// it is the output). Fused into the op that produces its input (a Linear, a Conv: a kernel that
// clampsOutput) when it is that tensor's only reader (the op then saturates at the clip bounds); otherwise its own kernel: one requantization (exact when
// the scales are equal) saturated to the quantized bounds. Rounding is monotone, so clamping the codes is
// clamping the reals. C: pk_clip_X (templates/c/kernels/pk_clip.h).
import type { Node } from '../../ir/graph.ts';
import { clipBounds } from '../../ops/clip.ts';
import type { Value } from '../../ops/types.ts';
import { quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';

export interface ClipOp extends QOpCommon, Requantized {
  kind: 'clip';
  n: number;
}

/** The integer code of a bound at `scale`, rounded half up as the requantization rounds, in the type's range. */
function boundCode(v: number, scale: number, bits: 8 | 16): number {
  return saturate(Number.isFinite(v) ? Math.floor(v / scale + 0.5) : v, qmin(bits), qmax(bits));
}

function plan(ctx: PlanContext, node: Node): ClipOp | null {
  const [xName, minName, maxName] = node.inputs;
  const out = node.outputs[0];
  const constant = (name: string | undefined): Value | undefined =>
    name ? { dtype: 'float32', shape: [1], data: ctx.constFloats(name, node) } : undefined;
  const { min, max } = clipBounds(node, [undefined, constant(minName), constant(maxName)]);
  const x = ctx.tensor(xName);
  const producer = ctx.clampableLastOp(node, x.name);
  if (producer) {
    producer.outMin = Math.max(producer.outMin, boundCode(min, x.scale, x.bits));
    producer.outMax = Math.min(producer.outMax, boundCode(max, x.scale, x.bits));
    producer.sources = [...producer.sources, ...node.sources];
    producer.notes.push(`Clip "${node.name}" [${min}, ${max}] fused (out_min ${producer.outMin}, out_max ${producer.outMax})`);
    ctx.view(out, x.name);
    return null;
  }
  const y = ctx.newTensor(out, x.scale);
  const q = quantizeMultiplier(x.scale / y.scale, `${node.name} requantization`);
  const op: ClipOp = {
    ...ctx.common(node, [x.name], [out]), kind: 'clip', n: x.elems,
    mult: q.mult, shift: q.shift, outMin: boundCode(min, y.scale, y.bits), outMax: boundCode(max, y.scale, y.bits),
  };
  op.notes.push(`clip [${min}, ${max}] -> codes [${op.outMin}, ${op.outMax}]; multiplier ${q.mult} >> ${31 + q.shift}`);
  return op;
}

/** Mirror of pk_clip_X. */
function clip(x: Act, n: number, mult: number, shift: number, outMin: number, outMax: number, y: Act): void {
  need(x, n, 'clip x');
  need(y, n, 'clip y');
  for (let i = 0; i < n; i++) y[i] = saturate(requant(x[i], mult, shift), outMin, outMax);
}

export const clipKernel: Kernel<ClipOp> = {
  kinds: ['clip'],
  irOps: ['Clip'],
  headers: ['pk_clip.h'],
  calibrated: false,
  precision: (node, rules) => rules.tie(node.inputs[0], node.outputs[0]),
  plan,
  cName: (op, bitsOf) => `pk_clip_${typeSuffix(bitsOf(op.inputs[0]))}`,
  args: <R>(op: ClipOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    ...requantArgs<R>(op),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: clip,
};
