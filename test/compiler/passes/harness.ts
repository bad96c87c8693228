// Runs one pass (after the passes it depends on) on a small hand-built model and checks that the float
// interpreter on the result still matches onnxruntime-node on the original model: a pass may change the
// graph's form, never what it computes. Tolerance 1e-5 * max(1, max |output|), as in the op golden tests.
import { expect } from 'vitest';
import type { Graph } from '../../../src/compiler/ir/graph.ts';
import { checkGraph } from '../../../src/compiler/ir/check.ts';
import { interpret } from '../../../src/compiler/ir/interpret.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import type { Value } from '../../../src/compiler/ops/types.ts';
import { buildModel, ortRun, randomFloats, type ModelSpec } from '../onnx/onnx-builder.ts';

export type Pass = (g: Graph) => Graph;

export async function applyPass(spec: ModelSpec, prep: Pass[], pass: Pass, range: [number, number] = [-2, 2]): Promise<Graph> {
  const model = buildModel(spec);
  let g = importOnnx(model, 'test.onnx');
  for (const p of prep) g = p(g);
  const after = pass(g);
  checkGraph(after);
  const feeds: Record<string, { dims: number[]; data: Float32Array }> = {};
  spec.inputs.forEach(([name, dims], k) => {
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    feeds[name] = { dims: dims as number[], data: randomFloats(n, 7 + k, ...range) };
  });
  const ref = await ortRun(model, feeds);
  const env = interpret(after, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { dtype: 'float32', shape: v.dims, data: v.data } satisfies Value])));
  for (const [name] of spec.outputs) {
    const got = Array.from(env.get(name)!.data as Float32Array);
    const want = Array.from(ref[name].data);
    const tol = 1e-5 * Math.max(1, ...want.map(Math.abs));
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]), `${name}[${i}]`).toBeLessThanOrEqual(tol));
  }
  return after;
}

export function opsOf(g: Graph): string[] {
  return g.nodes.map((n) => n.op);
}
