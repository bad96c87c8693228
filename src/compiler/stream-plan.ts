// Proof that a quantized graph can run as a stream of packets (templates/c/pose_stream.h), and the
// constants the streaming kernels need. Nothing is assumed: the integer program itself must start with
//   op 0: the window min-max normalization of the model input, written token-major [P][F] (token t = packet t),
//   op 1: a linear over exactly those P tokens of F features (one weight matrix applied to each packet),
// with no other reader of the input or of the normalized window, and the accumulator ranges of the
// streaming arithmetic must fit the integer types for these weights. Then the projection of each packet is
// independent of the others and affine in the window's min and range, so it can be computed once per
// packet and corrected per window. Any other graph is refused with the reason, naming the op.
import { PoseEdgeError } from '../errors.ts';
import { biasAt, int4At } from './kernels/linear/sim.ts';
import { int4R4At } from './quant/fixed-point.ts';
import type { LinearOp, NormalizeOp } from './kernels/index.ts';
import { qmax, type QOp, type QuantizedGraph } from './quant/qgraph.ts';

export class StreamingError extends PoseEdgeError {}

export interface StreamPlan {
  normalize: NormalizeOp;
  linear: LinearOp;
  /** Values per packet (links x subcarriers) and packets per window. */
  F: number;
  P: number;
  /** qmax of the window normalization's output (127 or 32767): the streaming reciprocal uses the same. */
  qmax: number;
  /** R[o] = sum_i W[o][i] (weight codes). */
  rowSums: Int32Array;
  /** sum_i |W[o][i]|: the streaming accumulator differs from the window path's by at most (sumAbs + 1) / 2. */
  sumAbs: Int32Array;
  /** The ops after the projection, run unchanged on the streamed tokens. */
  tailOps: QOp[];
}

const INT32_LIMIT = 2 ** 31;

function storage(g: QuantizedGraph, name: string): string {
  const t = g.tensors.get(name);
  return t?.home === 'alias' ? t.aliasOf! : name;
}

/** The weight codes of row o of a linear op. */
export function weightRow(g: QuantizedGraph, op: LinearOp, o: number): Int32Array {
  const w = g.consts.get(op.weight)!.values;
  const row = new Int32Array(op.inF);
  if (op.layout === 'r4' || op.layout === 'r4wide') {
    for (let i = 0; i < op.inF; i++) row[i] = int4R4At(w as Uint32Array, (op.inF + 1) >> 1, o, i);
  } else if (op.wbits === 4) {
    const rowBytes = (op.inF + 1) >> 1;
    for (let i = 0; i < op.inF; i++) row[i] = int4At(w[o * rowBytes + (i >> 1)], (i & 1) as 0 | 1);
  } else {
    for (let i = 0; i < op.inF; i++) row[i] = w[o * op.inF + i];
  }
  return row;
}

export function planStreaming(g: QuantizedGraph, where: string): StreamPlan {
  const refuse = (why: string): never => {
    throw new StreamingError(`${where}: cannot stream packets: ${why}`);
  };
  const [op0, op1] = g.ops;
  if (!op0 || op0.kind !== 'normalize') refuse(`the first op must be the window min-max normalization, found ${op0 ? `${op0.kind} '${op0.name}'` : 'no op'}`);
  const norm = op0 as NormalizeOp;
  if (storage(g, norm.inputs[0]) !== storage(g, g.inputName) || norm.F * norm.P !== g.inputLen) {
    refuse(`normalization '${norm.name}' does not read the whole model input ${g.inputName}`);
  }
  if (!op1 || op1.kind !== 'linear') refuse(`the normalized window must feed a linear projection, found ${op1 ? `${op1.kind} '${op1.name}'` : 'no op'} after '${norm.name}'`);
  const lin = op1 as LinearOp;
  const window = storage(g, norm.outputs[0]);
  if (storage(g, lin.inputs[0]) !== window) refuse(`linear '${lin.name}' does not read the output of '${norm.name}'`);
  // Token-major [P][F] window: token t is packet t exactly when the linear takes P rows of F features each.
  if (lin.T !== norm.P || lin.inF !== norm.F || lin.xStride !== norm.F) {
    refuse(`linear '${lin.name}' takes ${lin.T} rows of ${lin.inF} features (stride ${lin.xStride}), not one row per packet (${norm.P} rows of ${norm.F})`);
  }
  for (const op of g.ops.slice(1)) {
    const reads = [...op.inputs, ...(op.kind === 'attention' ? [op.q, op.k, op.v] : [])].map((n) => storage(g, n));
    if (reads.includes(storage(g, g.inputName))) refuse(`op '${op.name}' also reads the model input (only the normalization may)`);
    if (op !== lin && reads.includes(window)) refuse(`op '${op.name}' also reads the normalized window (only the projection may)`);
  }
  const q = qmax(g.tensors.get(window)!.bits);
  const bias = lin.bias ? (g.consts.get(lin.bias)!.values as Int16Array) : null;
  const rowSums = new Int32Array(lin.outF);
  const sumAbs = new Int32Array(lin.outF);
  for (let o = 0; o < lin.outF; o++) {
    let s = 0;
    let a = 0;
    for (const w of weightRow(g, lin, o)) {
      s += w;
      a += Math.abs(w);
    }
    rowSums[o] = s;
    sumAbs[o] = a;
    if (a * 32768 >= INT32_LIMIT) refuse(`row ${o} of '${lin.name}': sum |W| * 32768 = ${a * 32768} does not fit the int32 packet projection`);
    if (Math.abs(biasAt(bias, lin.biasShift, o)) + a * q + 1 >= INT32_LIMIT) refuse(`row ${o} of '${lin.name}': |bias| + sum |W| * ${q} does not fit the int32 window accumulator`);
  }
  return { normalize: norm, linear: lin, F: norm.F, P: norm.P, qmax: q, rowSums, sumAbs, tailOps: g.ops.slice(2) };
}
