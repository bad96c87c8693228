// Per-layer error of the integer kernel against the float reference: the simulator's dequantized
// intermediates vs the same tensors from onnxruntime-node, over a few windows. Tells a user where
// accuracy goes (cosine similarity near 1 and a small max error mean the layer is quantized well).
import type { IntermediateRunner } from './quant/calibrate.ts';
import { WINDOW_VALUES } from '../data/window.ts';
import type { QuantizedGraph } from './quant/qgraph.ts';
import { simulate } from './sim/run.ts';
import { quantizeInput } from './io-format.ts';

export interface LayerStat {
  tensor: string;
  op: string;
  bits: number;
  windows: number;
  cosine: number;
  maxAbsErr: number;
  maxAbsRef: number;
}

export async function layerReport(
  g: QuantizedGraph,
  run: IntermediateRunner,
  windows: Float32Array,
  n: number,
  names: string[],
): Promise<LayerStat[]> {
  const ref = await run(windows, n, names);
  const stats: LayerStat[] = [];
  const acc = new Map<string, { dot: number; nr: number; ns: number; maxErr: number; maxRef: number }>();
  for (let w = 0; w < n; w++) {
    const input = quantizeInput(windows.subarray(w * WINDOW_VALUES, (w + 1) * WINDOW_VALUES), g.inputFracBits);
    const sim = simulate(g, input, { keepTensors: true });
    for (const name of names) {
      const t = g.tensors.get(name);
      const values = sim.tensors!.get(name);
      const r = ref.get(name);
      if (!t || !values || !r || t.layout) continue;
      const per = t.elems;
      const a = acc.get(name) ?? { dot: 0, nr: 0, ns: 0, maxErr: 0, maxRef: 0 };
      for (let i = 0; i < per; i++) {
        const fv = r[w * per + i];
        const sv = values[i] * t.scale;
        a.dot += fv * sv;
        a.nr += fv * fv;
        a.ns += sv * sv;
        a.maxErr = Math.max(a.maxErr, Math.abs(fv - sv));
        a.maxRef = Math.max(a.maxRef, Math.abs(fv));
      }
      acc.set(name, a);
    }
  }
  for (const op of g.ops) {
    for (const name of op.outputs) {
      const a = acc.get(name);
      if (!a) continue;
      const t = g.tensors.get(name)!;
      stats.push({
        tensor: name, op: `${op.irOp} ${op.name}`, bits: t.bits, windows: n,
        cosine: a.nr > 0 && a.ns > 0 ? a.dot / Math.sqrt(a.nr * a.ns) : a.nr === a.ns ? 1 : 0,
        maxAbsErr: a.maxErr, maxAbsRef: a.maxRef,
      });
    }
  }
  return stats;
}
