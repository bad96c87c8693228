// ONNX ModelProto -> IR Graph: initializers become constants, the batch dimension is fixed to 1, every
// node's attributes are parsed into typed fields and every tensor gets a static shape. Values that shape
// inference needs (Reshape targets built by Shape/Gather/Concat chains) are propagated here on the side;
// removing those chains is fold-constants' job, so import keeps the graph 1:1 with the ONNX nodes.
import type { onnx } from 'onnx-proto';
import { PoseEdgeError } from '../../errors.ts';
import { describeNode, GraphError, ShapeError, UnsupportedOpError } from '../ir/errors.ts';
import type { Graph, Node, Tensor } from '../ir/graph.ts';
import { elementCount } from '../ir/helpers.ts';
import { attrReader, toNumber } from '../ops/attrs.ts';
import { ONNX_OPS, OPS } from '../ops/index.ts';
import { decodeTensorProto, dtypeFromOnnx } from '../ops/tensor-proto.ts';
import type { InputInfo, Value } from '../ops/types.ts';
import { defaultOpset } from './load.ts';
import { findQdqPairs } from './qdq.ts';
import type { FakeQuantAttrs } from '../ir/fused-ops.ts';

export const MIN_OPSET = 13;
export const MAX_OPSET = 18;

/** Compile-time evaluation for shape inference stops at this many input elements: shape subgraphs are tiny. */
const PROPAGATE_LIMIT = 1 << 16;

/** `source` names the model (usually its path) in error messages. */
export function importOnnx(model: onnx.ModelProto, source = 'model'): Graph {
  const opset = defaultOpset(model);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new UnsupportedOpError(`${source}: ONNX opset ${opset} is not supported (the compiler accepts opsets ${MIN_OPSET} to ${MAX_OPSET})`);
  }
  const functions = model.functions ?? [];
  if (functions.length > 0) {
    const names = functions.map((f) => `${f.domain ? f.domain + '.' : ''}${f.name}`).join(', ');
    throw new UnsupportedOpError(`${source}: the model defines ONNX local functions (${names}), which are not supported; export with them inlined`);
  }
  const g = model.graph!;
  if ((g.sparseInitializer ?? []).length > 0) throw new UnsupportedOpError(`${source}: sparse initializers are not supported`);

  const tensors = new Map<string, Tensor>();
  const known = new Map<string, Value>();
  const qdq = findQdqPairs(g, source);
  for (const init of g.initializer ?? []) {
    const name = init.name ?? '';
    if (qdq.skipInitializers.has(name)) continue;
    const v = decodeTensorProto(init, `${source}: initializer "${name}"`);
    tensors.set(name, { name, dtype: v.dtype, shape: v.shape, const: v.data });
    known.set(name, v);
  }

  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (tensors.has(name)) continue; // older exporters also list initializers as graph inputs
    tensors.set(name, { name, ...inputType(vi, source) });
    inputs.push(name);
  }

  const nodes: Node[] = [];
  const usedNames = new Set<string>();
  (g.node ?? []).forEach((p, index) => {
    if (qdq.skip.has(index)) return;
    const pair = qdq.pairs.get(index);
    const op = pair ? 'pe.FakeQuant' : (p.opType ?? '');
    let name = p.name || `${op}_${index}`;
    for (let k = 1; usedNames.has(name); k++) name = `${p.name || `${op}_${index}`}_${k}`;
    usedNames.add(name);
    const ref = { name, op };
    if (p.domain && p.domain !== 'ai.onnx') {
      throw new UnsupportedOpError(`${source}: ${describeNode(ref)} is in domain "${p.domain}"; only the default ONNX domain is supported`);
    }
    const def = OPS.get(op);
    if (!pair && (!def || !def.parse)) {
      throw new UnsupportedOpError(
        `${source}: ${describeNode(ref)}: op ${op} is not supported by the compiler (supported: ${ONNX_OPS.join(', ')}; docs/ops.md)`,
      );
    }
    // A QuantizeLinear -> DequantizeLinear pair (onnx/qdq.ts) is one node, named after the QuantizeLinear.
    const outputs = pair ? [pair.y] : [...(p.output ?? [])];
    while (outputs.length > 0 && outputs[outputs.length - 1] === '') outputs.pop();
    const nodeInputs = pair ? [pair.x] : [...(p.input ?? [])];
    const infos: (InputInfo | undefined)[] = nodeInputs.map((i) => {
      if (i === '') return undefined;
      const t = tensors.get(i);
      if (!t) throw new GraphError(`${source}: ${describeNode(ref)} reads "${i}", which no earlier node, input or initializer defines`);
      return { dtype: t.dtype, shape: t.shape, value: known.get(i) };
    });
    const node: Node = withContext(source, () => ({
      name,
      op,
      inputs: nodeInputs,
      outputs,
      attrs: pair
        ? ({ scale: pair.scale, qmin: pair.qmin, qmax: pair.qmax } satisfies FakeQuantAttrs)
        : def!.parse!(attrReader(p.attribute ?? [], ref), opset, { ...ref, outputCount: outputs.length }),
      sources: pair ? [name, g.node![pair.dq].name || `DequantizeLinear_${pair.dq}`] : [name],
    }));
    const outInfo = withContext(source, () => def!.infer(node, infos));
    outputs.forEach((o, k) => {
      if (o === '') return;
      if (tensors.has(o)) throw new GraphError(`${source}: ${describeNode(ref)} writes "${o}", which is already defined`);
      if (!outInfo[k]) throw new ShapeError(`${source}: ${describeNode(ref)}: output ${k} ("${o}") is not produced by this op`);
      tensors.set(o, { name: o, dtype: outInfo[k].dtype, shape: outInfo[k].shape });
    });
    propagate(node, infos, known, source);
    nodes.push(node);
  });

  const outputs: string[] = [];
  for (const vi of g.output ?? []) {
    const name = vi.name ?? '';
    const t = tensors.get(name);
    if (!t) throw new GraphError(`${source}: graph output "${name}" is never written`);
    checkDeclaredShape(vi, t, source);
    outputs.push(name);
  }
  return { inputs, outputs, nodes, tensors, opset };
}

function inputType(vi: onnx.IValueInfoProto, source: string): Pick<Tensor, 'dtype' | 'shape'> {
  const name = vi.name ?? '';
  const tt = vi.type?.tensorType;
  if (!tt) throw new UnsupportedOpError(`${source}: graph input "${name}" is not a tensor`);
  const dtype = dtypeFromOnnx(tt.elemType ?? 0);
  if (!dtype) throw new UnsupportedOpError(`${source}: graph input "${name}" has ONNX element type ${tt.elemType}, not one of float, int32, int64, bool`);
  const dims = tt.shape?.dim;
  if (!dims) throw new ShapeError(`${source}: graph input "${name}" has no shape; a static shape (except the batch dimension) is required`);
  const shape = dims.map((d, i) => {
    // The batch dimension is fixed to 1: the kernel runs one window per call.
    if (i === 0) return 1;
    if (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0) return toNumber(d.dimValue);
    throw new ShapeError(`${source}: graph input "${name}" dimension ${i} is dynamic (${d.dimParam ? `"${d.dimParam}"` : 'unknown'}); only the batch dimension (0) may be dynamic`);
  });
  return { dtype, shape };
}

function checkDeclaredShape(vi: onnx.IValueInfoProto, t: Tensor, source: string): void {
  const dims = vi.type?.tensorType?.shape?.dim;
  if (!dims) return;
  const bad =
    dims.length !== t.shape.length ||
    dims.some((d, i) => i > 0 && d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 && toNumber(d.dimValue) !== t.shape[i]);
  if (bad) {
    const declared = dims.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue))).join(',');
    throw new ShapeError(`${source}: graph output "${t.name}" is declared [${declared}] but shape inference gives [${t.shape.join(',')}]`);
  }
}

/** Computes a node's outputs when every input is known (or it is a Shape), for later shape inference only. */
function propagate(node: Node, infos: (InputInfo | undefined)[], known: Map<string, Value>, source: string): void {
  const def = OPS.get(node.op)!;
  let values: (Value | undefined)[];
  if (node.op === 'Shape') {
    const x = infos[0]!;
    values = [{ dtype: x.dtype, shape: x.shape, data: new Float32Array(0) }];
  } else {
    if (infos.some((i) => i !== undefined && i.value === undefined)) return;
    if (infos.reduce((s, i) => s + (i ? elementCount(i.shape) : 0), 0) > PROPAGATE_LIMIT) return;
    values = infos.map((i) => i?.value);
  }
  const outs = withContext(source, () => def.evaluate(node, values));
  node.outputs.forEach((o, k) => {
    if (o !== '' && outs[k]) known.set(o, outs[k]);
  });
}

/** Prefixes the model name to our errors and turns anything unexpected into an error naming the model. */
function withContext<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof PoseEdgeError) {
      const Ctor = err.constructor as new (m: string) => PoseEdgeError;
      throw err.message.startsWith(`${source}: `) ? err : new Ctor(`${source}: ${err.message}`);
    }
    throw new GraphError(`${source}: internal error while importing: ${(err as Error).message}`);
  }
}
