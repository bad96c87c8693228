// Attribute types of the fused ops (namespace `pe.`) that the passes produce and the back end consumes.
// The prose contract, with exact semantics and shapes, is ./fused-ops.md: change both in the same commit.

/** y = (x - min(x)) / (max(x) - min(x) + epsilon), min and max over every element of x (one window). */
export interface MinMaxNormalizeAttrs {
  epsilon: number;
}

/**
 * y[t, o] = sum_i X[t, i] * W[o, i] + b[o], with W stored [outFeatures, inFeatures] (PyTorch layout).
 * X = reshape(x, [tokens, inFeatures]) or, when inputPerm is set, reshape(transpose(x, inputPerm), [tokens, inFeatures]).
 */
export interface LinearAttrs {
  inFeatures: number;
  outFeatures: number;
  /** Rows the weight is applied to: product of the leading (non-feature) dims of the effective input. */
  tokens: number;
  /** ONNX initializer the weight came from (the name the npz weight map resolves to). */
  weightInitializer: string;
  /** True when that initializer was stored [in, out] (MatMul form) and the IR weight is its transpose. */
  weightTransposed: boolean;
  /** ONNX initializer of the bias, or null when the Linear has no bias. */
  biasInitializer: string | null;
  /** A Transpose folded into the input (e.g. [0,3,1,2] for the per-packet projection), or null. */
  inputPerm: number[] | null;
  /**
   * Set by fold-batch-norm: the IR weight is the npz's (weightInitializer) with row o multiplied by
   * rowFactor[o] (gamma / sqrt(var + eps)); the kernel multiplies the row scales instead of the codes.
   */
  rowFactor?: number[];
}

/** Normalization over the last axis: (x - mean) / sqrt(var + epsilon) * scale + bias; var is the biased variance. */
export interface LayerNormAttrs {
  epsilon: number;
  /** Length of the normalized (last) axis. */
  size: number;
  /** True when it came from the opset-13 decomposition (ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add). */
  decomposed: boolean;
}

/** y = 0.5 * x * (1 + erf(x / sqrt(2))): the exact (erf) GELU as torch exports it. */
export interface GeluAttrs {
  approximate: 'none';
}

/** Where head h, element j of the q, k or v operand sits: column offset + h * headStride + j of a [tokens, C] tensor. */
export interface AttentionOperand {
  offset: number;
  headStride: number;
}

/**
 * Multi-head scaled-dot-product self-attention core (no projections, no mask):
 * logits[h,t,s] = scale * sum_j q(t,h,j) k(s,h,j); p = softmax over s; out[t, h*headDim + j] = sum_s p[h,t,s] v(s,h,j).
 */
export interface AttentionAttrs {
  heads: number;
  headDim: number;
  tokens: number;
  /** Usually 1/sqrt(headDim); taken from the graph (Div or Mul by a constant), never assumed. */
  scale: number;
  q: AttentionOperand;
  k: AttentionOperand;
  v: AttentionOperand;
}

/** out[j] = sum_t softmax(scores)[t] * x[t, j]: temporal attention pooling over the tokens. */
export interface AttentionPoolAttrs {
  tokens: number;
  dim: number;
}

/** out[r, c] = sum_i A[r, i] * x[i, c] with A a constant [rows, inner] on the left (skeleton-graph adjacency). */
export interface MatMulConstAttrs {
  rows: number;
  inner: number;
  cols: number;
  /** ONNX initializer of A. */
  aInitializer: string;
}

/** A pure view: same elements in the same order, new shape. Replaces Reshape/Flatten/Squeeze/Unsqueeze. */
export interface ReshapeAttrs {
  shape: number[];
}

/**
 * y = clamp(round_half_even(x / scale), qmin, qmax) * scale: an ONNX QuantizeLinear -> DequantizeLinear pair
 * on an activation (int8, zero point 0), as a QAT exporter writes the fake quantization the weights were
 * trained with. Fused at import (onnx/qdq.ts): the IR has no int8 tensors.
 */
export interface FakeQuantAttrs {
  scale: number;
  qmin: number;
  qmax: number;
}

/** Every fused op and its attribute type: the one list the back end switches over. */
export interface FusedOpAttrs {
  'pe.MinMaxNormalize': MinMaxNormalizeAttrs;
  'pe.Linear': LinearAttrs;
  'pe.LayerNorm': LayerNormAttrs;
  'pe.Gelu': GeluAttrs;
  'pe.Attention': AttentionAttrs;
  'pe.AttentionPool': AttentionPoolAttrs;
  'pe.MatMulConst': MatMulConstAttrs;
  'pe.Reshape': ReshapeAttrs;
  'pe.FakeQuant': FakeQuantAttrs;
}

export type FusedOp = keyof FusedOpAttrs;
