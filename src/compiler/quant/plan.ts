// The quantization plan: the fused IR + the npz weights + calibration ranges -> a QuantizedGraph (plain
// data: integer parameters of every op, constant arrays, tensor scales and precisions) that the simulator
// and the emitter both consume. This file walks the graph, owns the tensors, constants and scales, and asks
// each node's kernel (src/compiler/kernels) to plan it. Quantized weights come from the npz as stored
// (int4/int8 codes and their scales; never re-quantized from floats); every real rescaling factor becomes
// one (multiplier, shift) pair through fixed-point.ts. docs/quantization.md explains the choices.
import { PoseEdgeError } from '../../errors.ts';
import type { Graph, Node, Tensor } from '../ir/graph.ts';
import { kernelForIrOp, kernelOf, supportedIrOps } from '../kernels/index.ts';
import { OPS } from '../ops/index.ts';
import type { OutRange } from '../kernels/common.ts';
import { assignPrecision } from './precision.ts';
import type { PlanContext, PlanInputs } from './plan-context.ts';
import { HEADROOM, qmax, type QConst, type QOp, type QTensor, type QuantizedGraph } from './qgraph.ts';

export class QuantPlanError extends PoseEdgeError {}

export { HEADROOM };

export type { PlanInputs, PlanContext };

/** The activations whose ranges the plan needs from calibration: the outputs of every kernel that calibrates. */
export function calibrationTensors(g: Graph): string[] {
  const names: string[] = [];
  for (const node of g.nodes) {
    if (!kernelForIrOp(node.op)?.calibrated) continue;
    for (const o of node.outputs) if (!g.outputs.includes(o)) names.push(o);
  }
  return names;
}

export function planQuantization(inp: PlanInputs): QuantizedGraph {
  const g = inp.graph;
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new QuantPlanError(`${inp.modelPath}: the kernel has one input and one output; the graph has ${g.inputs.length} inputs and ${g.outputs.length} outputs`);
  }
  const bitsOf = assignPrecision(g, inp.actBits, inp.tensorBits, inp.modelPath);
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
    tensor(name) {
      const t = tensors.get(name);
      if (!t) throw new QuantPlanError(`internal: tensor '${name}' used before it was planned`);
      return t;
    },
    bitsOf: (name) => bitsOf.get(name) ?? inp.actBits,
    newTensor(name, scale, layout) {
      const shape = irTensor(name).shape;
      const bits = ctx.bitsOf(name);
      const t: QTensor = { name, shape, elems: elems(shape), bits, scale, home: 'arena' };
      if (layout) t.layout = layout;
      if (name === outputRoot) {
        // The output's scale is fixed by the kernel API (OUTPUT_FRAC_BITS), int16.
        if (bits !== 16) throw new QuantPlanError(`internal: output '${name}' must be int16`);
        t.home = 'output';
        t.scale = 2 ** -inp.outputFracBits;
      }
      tensors.set(name, t);
      return t;
    },
    view(name, of) {
      const src = ctx.tensor(of);
      const root = src.home === 'alias' ? ctx.tensor(src.aliasOf!) : src;
      const shape = irTensor(name).shape;
      const t: QTensor = { name, shape, elems: elems(shape), bits: root.bits, scale: root.scale, home: 'alias', aliasOf: root.name };
      tensors.set(name, t);
      return t;
    },
    isModelOutput: (name) => name === outputRoot,
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
    constValues(key) {
      const c = consts.get(key);
      if (!c) throw new QuantPlanError(`internal: constant '${key}' used before it was planned`);
      return c.values;
    },
    constFloats(name, node) {
      const t = irTensor(name);
      if (!(t.const instanceof Float32Array)) ctx.fail(node, `operand '${name}' must be a float32 constant`);
      return t.const as Float32Array;
    },
    quantizedWeight(initializer) {
      const entry = inp.weightMap.find((e) => e.initializer === initializer && e.bits !== 32);
      if (!entry) return null;
      const t = inp.weights.tensors.get(entry.npzKey);
      if (!t || t.kind !== 'quantized') return null;
      return { entry, tensor: t };
    },
    lastOp: () => ops[ops.length - 1],
    clampableLastOp(node, tensor) {
      const producer = ops[ops.length - 1];
      const t = tensors.get(tensor);
      if (!producer || !kernelOf(producer).clampsOutput || producer.outputs[0] !== tensor || t?.home !== 'arena') return undefined;
      if (ctx.consumers(tensor).length !== 1 || node.outputs.some((o) => ctx.isModelOutput(o))) return undefined;
      return producer as QOp & OutRange;
    },
    consumers: (name) => g.nodes.filter((n) => n.inputs.includes(name)),
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
  const calibratedScale = (name: string, node: Node): number => {
    if (name === outputRoot) return 2 ** -inp.outputFracBits;
    const r = inp.ranges.get(name);
    if (!r) ctx.fail(node, `no calibration range for its output '${name}'`);
    const bits = ctx.bitsOf(name);
    return ((r.maxAbs > 0 ? r.maxAbs : 1) * HEADROOM[bits]) / qmax(bits);
  };

  for (const node of g.nodes) {
    if (node.op === 'pe.Reshape') {
      ctx.view(node.outputs[0], node.inputs[0]);
      continue;
    }
    const kernel = kernelForIrOp(node.op);
    if (!kernel) {
      const folded = OPS.get(node.op)?.foldedOnly;
      ctx.fail(node, folded ? `is only supported ${folded}` : `has no integer kernel (supported: ${supportedIrOps().join(', ')})`);
    }
    if (kernel.calibrated) ctx.newTensor(node.outputs[0], calibratedScale(node.outputs[0], node));
    const op = kernel.plan(ctx, node) as QOp | null;
    if (op) ops.push(op);
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
