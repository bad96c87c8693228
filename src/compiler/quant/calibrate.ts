// Activation ranges from a calibration run: the reference model (ONNX with the dequantized npz weights,
// float activations) runs over the calibration windows with the intermediate tensors the fused graph
// needs exposed as extra outputs, and every tensor's value range is recorded. The plan turns these ranges
// into activation scales (docs/quantization.md says how and why).
//
// The runner is injected (compile.ts passes onnxruntime-node through src/compiler/reference/model.ts), so this
// module stays pure and testable without ORT.
import { PoseEdgeError } from '../../errors.ts';
import { WINDOW_VALUES } from '../../data/window.ts';

/** The calibration data make the reference model produce something no scale can represent. */
export class CalibrationError extends PoseEdgeError {}

export interface TensorRange {
  name: string;
  min: number;
  max: number;
  maxAbs: number;
  /** 99.99th percentile of |x| over every calibration value of this tensor (outlier-robust alternative). */
  p9999: number;
  count: number;
}

/** Runs `windows` windows ([n,3,114,10] float32, row-major) and returns each named tensor's values (batch-major). */
export type IntermediateRunner = (windows: Float32Array, n: number, names: string[]) => Promise<Map<string, Float32Array>>;

export interface CalibrationOptions {
  /** Windows per runner call: bounds peak memory of the exposed intermediates. */
  batch?: number;
}


export async function calibrate(
  run: IntermediateRunner,
  windows: Float32Array,
  n: number,
  names: readonly string[],
  opts: CalibrationOptions = {},
): Promise<Map<string, TensorRange>> {
  if (windows.length !== n * WINDOW_VALUES) throw new Error(`calibration: ${windows.length} values is not ${n} windows of ${WINDOW_VALUES}`);
  if (n === 0) throw new Error('calibration: the calibration set has no windows');
  const batch = opts.batch ?? 64;
  const chunks = new Map<string, Float32Array[]>();
  for (const name of names) chunks.set(name, []);
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const out = await run(windows.subarray(start * WINDOW_VALUES, (start + count) * WINDOW_VALUES), count, [...names]);
    for (const name of names) {
      const values = out.get(name);
      if (!values) throw new Error(`calibration: the reference run did not return tensor '${name}'`);
      chunks.get(name)!.push(values);
    }
  }
  const ranges = new Map<string, TensorRange>();
  for (const [name, parts] of chunks) ranges.set(name, rangeOf(name, parts));
  return ranges;
}

export function rangeOf(name: string, parts: readonly Float32Array[]): TensorRange {
  let count = 0;
  for (const p of parts) count += p.length;
  const abs = new Float32Array(count);
  let min = Infinity;
  let max = -Infinity;
  let k = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      // The windows are finite (compile replaces NaN/Inf by 0 first), so this is the graph overflowing on them.
      if (!Number.isFinite(v)) throw new CalibrationError(`calibration: tensor '${name}' of the reference model is ${v} on the calibration windows (they are finite: the graph overflows on them)`);
      if (v < min) min = v;
      if (v > max) max = v;
      abs[k++] = Math.abs(v);
    }
  }
  if (count === 0) throw new Error(`calibration: tensor '${name}' is empty`);
  abs.sort();
  const p9999 = abs[Math.min(count - 1, Math.ceil(0.9999 * count) - 1)];
  return { name, min, max, maxAbs: abs[count - 1], p9999, count };
}
