// The QuantizedGraph: plain data describing exactly the integer computation of the generated kernel.
// Each op's own fields are declared by its kernel (src/compiler/kernels/<op>/index.ts); QOp is their union.
// plan.ts builds it from the fused IR, the npz weights and the calibration ranges; the simulator
// (src/compiler/sim/run.ts) executes it with the TS kernel mirror and the emitter renders it to C. Because
// both consume the same object, the simulator and the C cannot disagree about parameters, only about
// kernel arithmetic, which the kernel tests pin down separately.

import type { QOp } from '../kernels/index.ts';

export type { QOp };
export type ActBits = 8 | 16;
export type CType = 'int8_t' | 'uint8_t' | 'int16_t' | 'int32_t' | 'uint32_t';
export type ConstValues = Int8Array | Uint8Array | Int16Array | Int32Array | Uint32Array;

/** An activation tensor. real = q * scale, symmetric (zero point 0). */
export interface QTensor {
  name: string;
  /** The IR (source-graph) shape, batch 1. */
  shape: number[];
  elems: number;
  bits: ActBits;
  scale: number;
  /** Where its bytes live: the caller's input or output buffer, the arena, or another tensor's bytes (a view). */
  home: 'input' | 'output' | 'arena' | 'alias';
  /** For 'alias': the tensor whose storage this one shares (already resolved to a non-alias tensor). */
  aliasOf?: string;
  /** Row-major layout note when the storage order differs from the IR shape (the token-major window). */
  layout?: string;
}

/** A constant array in flash. */
export interface QConst {
  key: string;
  ctype: CType;
  values: ConstValues;
  /** What it is: source tensor, format, scale. Becomes the C comment above the array. */
  comment: string;
}

export interface QOpCommon {
  /** IR node name (unique). */
  name: string;
  /** IR op type ("pe.Linear", "Add", ...). */
  irOp: string;
  /** ONNX node names this op implements. */
  sources: string[];
  /** Activation tensor names read / written (constants are referenced by key in the op's fields). */
  inputs: string[];
  outputs: string[];
  /** Multiply-accumulates per inference. */
  macs: number;
  /** Per-op scratch buffer in bytes (int32 rows for softmax), 0 when none. */
  scratchBytes: number;
  /** Quantization parameters in words, for the comment above the emitted call and the report. */
  notes: string[];
}

export interface QuantizedGraph {
  inputName: string;
  outputName: string;
  inputLen: number;
  outputLen: number;
  inputFracBits: number;
  outputFracBits: number;
  bits: 4 | 8;
  actBits: ActBits;
  tensors: Map<string, QTensor>;
  consts: Map<string, QConst>;
  ops: QOp[];
}

/**
 * Range headroom over the calibration max |x|: windows outside the calibration set reach further (a test
 * window saturating a LayerNorm output cost 0.3 of its 3.8 range before this). int16 has bits to spare, so
 * it gets 2x; for int8, resolution mattered more than the rare clipped outlier (docs/quantization.md).
 */
export const HEADROOM: Record<ActBits, number> = { 8: 1, 16: 2 };

export function ctypeOfBits(bits: ActBits): CType {
  return bits === 8 ? 'int8_t' : 'int16_t';
}

export function qmax(bits: ActBits): number {
  return bits === 8 ? 127 : 32767;
}

export function qmin(bits: ActBits): number {
  return bits === 8 ? -128 : -32768;
}
