// QuantizeLinear -> DequantizeLinear pairs on activations, found on the ONNX graph before import. A QAT
// exporter (reference/export.py, torch.fake_quantize_per_tensor_affine) writes one pair in front of every
// activation the weights were trained to see as int8; the pair is the float semantics of that int8 tensor,
// so onnxruntime (the reference) computes what the node computes. Import turns each pair into one
// pe.FakeQuant node (ir/fused-ops.ts) and drops the Constant nodes that only hold its scale and zero point:
// the IR has no int8 tensors, and a lone QuantizeLinear or DequantizeLinear has no integer meaning here.
import type { onnx } from 'onnx-proto';
import { UnsupportedOpError } from '../ir/errors.ts';
import { decodeTensorProto } from '../ops/tensor-proto.ts';

export interface QdqPair {
  /** Index of the DequantizeLinear node in the ONNX graph (the QuantizeLinear's index is the map key). */
  dq: number;
  x: string;
  y: string;
  scale: number;
  qmin: number;
  qmax: number;
}

const ONNX_INT8 = 3, ONNX_UINT8 = 2;

/**
 * The pairs by the index of their QuantizeLinear, and the node indices import skips (the pairs' second
 * nodes and the Constant nodes read by nothing else). Refuses, naming the node, anything but a
 * per-tensor int8 quantization with zero point 0 whose only reader is a DequantizeLinear of the same scale.
 */
export function findQdqPairs(g: onnx.IGraphProto, source: string): { pairs: Map<number, QdqPair>; skip: Set<number>; skipInitializers: Set<string> } {
  const nodes = g.node ?? [];
  const readers = new Map<string, number[]>();
  const addReader = (t: string, i: number): void => {
    if (!readers.has(t)) readers.set(t, []);
    readers.get(t)!.push(i);
  };
  nodes.forEach((n, i) => (n.input ?? []).forEach((t) => t && addReader(t, i)));
  for (const o of g.output ?? []) addReader(o.name ?? '', -1); // -1: read as a graph output
  const constants = new Map<string, { tensor: onnx.ITensorProto; node: number | null }>();
  for (const t of g.initializer ?? []) constants.set(t.name ?? '', { tensor: t, node: null });
  nodes.forEach((n, i) => {
    const value = n.opType === 'Constant' ? (n.attribute ?? []).find((a) => a.name === 'value')?.t : undefined;
    if (value && n.output?.[0]) constants.set(n.output[0], { tensor: value, node: i });
  });
  const label = (i: number): string => `node "${nodes[i].name || `${nodes[i].opType}_${i}`}" (${nodes[i].opType})`;
  const refuse = (i: number, why: string): never => {
    throw new UnsupportedOpError(`${source}: ${label(i)}: ${why}; pose-edge reads QuantizeLinear -> DequantizeLinear pairs on activations only (int8, one scale, zero point 0: fake quantization from QAT; docs/ops.md)`);
  };
  /** The scale (a positive float) and the zero point's type of a Q or DQ node, after checking both. */
  const params = (i: number): { scale: number; int8: boolean } => {
    const [, sName, zName] = nodes[i].input ?? [];
    const s = constants.get(sName ?? '');
    if (!s) refuse(i, 'its scale is not a constant');
    const sv = decodeTensorProto(s!.tensor, `${source}: ${label(i)} scale`);
    if (sv.data.length !== 1 || !(sv.data instanceof Float32Array) || !(sv.data[0] > 0)) refuse(i, 'its scale is not one positive float (per-axis scales are not supported)');
    let int8 = false;
    if (zName) {
      const z = constants.get(zName)?.tensor;
      if (!z) refuse(i, 'its zero point is not a constant');
      int8 = z!.dataType === ONNX_INT8;
      if (z!.dataType !== ONNX_INT8 && z!.dataType !== ONNX_UINT8) refuse(i, `its zero point has ONNX type ${z!.dataType}, not int8`);
      const raw = z!.rawData && z!.rawData.length > 0 ? Array.from(z!.rawData) : (z!.int32Data ?? []);
      if (raw.length !== 1 || raw[0] !== 0) refuse(i, 'its zero point is not a single 0 (asymmetric quantization is not supported)');
    }
    return { scale: (sv.data as Float32Array)[0], int8 };
  };
  const pairs = new Map<number, QdqPair>();
  const skip = new Set<number>();
  const skipInitializers = new Set<string>();
  nodes.forEach((n, i) => {
    // Nodes are in topological order: a DequantizeLinear's QuantizeLinear came first and either made the pair
    // (the DequantizeLinear is in skip) or was refused.
    if (n.opType === 'DequantizeLinear') {
      if (!skip.has(i)) refuse(i, 'it does not read a QuantizeLinear (int8 weights belong in the npz, not the graph)');
      return;
    }
    if (n.opType !== 'QuantizeLinear') return;
    const q = n.output?.[0] ?? '';
    const rs = readers.get(q) ?? [];
    if (rs.length !== 1 || rs[0] < 0 || nodes[rs[0]].opType !== 'DequantizeLinear') refuse(i, 'its output is not read by exactly one DequantizeLinear');
    const dq = rs[0];
    const qp = params(i), dp = params(dq);
    if (!qp.int8) refuse(i, 'it quantizes to uint8 (the default without an int8 zero point)');
    if (qp.scale !== dp.scale || !dp.int8) refuse(dq, 'its scale or zero point differs from its QuantizeLinear\'s');
    pairs.set(i, { dq, x: n.input?.[0] ?? '', y: nodes[dq].output?.[0] ?? '', scale: qp.scale, qmin: -128, qmax: 127 });
    skip.add(dq);
  });
  // Constants (nodes or initializers) that only a pair reads: their int8 zero points would not import.
  const pairNodes = new Set([...pairs.keys(), ...[...pairs.values()].map((p) => p.dq)]);
  for (const [name, c] of constants) {
    if (!(readers.get(name) ?? []).every((r) => pairNodes.has(r))) continue;
    if (c.node !== null) skip.add(c.node);
    else skipInitializers.add(name);
  }
  return { pairs, skip, skipInitializers };
}
