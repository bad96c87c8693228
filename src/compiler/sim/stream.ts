// Mirror of the streaming kernel (templates/c/pose_stream.h and the pose_model_push_packet /
// pose_model_run_streaming functions the emitter generates): a ring of the last P projected packets, each
// window's tokens corrected from them, then the rest of the graph on the simulator's kernels. Bit-exact with
// the generated C; within (sum |W| + 1) / 2 of the window path's projection accumulators (see pose_stream.h).
import { requant, saturate } from '../quant/fixed-point.ts';
import type { ConstValues, QuantizedGraph } from '../quant/qgraph.ts';
import { weightRow, type StreamPlan } from '../stream-plan.ts';
import type { Act } from './kernels/common.ts';
import { runKernel } from './dispatch.ts';
import { allocate } from './run.ts';

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

/** One raw packet [F] (link-major, subcarrier) in the model's int16 input format. */
export function pushPacket(s: StreamState, packet: Int16Array): void {
  const { F, P } = s.plan;
  if (packet.length !== F) throw new Error(`stream: a packet has ${F} values, got ${packet.length}`);
  const acc = s.ring[s.next];
  for (let o = 0; o < acc.length; o++) {
    const w = s.rows[o];
    let a = 0;
    for (let i = 0; i < F; i++) a += w[i] * packet[i];
    acc[o] = a;
  }
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
  let lo = s.pmin[0];
  let hi = s.pmax[0];
  for (let t = 1; t < P; t++) {
    if (s.pmin[t] < lo) lo = s.pmin[t];
    if (s.pmax[t] > hi) hi = s.pmax[t];
  }
  const recip = hi === lo ? 0n : (BigInt(qmax) << 32n) / BigInt(hi - lo);
  const bias = lin.bias ? (s.g.consts.get(lin.bias)!.values as Int32Array) : null;
  const accs: Int32Array[] = [];
  for (let t = 0; t < P; t++) {
    const sl = s.ring[(s.next + t) % P];
    const a = new Int32Array(lin.outF);
    for (let o = 0; o < lin.outF; o++) {
      const d = BigInt(sl[o]) - BigInt(lo) * BigInt(rowSums[o]);
      const v = Number((d * recip + 0x80000000n) >> 32n);
      a[o] = (bias ? bias[o] : 0) + v;
    }
    accs.push(a);
  }
  return accs;
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
  const buf = (name: string): Act => {
    const b = buffers.get(name);
    if (!b) throw new Error(`stream: op refers to unknown tensor '${name}'`);
    return b;
  };
  for (const op of plan.tailOps) runKernel(op, buf, constOf);
  return output;
}

/** Packet p of an int16 window [F][P]. */
export function packetOf(window: Int16Array, F: number, P: number, p: number): Int16Array {
  const out = new Int16Array(F);
  for (let f = 0; f < F; f++) out[f] = window[f * P + p];
  return out;
}

