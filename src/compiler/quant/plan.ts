// The quantization plan: the fused IR + the npz weights + calibration ranges -> a QuantizedGraph (plain
// data: integer parameters of every op, constant arrays, tensor scales and precisions) that the simulator
// and the emitter both consume. Quantized weights come from the npz as stored (int4/int8 codes and their
// scales; never re-quantized from floats); biases become int32 at scale s_in * s_w; every real rescaling
// factor becomes one (multiplier, shift) pair through fixed-point.ts. docs/quantization.md explains choices.
import { PoseEdgeError } from '../../cli/errors.ts';
import type { Graph, Node, Tensor } from '../ir/graph.ts';
import type { AttentionAttrs, AttentionPoolAttrs, LayerNormAttrs, LinearAttrs, MatMulConstAttrs } from '../ir/fused-ops.ts';
import type { QWeights, QuantizedTensor } from './qweights.ts';
import type { WeightMapEntry } from './weight-map.ts';
import type { TensorRange } from './calibrate.ts';
import { packInt4Rows, quantizeMultiplier, quantizeValues, roundHalfAway, saturate, INT32_MAX, INT32_MIN } from './fixed-point.ts';
import { assignPrecision } from './precision.ts';
import { qmax, qmin, type ActBits, type QConst, type QOp, type QOpCommon, type QTensor, type QuantizedGraph } from './qgraph.ts';
import { planLayerNorm, planAttention, planAttentionPool, planLut, planAdd } from './plan-nonlinear.ts';

export class QuantPlanError extends PoseEdgeError {}

/**
 * Range headroom over the calibration max |x|: windows outside the calibration set reach further (a test
 * window saturating a LayerNorm output cost 0.3 of its 3.8 range before this). int16 has bits to spare, so
 * it gets 2x; for int8, resolution mattered more than the rare clipped outlier (docs/quantization.md).
 */
export const HEADROOM: Record<ActBits, number> = { 8: 1, 16: 2 };

export interface PlanInputs {
  graph: Graph;
  weights: QWeights;
  weightMap: WeightMapEntry[];
  ranges: Map<string, TensorRange>;
  bits: 4 | 8;
  actBits: ActBits;
  inputFracBits: number;
  outputFracBits: number;
  /** Names the files in error messages. */
  modelPath: string;
}

/** The activations whose ranges the plan needs from calibration: every node output the source ONNX computes. */
export function calibrationTensors(g: Graph): string[] {
  const names: string[] = [];
  for (const node of g.nodes) {
    if (node.op === 'pe.MinMaxNormalize' || node.op === 'pe.Reshape' || node.op === 'Relu') continue;
    for (const o of node.outputs) if (!g.outputs.includes(o)) names.push(o);
  }
  return names;
}

export interface PlanContext {
  inp: PlanInputs;
  g: Graph;
  tensors: Map<string, QTensor>;
  consts: Map<string, QConst>;
  ops: QOp[];
  addConst(c: QConst): string;
  tensor(name: string): QTensor;
  constFloats(name: string, node: Node): Float32Array;
  common(node: Node, inputs: string[], outputs: string[]): QOpCommon;
  fail(node: Node, msg: string): never;
}

export function planQuantization(inp: PlanInputs): QuantizedGraph {
  const g = inp.graph;
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new QuantPlanError(`${inp.modelPath}: the kernel has one input and one output; the graph has ${g.inputs.length} inputs and ${g.outputs.length} outputs`);
  }
  const bitsOf = assignPrecision(g, inp.actBits);
  const tensors = new Map<string, QTensor>();
  const consts = new Map<string, QConst>();
  const ops: QOp[] = [];
  const bySignature = new Map<string, QConst>();
  const inputName = g.inputs[0];
  const outputName = g.outputs[0];
  // The tensor whose bytes are the model output: the graph output, or what a chain of views reads.
  let outputRoot = outputName;
  for (;;) {
    const producer = g.nodes.find((n) => n.outputs.includes(outputRoot));
    if (producer?.op !== 'pe.Reshape') break;
    outputRoot = producer.inputs[0];
  }
  const irTensor = (name: string): Tensor => {
    const t = g.tensors.get(name);
    if (!t) throw new QuantPlanError(`${inp.modelPath}: the fused graph has no tensor '${name}'`);
    return t;
  };
  const ctx: PlanContext = {
    inp,
    g,
    tensors,
    consts,
    ops,
    addConst(c) {
      if (consts.has(c.key)) throw new QuantPlanError(`internal: constant '${c.key}' planned twice`);
      // Identical arrays (the adjacency used by both graph steps, equal tables) are stored once.
      const sig = `${c.ctype}:${Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength).toString('base64')}`;
      const same = bySignature.get(sig);
      if (same) {
        same.comment += `; also ${c.key.split(':')[0]}`;
        return same.key;
      }
      bySignature.set(sig, c);
      consts.set(c.key, c);
      return c.key;
    },
    tensor(name) {
      const t = tensors.get(name);
      if (!t) throw new QuantPlanError(`internal: tensor '${name}' used before it was planned`);
      return t;
    },
    constFloats(name, node) {
      const t = irTensor(name);
      if (!(t.const instanceof Float32Array)) ctx.fail(node, `operand '${name}' must be a float32 constant`);
      return t.const as Float32Array;
    },
    common(node, inputs, outputs) {
      return { name: node.name, irOp: node.op, sources: node.sources, inputs, outputs, macs: 0, scratchBytes: 0, notes: [] };
    },
    fail(node, msg): never {
      throw new QuantPlanError(`${inp.modelPath}: node "${node.name}" (${node.op}): ${msg}`);
    },
  };

  const inShape = irTensor(inputName).shape;
  tensors.set(inputName, {
    name: inputName, shape: inShape, elems: elems(inShape), bits: 16, scale: 2 ** -inp.inputFracBits, home: 'input',
  });

  // Output tensor scale: fixed by the kernel API (OUTPUT_FRAC_BITS), int16.
  const newTensor = (name: string, scale: number, home: QTensor['home'] = 'arena', layout?: string): QTensor => {
    const shape = irTensor(name).shape;
    const bits = bitsOf.get(name) ?? inp.actBits;
    const t: QTensor = { name, shape, elems: elems(shape), bits, scale, home };
    if (layout) t.layout = layout;
    if (name === outputRoot) {
      if (bits !== 16) throw new QuantPlanError(`internal: output '${name}' must be int16`);
      t.home = 'output';
      t.scale = 2 ** -inp.outputFracBits;
    }
    tensors.set(name, t);
    return t;
  };
  const calibratedScale = (name: string, node: Node): number => {
    if (name === outputRoot) return 2 ** -inp.outputFracBits;
    const r = inp.ranges.get(name);
    if (!r) ctx.fail(node, `no calibration range for its output '${name}'`);
    const bits = bitsOf.get(name) ?? inp.actBits;
    return ((r.maxAbs > 0 ? r.maxAbs : 1) * HEADROOM[bits]) / qmax(bits);
  };

  for (const node of g.nodes) {
    const out = node.outputs[0];
    switch (node.op) {
      case 'pe.MinMaxNormalize': {
        const x = node.inputs[0];
        if (x !== inputName) ctx.fail(node, 'the window normalization must read the model input directly');
        const shape = irTensor(x).shape;
        if (shape.length !== 4 || shape[0] !== 1) ctx.fail(node, `expects a [1,links,subcarriers,packets] window, got [${shape.join(',')}]`);
        const [, links, sc, packets] = shape;
        // Consumers must take the window token-major (the per-packet projection with inputPerm [0,3,1,2]),
        // because that is the layout the normalize kernel writes.
        for (const c of g.nodes.filter((n) => n.inputs.includes(out))) {
          const perm = c.op === 'pe.Linear' ? (c.attrs as LinearAttrs).inputPerm : null;
          if (!perm || perm.join(',') !== '0,3,1,2') ctx.fail(c, `reads the normalized window other than as per-packet tokens (inputPerm [0,3,1,2]); not supported`);
        }
        const bits = bitsOf.get(out) ?? inp.actBits;
        newTensor(out, 1 / qmax(bits), 'arena', `token-major [${packets}][${links * sc}]`);
        const op: QOp = { ...ctx.common(node, [x], [out]), kind: 'normalize', F: links * sc, P: packets };
        op.notes.push(`y = (x - min) / (max - min) as Q0.${bits - 1} (scale 1/${qmax(bits)}); epsilon ${(node.attrs as { epsilon: number }).epsilon} below one LSB of any non-constant window`);
        ops.push(op);
        break;
      }
      case 'pe.Linear': {
        newTensor(out, calibratedScale(out, node));
        ops.push(planLinear(ctx, node));
        break;
      }
      case 'Add': {
        newTensor(out, calibratedScale(out, node));
        ops.push(planAdd(ctx, node));
        break;
      }
      case 'pe.Reshape': {
        const src = ctx.tensor(node.inputs[0]);
        const root = src.home === 'alias' ? src.aliasOf! : src.name;
        const rootT = ctx.tensor(root);
        const shape = irTensor(out).shape;
        tensors.set(out, { name: out, shape, elems: elems(shape), bits: rootT.bits, scale: rootT.scale, home: 'alias', aliasOf: root });
        break;
      }
      case 'Relu': {
        const src = ctx.tensor(node.inputs[0]);
        const producer = ops[ops.length - 1];
        const onlyReader = g.nodes.filter((n) => n.inputs.includes(src.name)).length === 1;
        if (producer?.kind === 'linear' && producer.outputs[0] === src.name && onlyReader && src.home === 'arena' && out !== outputRoot) {
          // Fused: the Linear saturates at 0 (out_min = 0 is the kernel's ReLU) and the ReLU output is a view of it.
          producer.outMin = 0;
          producer.sources = [...producer.sources, ...node.sources];
          producer.notes.push(`ReLU "${node.name}" fused (out_min 0)`);
          const shape = irTensor(out).shape;
          tensors.set(out, { name: out, shape, elems: elems(shape), bits: src.bits, scale: src.scale, home: 'alias', aliasOf: src.name });
          break;
        }
        newTensor(out, src.scale);
        const op: QOp = { ...ctx.common(node, [src.name], [out]), kind: 'relu', n: src.elems };
        ops.push(op);
        break;
      }
      case 'pe.Gelu':
      case 'Tanh':
      case 'Sigmoid': {
        newTensor(out, calibratedScale(out, node));
        ops.push(planLut(ctx, node));
        break;
      }
      case 'pe.LayerNorm':
        newTensor(out, calibratedScale(out, node));
        ops.push(planLayerNorm(ctx, node, node.attrs as LayerNormAttrs));
        break;
      case 'pe.Attention':
        newTensor(out, calibratedScale(out, node));
        ops.push(planAttention(ctx, node, node.attrs as AttentionAttrs));
        break;
      case 'pe.AttentionPool':
        newTensor(out, calibratedScale(out, node));
        ops.push(planAttentionPool(ctx, node, node.attrs as AttentionPoolAttrs));
        break;
      case 'pe.MatMulConst':
        newTensor(out, calibratedScale(out, node));
        ops.push(planMatMulConst(ctx, node, node.attrs as MatMulConstAttrs));
        break;
      default:
        ctx.fail(node, 'has no integer kernel (supported: the pe.* fused ops, Add, Relu, Tanh, Sigmoid)');
    }
  }

  const outT = tensors.get(outputName);
  if (outputRoot === inputName) throw new QuantPlanError(`${inp.modelPath}: the model output is a view of its input`);
  if (!outT) throw new QuantPlanError(`${inp.modelPath}: no op computes the model output '${outputName}'`);
  return {
    inputName,
    outputName,
    inputLen: tensors.get(inputName)!.elems,
    outputLen: outT.elems,
    inputFracBits: inp.inputFracBits,
    outputFracBits: inp.outputFracBits,
    bits: inp.bits,
    actBits: inp.actBits,
    tensors,
    consts,
    ops,
  };
}

export function elems(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function findWeight(ctx: PlanContext, initializer: string): { entry: WeightMapEntry; tensor: QuantizedTensor } | null {
  const entry = ctx.inp.weightMap.find((e) => e.initializer === initializer && e.bits !== 32);
  if (!entry) return null;
  const t = ctx.inp.weights.tensors.get(entry.npzKey);
  if (!t || t.kind !== 'quantized') return null;
  return { entry, tensor: t };
}

function planLinear(ctx: PlanContext, node: Node): QOp {
  const a = node.attrs as LinearAttrs;
  const [xName, wName, bName] = node.inputs;
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  const { inFeatures: inF, outFeatures: outF, tokens: T } = a;
  if (a.inputPerm && ctx.g.nodes.find((n) => n.outputs.includes(xName))?.op !== 'pe.MinMaxNormalize') {
    ctx.fail(node, `input permutation [${a.inputPerm.join(',')}] is only supported on the normalized window`);
  }
  if (x.elems !== T * inF) ctx.fail(node, `input has ${x.elems} values, expected ${T} tokens x ${inF}`);
  const found = findWeight(ctx, a.weightInitializer);
  let wbits: 4 | 8;
  let codes: Int8Array;
  let wScale: Float32Array;
  let perRow: boolean;
  let origin: string;
  if (found) {
    const { tensor: qt, entry } = found;
    if (qt.shape.length !== 2 || qt.shape[0] !== outF || qt.shape[1] !== inF) {
      ctx.fail(node, `${ctx.inp.weights.path}: ${entry.npzKey} has shape [${qt.shape.join(',')}], the graph needs [${outF},${inF}] (weights do not fit the graph)`);
    }
    if (qt.bits !== ctx.inp.bits) ctx.fail(node, `${ctx.inp.weights.path}: ${entry.npzKey} is int${qt.bits} but --bits ${ctx.inp.bits} was asked for`);
    wbits = qt.bits;
    codes = qt.q;
    wScale = qt.scale;
    perRow = qt.scaleAxis === 'row';
    origin = `${entry.npzKey} (npz int${qt.bits}${perRow ? ', per-row scales' : `, scale ${qt.scale[0].toPrecision(6)}`})`;
  } else {
    // A weight the npz keeps float (the attention-pool score vector): int8 per tensor, symmetric.
    const w = ctx.constFloats(wName, node);
    let m = 0;
    for (const v of w) m = Math.max(m, Math.abs(v));
    const s = m > 0 ? m / 127 : 1;
    codes = quantizeValues(w, s, 8) as Int8Array;
    wbits = 8;
    wScale = Float32Array.of(s);
    perRow = false;
    origin = `${a.weightInitializer} (float in the npz; quantized here to int8, scale ${s.toPrecision(6)})`;
  }
  const weightKey = ctx.addConst({
    key: `${node.name}:weight`,
    ctype: wbits === 4 ? 'uint8_t' : 'int8_t',
    values: wbits === 4 ? packInt4Rows(codes, outF, inF) : Int8Array.from(codes),
    comment: `${node.name}: weight [${outF}][${inF}] from ${origin}${wbits === 4 ? ', int4 packed two per byte' : ''}`,
  });
  const rows = perRow ? outF : 1;
  const mult = new Int32Array(rows);
  const shift = new Int8Array(rows);
  for (let r = 0; r < rows; r++) {
    const q = quantizeMultiplier((x.scale * wScale[r]) / y.scale, `${node.name} requantization`);
    mult[r] = q.mult;
    shift[r] = q.shift;
  }
  let biasKey: string | null = null;
  let biasShift = 0;
  let biasNote: string | null = null;
  if (bName) {
    const b = ctx.constFloats(bName, node);
    const planned = planBias(b, (o) => x.scale * wScale[perRow ? o : 0]);
    if (!planned) ctx.fail(node, `bias ${bName} does not fit int16 x 2^${MAX_BIAS_SHIFT} at scale s_in*s_w`);
    biasShift = planned.shift;
    const worstLsb = planned.shift > 0 ? 2 ** (planned.shift - 1) * Math.max(...Array.from(wScale, (s) => (x.scale * s) / y.scale)) : 0;
    if (planned.shift > 0) biasNote = `bias int16 x 2^${planned.shift}: rounded to ${2 ** planned.shift} accumulator units, at most ${worstLsb.toPrecision(3)} output LSB`;
    biasKey = ctx.addConst({
      key: `${node.name}:bias`,
      ctype: 'int16_t',
      values: planned.values,
      comment: `${node.name}: bias int16, times 2^${planned.shift}, at scale s_in*s_w (${a.biasInitializer ?? bName})`,
    });
  }
  // The kernel accumulates in int32: prove that no input can overflow it (worst case per output row).
  const xMax = x.bits === 8 ? 128 : 32768;
  for (let o = 0; o < outF; o++) {
    let sum = 0;
    for (let i = 0; i < inF; i++) sum += Math.abs(codes[o * inF + i]);
    const worst = xMax * sum + (biasKey ? Math.abs((ctx.consts.get(biasKey)!.values as Int16Array)[o] * 2 ** biasShift) : 0);
    if (worst > INT32_MAX) ctx.fail(node, `row ${o} can reach ${worst} in the int32 accumulator (int${x.bits} input x ${inF} weights); use --act-bits 8 or fewer input features`);
  }
  const multKey = ctx.addConst({ key: `${node.name}:mult`, ctype: 'int32_t', values: mult, comment: `${node.name}: requantization multiplier(s), Q31` });
  const shiftKey = ctx.addConst({ key: `${node.name}:shift`, ctype: 'int8_t', values: shift, comment: `${node.name}: requantization shift(s)` });
  const op: QOp = {
    ...ctx.common(node, [xName], [y.name]),
    kind: 'linear', wbits, T, inF, outF, xStride: inF, yStride: outF,
    weight: weightKey, bias: biasKey, biasShift, mult: multKey, shift: shiftKey, perRow, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.macs = T * inF * outF;
  op.notes.push(`weights ${origin}; real multiplier s_in*s_w/s_out = ${((x.scale * wScale[0]) / y.scale).toPrecision(6)}${perRow ? ' (row 0)' : ''}`);
  if (a.inputPerm) op.notes.push(`input permutation [${a.inputPerm.join(',')}] realized by the normalization writing token-major`);
  if (biasNote) op.notes.push(biasNote);
  return op;
}

const MAX_BIAS_SHIFT = 16;

/**
 * Biases are stored as int16 with one power-of-two scale per op (they are ~5% of micro's constant data as
 * int32): the smallest shift s >= 0 at which every round(b / (scale(o) 2^s)) fits int16. s = 0 gives the
 * same integers as an int32 bias; s > 0 rounds each bias to a multiple of 2^s accumulator units (error at
 * most 2^(s-1) of them, i.e. 2^(s-1) s_in s_w / s_out output LSB, stated in the op's notes). Null when even
 * 2^MAX_BIAS_SHIFT is not enough.
 */
export function planBias(b: ArrayLike<number>, scale: (o: number) => number): { values: Int16Array; shift: number } | null {
  for (let shift = 0; shift <= MAX_BIAS_SHIFT; shift++) {
    const values = new Int16Array(b.length);
    let fits = true;
    for (let o = 0; o < b.length && fits; o++) {
      const v = roundHalfAway(b[o] / (scale(o) * 2 ** shift));
      fits = v >= -32768 && v <= 32767;
      values[o] = v;
    }
    if (fits) return { values, shift };
  }
  return null;
}

function planMatMulConst(ctx: PlanContext, node: Node, a: MatMulConstAttrs): QOp {
  const [aName, xName] = node.inputs;
  const A = ctx.constFloats(aName, node);
  const x = ctx.tensor(xName);
  const y = ctx.tensor(node.outputs[0]);
  let m = 0;
  for (const v of A) m = Math.max(m, Math.abs(v));
  // int16 A times int16 x summed over `inner` terms can leave int32 (an adjacency row sums to more than
  // its largest entry): coarsen A's scale until the worst row provably fits the int32 accumulator.
  const xMax = x.bits === 8 ? 128 : 32768;
  let sA = m > 0 ? m / 32767 : 1;
  let aq = quantizeValues(A, sA, 16) as Int16Array;
  const worstRow = (q: Int16Array): number => {
    let worst = 0;
    for (let r = 0; r < a.rows; r++) {
      let sum = 0;
      for (let i = 0; i < a.inner; i++) sum += Math.abs(q[r * a.inner + i]);
      worst = Math.max(worst, sum * xMax);
    }
    return worst;
  };
  while (worstRow(aq) > INT32_MAX) {
    sA *= 1.0625;
    aq = quantizeValues(A, sA, 16) as Int16Array;
  }
  const aKey = ctx.addConst({ key: `${node.name}:a`, ctype: 'int16_t', values: aq, comment: `${node.name}: constant matrix ${a.aInitializer} [${a.rows}][${a.inner}] int16, scale ${sA.toPrecision(6)}` });
  const q = quantizeMultiplier((sA * x.scale) / y.scale, `${node.name} requantization`);
  const op: QOp = {
    ...ctx.common(node, [xName], [y.name]),
    kind: 'matmul_const', n: a.rows, m: a.inner, k: a.cols, a: aKey, mult: q.mult, shift: q.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.macs = a.rows * a.inner * a.cols;
  op.notes.push(`A int16 scale ${sA.toPrecision(6)}; multiplier ${q.mult} >> ${31 + q.shift}`);
  return op;
}

export { saturate };
