// Arena layout of a QuantizedGraph: which tensors (and per-op scratch buffers) live in the arena, their
// lifetimes in op order, and their planned offsets.
import { planArena, type ArenaPlan, type BufferLifetime } from './arena.ts';
import type { QuantizedGraph } from '../quant/qgraph.ts';

export interface ArenaBuffer extends BufferLifetime {
  /** The tensor name, or `scratch:<op name>` for a kernel's scratch rows. */
  what: string;
  kind: 'tensor' | 'scratch';
}

export interface MemoryLayout {
  buffers: ArenaBuffer[];
  plan: ArenaPlan;
}

export function scratchName(opName: string): string {
  return `scratch:${opName}`;
}

export function layoutMemory(g: QuantizedGraph): MemoryLayout {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  const root = (name: string): string => {
    const t = g.tensors.get(name);
    if (!t) throw new Error(`memory layout: op refers to unknown tensor '${name}'`);
    return t.home === 'alias' ? t.aliasOf! : name;
  };
  g.ops.forEach((op, i) => {
    for (const out of op.outputs) {
      const r = root(out);
      if (!first.has(r)) first.set(r, i);
      last.set(r, Math.max(last.get(r) ?? i, i));
    }
    for (const inp of op.inputs) {
      const r = root(inp);
      last.set(r, Math.max(last.get(r) ?? i, i));
    }
  });
  const buffers: ArenaBuffer[] = [];
  for (const [name, t] of g.tensors) {
    if (t.home !== 'arena') continue;
    const f = first.get(name);
    if (f === undefined) throw new Error(`memory layout: tensor '${name}' is never written by any op`);
    buffers.push({ name, what: name, kind: 'tensor', size: t.elems * (t.bits / 8), first: f, last: last.get(name)! });
  }
  g.ops.forEach((op, i) => {
    if (op.scratchBytes > 0) buffers.push({ name: scratchName(op.name), what: `scratch of ${op.name}`, kind: 'scratch', size: op.scratchBytes, first: i, last: i });
  });
  return { buffers, plan: planArena(buffers) };
}
