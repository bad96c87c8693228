// Mirror of the streaming kernel (templates/c/pose_stream.h and the pose_model_push_packet /
// pose_model_run_streaming functions the emitter generates): a ring of the last P projected packets, each
// window's tokens corrected from them, then the rest of the graph on the simulator's kernels. Bit-exact with
// the generated C; within (sum |W| + 1) / 2 of the window path's projection accumulators (see pose_stream.h).
import { requant, saturate } from '../quant/fixed-point.ts';
import type { ConstValues, QuantizedGraph } from '../quant/qgraph.ts';
import { weightRow, type StreamPlan } from '../stream-plan.ts';
import type { Act } from '../kernels/common.ts';
import { allocate, runOp } from './run.ts';
import { biasAt } from '../kernels/linear/sim.ts';

export interface StreamState {
  g: QuantizedGraph;
  plan: StreamPlan;
  /** Weight rows as codes [out][F], unpacked once. */
  rows: Int32Array[];
  /** ring[slot] = S of the packet kept there. */
  ring: Int32Array[];
  pmin: Int16Array;
  pmax: Int16Array;
  /** Next slot to write; packets pushed so far (saturates at P). */
  next: number;
  count: number;
}

export function createStream(g: QuantizedGraph, plan: StreamPlan): StreamState {
  const out = plan.linear.outF;
  return {
    g, plan,
    rows: Array.from({ length: out }, (_, o) => weightRow(g, plan.linear, o)),
    ring: Array.from({ length: plan.P }, () => new Int32Array(out)),
    pmin: new Int16Array(plan.P),
    pmax: new Int16Array(plan.P),
    next: 0,
    count: 0,
  };
}

/** Mirror of pk_stream_project_w4 / _w8: s[o] = sum_i rows[o][i] packet[i] (weight codes). */
export function projectPacket(rows: Int32Array[], packet: ArrayLike<number>, into: Int32Array): void {
  for (let o = 0; o < rows.length; o++) {
    const w = rows[o];
    let a = 0;
    for (let i = 0; i < w.length; i++) a += w[i] * packet[i];
    into[o] = a;
  }
}

/**
 * Mirror of pk_stream_window_* before requantization: the accumulators bias[o] + v of each kept packet
 * (slots in token order, oldest first), v = floor(((S - lo R) recip + 2^31) / 2^32), recip = floor(qmax 2^32 /
 * (hi - lo)) or 0 for a constant window; lo, hi over every kept packet's min and max.
 */
export function windowAccumulators(slots: Int32Array[], pmin: ArrayLike<number>, pmax: ArrayLike<number>, qmax: number, rowSums: ArrayLike<number>, bias: ArrayLike<number> | null): Int32Array[] {
  let lo = pmin[0];
  let hi = pmax[0];
  for (let t = 1; t < slots.length; t++) {
    if (pmin[t] < lo) lo = pmin[t];
    if (pmax[t] > hi) hi = pmax[t];
  }
  const recip = hi === lo ? 0n : (BigInt(qmax) << 32n) / BigInt(hi - lo);
  return slots.map((sl) => Int32Array.from(sl, (v, o) => (bias ? bias[o] : 0) + Number(((BigInt(v) - BigInt(lo) * BigInt(rowSums[o])) * recip + 0x80000000n) >> 32n)));
}

/** One raw packet [F] (link-major, subcarrier) in the model's int16 input format. */
export function pushPacket(s: StreamState, packet: Int16Array): void {
  const { F, P } = s.plan;
  if (packet.length !== F) throw new Error(`stream: a packet has ${F} values, got ${packet.length}`);
  projectPacket(s.rows, packet, s.ring[s.next]);
  let lo = packet[0];
  let hi = packet[0];
  for (const v of packet) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  s.pmin[s.next] = lo;
  s.pmax[s.next] = hi;
  s.next = (s.next + 1) % P;
  s.count = Math.min(s.count + 1, P);
}

/** The window accumulators bias + v of every token (oldest packet first), before requantization. */
export function streamAccumulators(s: StreamState): Int32Array[] {
  const { P, qmax, rowSums } = s.plan;
  const lin = s.plan.linear;
  if (s.count < P) throw new Error(`stream: ${s.count} packets pushed, a window needs ${P}`);
  const order = Array.from({ length: P }, (_, t) => (s.next + t) % P);
  const b16 = lin.bias ? (s.g.consts.get(lin.bias)!.values as Int16Array) : null;
  const bias = b16 ? Int32Array.from(b16, (_, o) => biasAt(b16, lin.biasShift, o)) : null;
  return windowAccumulators(order.map((k) => s.ring[k]), order.map((k) => s.pmin[k]), order.map((k) => s.pmax[k]), qmax, rowSums, bias);
}

/** One inference on the last P pushed packets. */
export function runStreaming(s: StreamState): Int16Array {
  const { g, plan } = s;
  const lin = plan.linear;
  const constOf = (key: string): ConstValues => {
    const c = g.consts.get(key);
    if (!c) throw new Error(`stream: unknown constant '${key}'`);
    return c.values;
  };
  const buffers = new Map<string, Act>();
  const output = new Int16Array(g.outputLen);
  for (const t of g.tensors.values()) {
    if (t.home === 'output') buffers.set(t.name, output);
    else if (t.home === 'arena') buffers.set(t.name, allocate(t));
  }
  for (const t of g.tensors.values()) if (t.home === 'alias') buffers.set(t.name, buffers.get(t.aliasOf!)!);
  const y = buffers.get(lin.outputs[0])!;
  const mult = constOf(lin.mult);
  const shift = constOf(lin.shift);
  streamAccumulators(s).forEach((acc, t) => {
    for (let o = 0; o < lin.outF; o++) {
      const k = lin.perRow ? o : 0;
      y[t * lin.yStride + o] = saturate(requant(acc[o], mult[k], shift[k]), lin.outMin, lin.outMax);
    }
  });
  for (const op of plan.tailOps) runOp(op, buffers, constOf);
  return output;
}

/** Packet p of an int16 window [F][P]. */
export function packetOf(window: Int16Array, F: number, P: number, p: number): Int16Array {
  const out = new Int16Array(F);
  for (let f = 0; f < F; f++) out[f] = window[f * P + p];
  return out;
}

