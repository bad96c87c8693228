// Which activation tensors are int16 and which follow --act-bits. Measured on micro (docs/quantization.md):
// each kernel states its own rules (src/compiler/kernels/*: the residual stream of Add, LayerNorm, the
// attention's q, k, v and output, GELU's input and output, the attention-pool scores are int16); the model
// input and output and every SMALL tensor (<= SMALL_TENSOR values: the pooled vector, the head and the
// skeleton refinement) are int16 in every mode; the rest (the normalized window, ReLU hidden layers) use the
// --act-bits default. Small tensors cost almost nothing in the arena, but after pooling no averaging over
// tokens dilutes their rounding error any more. Tensors that must share one integer type (the two operands
// of an add, a view and its source, ReLU's input and output) are grouped with a union-find so a forced int16
// spreads to the whole group. Per-tensor overrides (compile --tensor-bits NAME=8|16) set a group's type
// after these rules: int16 anywhere, int8 except where a kernel or the kernel API needs int16 (the small-tensor
// rule is only a default, so it yields to an override).
import { PoseEdgeError } from '../../errors.ts';
import type { Graph, Node } from '../ir/graph.ts';
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

export class PrecisionError extends PoseEdgeError {}

/** compile --tensor-bits: activation tensors (fused-graph names, as the compile report lists them) and their type. */
export type TensorBits = ReadonlyMap<string, ActBits>;

/**
 * The integer type of every activation. `overrides` (--tensor-bits) name tensors of the fused graph; an
 * unknown name, an int8 request for a tensor a kernel or the kernel API keeps int16, and two different
 * requests for tensors that share one type are refused, naming the tensor and the model file.
 */
export function assignPrecision(g: Graph, actBits: ActBits, overrides: TensorBits = new Map(), modelPath = 'the model'): Map<string, ActBits> {
  const uf = new UnionFind();
  /** Tensors that must be int16, and why (a kernel's rule or the kernel API): no override makes them int8. */
  const required = new Map<string, string>();
  /** Tensors that must be int8 (a QuantizeLinear/DequantizeLinear pair's output), and why. */
  const required8 = new Map<string, string>();
  const small = new Set<string>();
  const isConst = (n: string): boolean => g.tensors.get(n)?.const !== undefined;
  /** The rules a node's kernel states, each remembering the node for the refusals. */
  const rulesOf = (node: Node): PrecisionRules => {
    const what = `node '${node.name}' (${node.op === 'pe.FakeQuant' ? 'QuantizeLinear -> DequantizeLinear' : node.op})`;
    return {
      force: (n) => required.set(n, `${what} works on int16 there`),
      int8: (n) => required8.set(n, `${what} makes it int8`),
      tie: (a, b) => uf.union(a, b),
    };
  };
  for (const node of g.nodes) {
    // A view shares its source's bytes, so it shares its type; every other rule is the kernel's own.
    if (node.op === 'pe.Reshape') uf.union(node.inputs[0], node.outputs[0]);
    else kernelForIrOp(node.op)?.precision?.(node, rulesOf(node), isConst);
  }
  for (const node of g.nodes) {
    for (const o of node.outputs) {
      const shape = g.tensors.get(o)?.shape;
      if (shape && shape.reduce((a, b) => a * b, 1) <= SMALL_TENSOR) small.add(o);
    }
  }
  for (const out of g.outputs) required.set(out, 'the model output is int16 (the kernel API)');
  for (const inp of g.inputs) required.set(inp, 'the model input is int16 (the kernel API)');
  const requiredRoots = new Map([...required].map(([n, why]) => [uf.find(n), why]));
  const smallRoots = new Set([...small].map((n) => uf.find(n)));
  const int8Roots = new Map([...required8].map(([n, why]) => [uf.find(n), why]));
  for (const [root, why] of int8Roots) {
    const other = requiredRoots.get(root);
    if (other !== undefined) throw new PrecisionError(`${modelPath}: a tensor must be int8 (${why}) and int16 (${other}) at once`);
  }
  const all = new Set<string>([...g.inputs, ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  const chosen = new Map<string, { bits: ActBits; name: string }>();
  for (const [name, b] of overrides) {
    if (!all.has(name) || isConst(name)) {
      throw new PrecisionError(`${modelPath}: --tensor-bits names '${name}', which is no activation tensor of the fused graph (the compile report lists each op's input and output tensors)`);
    }
    const root = uf.find(name);
    const why = requiredRoots.get(root);
    if (b === 8 && why !== undefined) throw new PrecisionError(`${modelPath}: --tensor-bits ${name}=8 refused: ${why}`);
    const why8 = int8Roots.get(root);
    if (b === 16 && why8 !== undefined) throw new PrecisionError(`${modelPath}: --tensor-bits ${name}=16 refused: ${why8}`);
    const earlier = chosen.get(root);
    if (earlier && earlier.bits !== b) {
      throw new PrecisionError(`${modelPath}: --tensor-bits asks int${earlier.bits} for '${earlier.name}' and int${b} for '${name}', which share one integer type (a view, a fused ReLU or an add's operands)`);
    }
    chosen.set(root, { bits: b, name });
  }
  const bits = new Map<string, ActBits>();
  for (const n of all) {
    if (n === '' || isConst(n)) continue;
    const root = uf.find(n);
    const fallback = int8Roots.has(root) ? 8 : requiredRoots.has(root) || smallRoots.has(root) ? 16 : actBits;
    bits.set(n, chosen.get(root)?.bits ?? fallback);
  }
  return bits;
}

/** Parses --tensor-bits 'NAME=BITS[,NAME=BITS...]' (BITS 8 or 16); errors name the flag and the bad item. */
export function parseTensorBits(text: string): Map<string, ActBits> {
  const out = new Map<string, ActBits>();
  for (const item of text.split(',')) {
    const m = /^(.+)=(8|16)$/.exec(item.trim());
    if (!m) throw new PrecisionError(`--tensor-bits: '${item}' is not NAME=8 or NAME=16 (a comma-separated list of activation tensors, as the compile report names them)`);
    if (out.has(m[1]) && out.get(m[1]) !== Number(m[2])) throw new PrecisionError(`--tensor-bits: '${m[1]}' is given twice with different bits`);
    out.set(m[1], Number(m[2]) as ActBits);
  }
  return out;
}

/** --tensor-bits as a command line writes it: NAME=BITS joined by commas (parseTensorBits reads it back). */
export function formatTensorBits(t: ReadonlyMap<string, ActBits>): string {
  return [...t].map(([n, b]) => `${n}=${b}`).join(',');
}
