// ReLU. Fused into the op that produces its input (a Linear, a Conv: a kernel that clampsOutput) when it
// is that tensor's only reader (the op then saturates at 0, out_min = 0, and the ReLU's output is a view);
// otherwise its own kernel at the input's scale. C: pk_relu_X.
import type { Node } from '../../ir/graph.ts';
import type { QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import type { Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import { relu } from './sim.ts';

export interface ReluOp extends QOpCommon {
  kind: 'relu';
  n: number;
}

function plan(ctx: PlanContext, node: Node): ReluOp | null {
  const out = node.outputs[0];
  const src = ctx.tensor(node.inputs[0]);
  const producer = ctx.clampableLastOp(node, src.name);
  if (producer) {
    producer.outMin = 0;
    producer.sources = [...producer.sources, ...node.sources];
    producer.notes.push(`ReLU "${node.name}" fused (out_min 0)`);
    ctx.view(out, src.name);
    return null;
  }
  // The kernel copies codes: it cannot produce the model output, whose scale the kernel API fixes.
  if (ctx.newTensor(out, src.scale).scale !== src.scale) ctx.fail(node, 'is the model output, whose scale is fixed (OUTPUT_FRAC_BITS); a ReLU cannot rescale, so end the model with an op that requantizes (a Linear, or Clip(0, inf))');
  return { ...ctx.common(node, [src.name], [out]), kind: 'relu', n: src.elems };
}

export const reluKernel: Kernel<ReluOp> = {
  kinds: ['relu'],
  irOps: ['Relu'],
  headers: ['pk_relu.h'],
  calibrated: false,
  precision: (node, rules) => rules.tie(node.inputs[0], node.outputs[0]),
  plan,
  cName: (op, bitsOf) => `pk_relu_${typeSuffix(bitsOf(op.inputs[0]))}`,
  args: <R>(op: ReluOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'n', value: op.n },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: (x: Act, n: number, y: Act) => relu(x, n, y),
};
