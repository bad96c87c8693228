// What a kernel's planner may use while it turns one IR node into a QOp (src/compiler/kernels/*): the
// tensors planned so far, the constants, the npz weights, and the planning rules (scales, views, errors
// that name the node). plan.ts builds it; kernels only read it and add to it through its functions.
import type { Graph, Node } from '../ir/graph.ts';
import type { QWeights, QuantizedTensor } from './qweights.ts';
import type { WeightMapEntry } from './weight-map.ts';
import type { TensorRange } from './calibrate.ts';
import type { ActBits, ConstValues, QConst, QOp, QOpCommon, QTensor } from './qgraph.ts';
import type { OutRange } from '../kernels/common.ts';

export type Int8InputsChoice = 'trained' | 'all' | 'none';

export interface PlanInputs {
  graph: Graph;
  weights: QWeights;
  weightMap: WeightMapEntry[];
  ranges: Map<string, TensorRange>;
  bits: 4 | 8;
  actBits: ActBits;
  /** Which Linears may run on int8 copies of int16 inputs: those the weights were trained for
   * ('trained': __meta__.int8Inputs, the default), every candidate ('all', for measuring), or none. */
  int8Inputs?: Int8InputsChoice;
  /** Per-tensor activation types that override actBits (compile --tensor-bits; quant/precision.ts). */
  tensorBits?: ReadonlyMap<string, ActBits>;
  inputFracBits: number;
  outputFracBits: number;
  /** Names the files in error messages. */
  modelPath: string;
}

export interface PlanContext {
  inp: PlanInputs;
  g: Graph;
  /** A tensor planned earlier (an op's input); an internal error if it was not. */
  tensor(name: string): QTensor;
  /** The integer type chosen for an activation (quant/precision.ts). */
  bitsOf(name: string): ActBits;
  /** Creates an op's output tensor at `scale` (the model output's scale is fixed by the kernel API instead). */
  newTensor(name: string, scale: number, layout?: string): QTensor;
  /** Makes `name` share the storage, type and scale of `of` (a reshape, a fused ReLU's output). */
  view(name: string, of: string): QTensor;
  /** True for the tensor whose bytes are the model output (the graph output, or what its views read). */
  isModelOutput(name: string): boolean;
  /** Adds a constant array; identical arrays are stored once (returns the key that holds it). */
  addConst(c: QConst): string;
  /** The values of a constant added earlier. */
  constValues(key: string): ConstValues;
  /** A float32 constant operand of the node. */
  constFloats(name: string, node: Node): Float32Array;
  /** The npz's quantized weight placed at an ONNX initializer, if the npz quantizes it. */
  quantizedWeight(initializer: string): { entry: WeightMapEntry; tensor: QuantizedTensor } | null;
  /** The op planned just before this node (a ReLU fuses into its Linear). */
  lastOp(): QOp | undefined;
  /**
   * The op planned just before this node when it writes `tensor` (an arena tensor that only this node reads,
   * not the model output's storage) and its kernel clampsOutput: a ReLU or Clip can narrow its out_min/out_max.
   */
  clampableLastOp(node: Node, tensor: string): (QOp & OutRange) | undefined;
  /** The IR nodes that read a tensor. */
  consumers(tensor: string): Node[];
  common(node: Node, inputs: string[], outputs: string[]): QOpCommon;
  /** Throws a QuantPlanError naming the model file and the node. */
  fail(node: Node, msg: string): never;
}
