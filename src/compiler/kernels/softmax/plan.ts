// The softmax's one planned parameter, shared by the attention and the attention pooling: the (mult,
// shift) that turns a logit difference into the base-2 exponent pk_exp_q24 takes.
import type { Node } from '../../ir/graph.ts';
import { quantizeMultiplier, INT32_MAX } from '../../quant/fixed-point.ts';
import type { PlanContext } from '../../quant/plan-context.ts';

/** (mult, shift) for pk_exp_q24 on logits of real scale `s`: s * log2(e) * 2^16. */
export function softmaxMultiplier(ctx: PlanContext, node: Node, s: number, maxDiff: number): { mult: number; shift: number } {
  const q = quantizeMultiplier(s * Math.LOG2E * 2 ** 16, `${node.name} softmax`);
  // The exp kernel clamps differences at 2^31 - 1: that must already be far into exp underflow.
  if (maxDiff > INT32_MAX && INT32_MAX * s * Math.LOG2E < 25) ctx.fail(node, `logit scale ${s} is too small for the softmax's clamped range`);
  return q;
}
