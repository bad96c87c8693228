// Which activation tensors are int16 and which follow --act-bits. Measured on micro (docs/quantization.md):
// each kernel states its own rules (src/compiler/kernels/*: the residual stream of Add, LayerNorm, the
// attention's q, k, v and output, GELU's input and output, the attention-pool scores are int16); the model
// input and output and every SMALL tensor (<= SMALL_TENSOR values: the pooled vector, the head and the
// skeleton refinement) are int16 in every mode; the rest (the normalized window, ReLU hidden layers) use the
// --act-bits default. Small tensors cost almost nothing in the arena, but after pooling no averaging over
// tokens dilutes their rounding error any more. Tensors that must share one integer type (the two operands
// of an add, a view and its source, ReLU's input and output) are grouped with a union-find so a forced int16
// spreads to the whole group.
import type { Graph } from '../ir/graph.ts';
import { kernelForIrOp } from '../kernels/index.ts';
import type { PrecisionRules } from '../kernels/kernel.ts';
import type { ActBits } from './qgraph.ts';

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

/** Tensors with at most this many values are int16 regardless of --act-bits. */
export const SMALL_TENSOR = 512;

export function assignPrecision(g: Graph, actBits: ActBits): Map<string, ActBits> {
  const uf = new UnionFind();
  const forced = new Set<string>();
  const isConst = (n: string): boolean => g.tensors.get(n)?.const !== undefined;
  const rules: PrecisionRules = { force: (n) => forced.add(n), tie: (a, b) => uf.union(a, b) };
  for (const node of g.nodes) {
    // A view shares its source's bytes, so it shares its type; every other rule is the kernel's own.
    if (node.op === 'pe.Reshape') uf.union(node.inputs[0], node.outputs[0]);
    else kernelForIrOp(node.op)?.precision?.(node, rules, isConst);
  }
  for (const node of g.nodes) {
    for (const o of node.outputs) {
      const shape = g.tensors.get(o)?.shape;
      if (shape && shape.reduce((a, b) => a * b, 1) <= SMALL_TENSOR) forced.add(o);
    }
  }
  for (const out of g.outputs) forced.add(out);
  for (const inp of g.inputs) forced.add(inp);
  const forcedRoots = new Set([...forced].map((n) => uf.find(n)));
  const bits = new Map<string, ActBits>();
  const all = new Set<string>([...g.inputs, ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  for (const n of all) {
    if (n === '' || isConst(n)) continue;
    bits.set(n, forcedRoots.has(uf.find(n)) ? 16 : actBits);
  }
  return bits;
}
