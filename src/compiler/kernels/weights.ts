// The integer weights of a kernel that multiplies by a constant matrix with one scale per output row or per
// tensor (Conv, GRU): the npz's int4/int8 codes as stored, or, for a weight the npz keeps float, int8 codes
// quantized here. A per-row factor (a BatchNormalization folded into the op) multiplies the row scales; a
// negative factor negates the row's codes, so every scale stays positive (a multiplier is a positive Q31).
import type { Node } from '../ir/graph.ts';
import type { PlanContext } from '../quant/plan-context.ts';

export interface PlannedWeights {
  bits: 4 | 8;
  /** rows x rowLen codes, row-major. */
  codes: Int8Array;
  /** One positive scale per row (equal when perRow is false). */
  scale: Float64Array;
  perRow: boolean;
  /** Where the codes came from, for the compile report. */
  origin: string;
}

export interface WeightSource {
  /** The ONNX initializer the npz weight map resolves (the unfolded weight). */
  initializer: string;
  /** The IR constant with the float values the op computes with (folded, when rowFactor is set). */
  floatName: string;
  rows: number;
  rowLen: number;
  rowFactor?: readonly number[];
  /** What the weight is called in messages (e.g. "W", "R"). */
  what?: string;
}

export function planWeights(ctx: PlanContext, node: Node, src: WeightSource): PlannedWeights {
  const { rows, rowLen, rowFactor } = src;
  const what = src.what ?? 'weight';
  const found = ctx.quantizedWeight(src.initializer);
  if (!found) {
    // Float in the npz: int8, one scale per row (max |w| / 127), from the values the op computes with.
    const w = ctx.constFloats(src.floatName, node);
    if (w.length !== rows * rowLen) ctx.fail(node, `${what} has ${w.length} values, expected ${rows} x ${rowLen}`);
    const codes = new Int8Array(w.length);
    const scale = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let m = 0;
      for (let i = 0; i < rowLen; i++) m = Math.max(m, Math.abs(w[r * rowLen + i]));
      scale[r] = m > 0 ? m / 127 : 1;
      for (let i = 0; i < rowLen; i++) codes[r * rowLen + i] = Math.max(-127, Math.min(127, Math.round(w[r * rowLen + i] / scale[r])));
    }
    return { bits: 8, codes, scale, perRow: true, origin: `${src.initializer} (float in the npz; quantized here to int8, one scale per row)` };
  }
  const { tensor: qt, entry } = found;
  const count = qt.q.length;
  if (qt.shape[0] !== rows || count !== rows * rowLen) {
    ctx.fail(node, `${ctx.inp.weights.path}: ${entry.npzKey} has shape [${qt.shape.join(',')}], the graph needs ${rows} rows of ${rowLen} (weights do not fit the graph)`);
  }
  if (qt.bits !== ctx.inp.bits) ctx.fail(node, `${ctx.inp.weights.path}: ${entry.npzKey} is int${qt.bits} but --bits ${ctx.inp.bits} was asked for`);
  const codes = Int8Array.from(qt.q);
  const scale = new Float64Array(rows);
  const qmin = qt.bits === 4 ? -8 : -128;
  for (let r = 0; r < rows; r++) {
    const f = rowFactor ? rowFactor[r] : 1;
    scale[r] = qt.scale[qt.scaleAxis === 'row' ? r : 0] * Math.abs(f);
    if (f < 0) {
      for (let i = r * rowLen; i < (r + 1) * rowLen; i++) {
        if (codes[i] === qmin) ctx.fail(node, `${entry.npzKey} row ${r}: the folded BatchNormalization negates the row, and its code ${qmin} has no int${qt.bits} negation (symmetric weights use [${qmin + 1}, ${-qmin - 1}])`);
        codes[i] = -codes[i];
      }
    }
    if (scale[r] === 0) scale[r] = 1; // a row the BatchNormalization zeroes: its codes stay, the op multiplies by 0 below
  }
  const zeroRows = rowFactor ? rowFactor.filter((f) => f === 0).length : 0;
  if (zeroRows > 0) {
    for (let r = 0; r < rows; r++) if (rowFactor![r] === 0) codes.fill(0, r * rowLen, (r + 1) * rowLen);
  }
  const perRow = qt.scaleAxis === 'row' || rowFactor !== undefined;
  const origin = `${entry.npzKey} (npz int${qt.bits}, ${qt.scaleAxis === 'row' ? 'per-row scales' : `scale ${qt.scale[0].toPrecision(6)}`}${rowFactor ? ' x the folded BatchNormalization\'s per-channel factor' : ''})`;
  return { bits: qt.bits, codes, scale, perRow, origin };
}
