// Small matching helpers shared by the fusion passes: who produces a tensor, which operand of a binary
// node is the other one, constant scalars, and names for fused nodes.
import type { Graph, Node } from '../ir/graph.ts';
import { constScalar, uniqueNodeName } from '../ir/helpers.ts';

/** The producer of `tensor` when it has op type `op`, else undefined. */
export function producedBy(prod: Map<string, Node>, tensor: string, op: string): Node | undefined {
  const n = prod.get(tensor);
  return n && n.op === op ? n : undefined;
}

/** For a two-input node that reads `tensor`, the name of its other input. */
export function otherInput(node: Node, tensor: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === tensor) return node.inputs[1];
  if (node.inputs[1] === tensor) return node.inputs[0];
  return undefined;
}

/** The constant scalar operand of a two-input node and the other (non-constant) operand, in either order. */
export function scalarOperand(g: Graph, node: Node): { value: number; other: string } | undefined {
  if (node.inputs.length !== 2) return undefined;
  for (const k of [0, 1]) {
    const v = constScalar(g, node.inputs[k]);
    if (v !== undefined && constScalar(g, node.inputs[1 - k]) === undefined) return { value: v, other: node.inputs[1 - k] };
  }
  return undefined;
}

/** The single reader of `tensor`, when there is exactly one and it is not a graph output too. */
export function soleConsumer(g: Graph, cons: Map<string, Node[]>, tensor: string): Node | undefined {
  const list = cons.get(tensor) ?? [];
  return list.length === 1 && !g.outputs.includes(tensor) ? list[0] : undefined;
}

/** "/layers.0/attn/qkv/MatMul" + "Linear" -> "/layers.0/attn/qkv/Linear" (unique in the graph). */
export function fusedName(g: Graph, anchor: string, kind: string): string {
  const cut = anchor.lastIndexOf('/');
  const scope = cut >= 0 ? anchor.slice(0, cut) : '';
  return uniqueNodeName(g, `${scope}/${kind}`);
}

/** Source names of the matched nodes in graph order (what the emitted C comments list). */
export function sourcesOf(g: Graph, nodes: Iterable<Node>): string[] {
  const set = new Set(nodes);
  return g.nodes.filter((n) => set.has(n)).flatMap((n) => n.sources);
}

export function near(a: number, b: number, tol = 1e-5): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
