// The compiler's intermediate representation: plain data, no methods, so every pass is a free function
// Graph -> Graph and any stage can be printed, compared in tests or serialized for a report.
// Shapes are static: import fixes the ONNX batch dimension to 1, so every number in a shape is known.

export type DType = 'float32' | 'int64' | 'int32' | 'bool';

/** Constant payloads. int64 stays BigInt64Array so shape arithmetic is exact; bool is stored as 0/1 bytes. */
export type ConstData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface Tensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** Present for initializers and folded constants; absent for activations computed at run time. */
  const?: ConstData;
}

/** Attributes are op-specific typed records (see ../ops/*.ts and ./fused-ops.ts); the IR itself is agnostic. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Attrs = Record<string, any>;

export interface Node<A extends Attrs = Attrs> {
  /** Unique within the graph. */
  name: string;
  /** ONNX op type ("MatMul") or a fused op in the `pe.` namespace ("pe.Linear"). */
  op: string;
  /** Tensor names; "" marks an omitted optional input, as in ONNX. */
  inputs: string[];
  outputs: string[];
  attrs: A;
  /** The ONNX node names this node came from, kept through every fusion so emitted C can name them. */
  sources: string[];
}

export interface Graph {
  /** Names of run-time inputs (initializers are never listed here). */
  inputs: string[];
  outputs: string[];
  /** Topologically ordered: every input of a node is a graph input, a constant or an output of an earlier node. */
  nodes: Node[];
  tensors: Map<string, Tensor>;
  /** Default-domain opset of the source model (13..17), kept for reports. */
  opset: number;
}
