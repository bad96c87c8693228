// The contract every op file fulfils: typed attributes parsed from ONNX, static shape inference, and a
// float reference evaluation (used by constant folding and by the IR interpreter).
import type { ConstData, DType, Node, Attrs } from '../ir/graph.ts';
import type { AttrReader } from './attrs.ts';

/** A concrete tensor value. Float tensors are Float32Array (rounded to float32 after every op, as onnxruntime). */
export interface Value {
  dtype: DType;
  shape: number[];
  data: ConstData;
}

/** What shape inference knows about one input; `value` is set when the input is known at compile time. */
export interface InputInfo {
  dtype: DType;
  shape: number[];
  value?: Value;
}

export interface OutputInfo {
  dtype: DType;
  shape: number[];
}

export interface OpDef<A extends Attrs = Attrs> {
  /** ONNX attributes (and opset) -> typed attributes; absent for fused ops, which never come from ONNX. */
  parse?(attrs: AttrReader, opset: number, node: { name: string; op: string; outputCount: number }): A;
  /** Output dtypes and shapes. Missing optional inputs are undefined. Throws ShapeError naming the node. */
  infer(node: Node<A>, inputs: (InputInfo | undefined)[]): OutputInfo[];
  /** Float reference semantics. */
  evaluate(node: Node<A>, inputs: (Value | undefined)[]): Value[];
  /**
   * The inputs that are weight matrices when they are initializers (MatMul/Gemm B, Conv W, the GRU's W and R):
   * an npz that quantizes any weight must quantize these (quant/weight-map.ts).
   */
  weightInputs?: readonly number[];
  /** For an op that only exists folded into others: where it is supported (the planner's refusal says it). */
  foldedOnly?: string;
}
