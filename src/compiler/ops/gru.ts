// ONNX GRU, one layer, forward, as a recurrent model over the packets uses it: X [seq, 1, input], W [1, 3H,
// input], R [1, 3H, H], optional B [1, 6H] (Wb then Rb), gates in ONNX order z, r, h, both linear_before_reset
// forms, zero initial state. Outputs Y [seq, 1, 1, H] and Y_h [1, 1, H] (either may be left out). Refused,
// naming the node: other directions, activations, clip, layout 1, sequence_lens, initial_h, a batch above 1.
import type { Node } from '../ir/graph.ts';
import type { InputInfo, OpDef, Value } from './types.ts';
import { fmtShape, requireFloat, requireInput, shapeError, unsupported } from './support.ts';

export interface GruAttrs {
  hiddenSize: number;
  linearBeforeReset: 0 | 1;
}

function shapes(node: Node<GruAttrs>, inputs: readonly (InputInfo | Value | undefined)[]): { T: number; I: number; H: number } {
  const x = requireInput(node, inputs as (InputInfo | undefined)[], 0, 'X');
  const w = requireInput(node, inputs as (InputInfo | undefined)[], 1, 'W');
  const r = requireInput(node, inputs as (InputInfo | undefined)[], 2, 'R');
  requireFloat(node, x, 'X');
  const H = node.attrs.hiddenSize;
  if (x.shape.length !== 3) throw shapeError(node, `X ${fmtShape(x.shape)} is not [seq_length, batch, input_size]`);
  const [T, batch, I] = x.shape;
  if (batch !== 1) throw unsupported(node, `X ${fmtShape(x.shape)} has a batch of ${batch}; only 1 is supported (one window per inference)`);
  if (w.shape.join(',') !== `1,${3 * H},${I}`) throw shapeError(node, `W ${fmtShape(w.shape)} is not [1,${3 * H},${I}] (forward, hidden_size ${H})`);
  if (r.shape.join(',') !== `1,${3 * H},${H}`) throw shapeError(node, `R ${fmtShape(r.shape)} is not [1,${3 * H},${H}]`);
  const b = inputs[3];
  if (b && b.shape.join(',') !== `1,${6 * H}`) throw shapeError(node, `B ${fmtShape(b.shape)} is not [1,${6 * H}]`);
  if (inputs[4]) throw unsupported(node, 'sequence_lens is not supported (every sequence has the full length)');
  if (inputs[5]) throw unsupported(node, 'initial_h is not supported (the initial state is zero)');
  return { T, I, H };
}

/** GRU in float64 (rounded to float32 at the end), as the ONNX spec states it. */
export function gruReference(x: ArrayLike<number>, w: ArrayLike<number>, r: ArrayLike<number>, b: ArrayLike<number> | undefined, T: number, I: number, H: number, lbr: 0 | 1): { y: Float32Array; yh: Float32Array } {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const bias = (k: number) => (b ? b[k] : 0);
  let h = new Float64Array(H);
  const y = new Float32Array(T * H);
  const gx = new Float64Array(3 * H);
  const gh = new Float64Array(3 * H);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < 3 * H; j++) {
      let s = bias(j);
      for (let i = 0; i < I; i++) s += x[t * I + i] * w[j * I + i];
      gx[j] = s;
      let u = bias(3 * H + j);
      for (let k = 0; k < H; k++) u += h[k] * r[j * H + k];
      gh[j] = u;
    }
    const z = Float64Array.from({ length: H }, (_, k) => sig(gx[k] + gh[k]));
    const rg = Float64Array.from({ length: H }, (_, k) => sig(gx[H + k] + gh[H + k]));
    const next = new Float64Array(H);
    for (let k = 0; k < H; k++) {
      let n: number;
      if (lbr) n = Math.tanh(gx[2 * H + k] + rg[k] * gh[2 * H + k]);
      else {
        // linear_before_reset 0: the reset gate scales h before the recurrent product.
        let u = bias(5 * H + k);
        for (let m = 0; m < H; m++) u += rg[m] * h[m] * r[(2 * H + k) * H + m];
        n = Math.tanh(gx[2 * H + k] + u);
      }
      next[k] = (1 - z[k]) * n + z[k] * h[k];
    }
    h = next;
    y.set(h, t * H);
  }
  return { y, yh: Float32Array.from(h) };
}

export const GRU: OpDef<GruAttrs> = {
  parse: (a, _opset, node) => {
    const direction = a.string('direction', 'forward');
    if (direction !== 'forward') throw unsupported(node, `direction "${direction}" is not supported (only forward)`);
    if (a.has('activations') || a.has('activation_alpha') || a.has('activation_beta')) {
      throw unsupported(node, 'activations other than the default (Sigmoid, Tanh) are not supported: remove activations/activation_alpha/activation_beta');
    }
    if (a.has('clip')) throw unsupported(node, 'clip is not supported');
    if (a.int('layout', 0) !== 0) throw unsupported(node, 'layout 1 (batch first) is not supported (only 0: X [seq, batch, input])');
    const lbr = a.int('linear_before_reset', 0);
    if (lbr !== 0 && lbr !== 1) throw unsupported(node, `linear_before_reset ${lbr} is not 0 or 1`);
    return { hiddenSize: a.int('hidden_size'), linearBeforeReset: lbr as 0 | 1 };
  },
  infer: (node, inputs) => {
    const { T, H } = shapes(node, inputs);
    return [{ dtype: 'float32', shape: [T, 1, 1, H] }, { dtype: 'float32', shape: [1, 1, H] }];
  },
  evaluate: (node, inputs) => {
    const { T, I, H } = shapes(node, inputs);
    const [x, w, r, b] = inputs;
    const { y, yh } = gruReference(x!.data as Float32Array, w!.data as Float32Array, r!.data as Float32Array, b?.data as Float32Array | undefined, T, I, H, node.attrs.linearBeforeReset);
    return [{ dtype: 'float32', shape: [T, 1, 1, H], data: y }, { dtype: 'float32', shape: [1, 1, H], data: yh }];
  },
  weightInputs: [1, 2],
};
