// Free functions over the plain-data Graph: lookups, element counts, immutable edits used by every pass.
import { GraphError } from './errors.ts';
import type { Graph, Node, Tensor } from './graph.ts';

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensorOf(g: Graph, name: string): Tensor {
  const t = g.tensors.get(name);
  if (!t) throw new GraphError(`tensor "${name}" is referenced but not defined in the graph`);
  return t;
}

export function isConst(g: Graph, name: string): boolean {
  return name !== '' && g.tensors.get(name)?.const !== undefined;
}

/** The node that writes each tensor. */
export function producers(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') m.set(o, n);
  return m;
}

/** The nodes that read each tensor (a node reading a tensor twice is listed twice). */
export function consumers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = m.get(i);
      if (list) list.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/** Shallow copy whose node list and tensor map may be edited without touching the original. */
export function cloneGraph(g: Graph): Graph {
  return { inputs: [...g.inputs], outputs: [...g.outputs], nodes: [...g.nodes], tensors: new Map(g.tensors), opset: g.opset };
}

/** A node name not yet used in the graph, derived from `base`. */
export function uniqueNodeName(g: Graph, base: string): string {
  const used = new Set(g.nodes.map((n) => n.name));
  if (!used.has(base)) return base;
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** A tensor name not yet used in the graph, derived from `base`. */
export function uniqueTensorName(g: Graph, base: string): string {
  if (!g.tensors.has(base)) return base;
  for (let i = 1; ; i++) if (!g.tensors.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Float data of a constant tensor, or undefined when the tensor is not a float32 constant. */
export function constFloats(g: Graph, name: string): Float32Array | undefined {
  const t = g.tensors.get(name);
  return t?.const instanceof Float32Array ? t.const : undefined;
}

/** The value of a constant holding exactly one float (any shape with one element), else undefined. */
export function constScalar(g: Graph, name: string): number | undefined {
  const d = constFloats(g, name);
  return d && d.length === 1 ? d[0] : undefined;
}

/**
 * Replaces `removed` nodes by `added` ones, placing the added nodes where the last removed node was,
 * which keeps the list topologically sorted when the removed nodes form a pattern whose outside inputs are
 * all available before its last node. Returns a new graph; unreferenced tensors are left to eliminate-dead.
 */
export function replaceNodes(g: Graph, removed: readonly Node[], added: readonly Node[]): Graph {
  const gone = new Set(removed);
  let last = -1;
  g.nodes.forEach((n, i) => {
    if (gone.has(n)) last = i;
  });
  if (last < 0) throw new GraphError('replaceNodes: none of the nodes to replace is in the graph');
  const nodes: Node[] = [];
  g.nodes.forEach((n, i) => {
    if (!gone.has(n)) nodes.push(n);
    if (i === last) nodes.push(...added);
  });
  return { ...cloneGraph(g), nodes };
}

/** True when every reader of every output of `inner` is in `pattern`, and none is a graph output. */
export function isInternal(g: Graph, cons: Map<string, Node[]>, inner: readonly Node[], pattern: ReadonlySet<Node>): boolean {
  for (const n of inner) {
    for (const o of n.outputs) {
      if (g.outputs.includes(o)) return false;
      for (const c of cons.get(o) ?? []) if (!pattern.has(c)) return false;
    }
  }
  return true;
}

/** Renames every use of tensor `from` to `to` (inputs of nodes and graph outputs). */
export function renameUses(g: Graph, from: string, to: string): Graph {
  return {
    ...cloneGraph(g),
    outputs: g.outputs.map((o) => (o === from ? to : o)),
    nodes: g.nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n)),
  };
}

/** Checks the IR invariants: unique node names, every input defined before use, every output defined. */
export function validateGraph(g: Graph): void {
  const names = new Set<string>();
  const available = new Set<string>(g.inputs);
  for (const [name, t] of g.tensors) if (t.const !== undefined) available.add(name);
  for (const n of g.nodes) {
    if (names.has(n.name)) throw new GraphError(`two nodes are named "${n.name}"`);
    names.add(n.name);
    for (const i of n.inputs) {
      if (i !== '' && !available.has(i)) throw new GraphError(`node "${n.name}" (${n.op}) reads "${i}" before any node writes it`);
    }
    for (const o of n.outputs) {
      if (o === '') continue;
      if (!g.tensors.has(o)) throw new GraphError(`node "${n.name}" (${n.op}) writes "${o}", which has no tensor entry`);
      available.add(o);
    }
  }
  for (const o of g.outputs) if (!available.has(o)) throw new GraphError(`graph output "${o}" is never written`);
}
