// The quantization plan the compiler exports for activation-aware QAT (docs/quantization.md, "int8 activations"):
// which activations the generated kernel can keep int8, and at which scale. Its entries are the inputs of the
// Linears that take int8 activations (kernels/linear: int4 weights, --act-bits 8, at least 32 inputs), named
// by the module whose weight the Linear uses (a state_dict prefix, as the training code names its layers) and
// by the ONNX tensor, with the scale the compiler derives from calibration (max |x| / 127 of the reference
// model on the calibration set) and the clamp [-128, 127]. The training side (reference/train.py --act-plan)
// fake-quantizes exactly those inputs, x -> clamp(round(x / scale), -128, 127) scale, and writes the modules
// it trained that way into the weights' __meta__.int8Inputs; compiling those weights then keeps those inputs
// int8 (PlanInputs.int8Inputs 'trained'). The scales after retraining come from a new calibration, as always.
import type { QuantizedGraph } from './qgraph.ts';

export interface QuantPlanEntry {
  /** The Linear's module: its weight's state_dict name without ".weight" (e.g. "layers.0.attn.qkv"). */
  module: string;
  /** The ONNX tensor the Linear reads (its storage tensor when the Linear reads a view). */
  tensor: string;
  /** The fused op's name in the compile report. */
  op: string;
  bits: 8;
  /** real = q * scale, q in [qmin, qmax]. */
  scale: number;
  qmin: -128;
  qmax: 127;
  /** 'int8': the tensor is int8 in every build (the normalized window); 'copy': an int8 copy of an int16 tensor,
   * made inside the Linear when the weights were trained for it. */
  kind: 'int8' | 'copy';
  /** Whether this compile runs the Linear on int8 (always for 'int8'; for 'copy', per --int8-inputs). */
  active: boolean;
}

export interface QuantPlan {
  format: 'pose-edge-qplan';
  version: 1;
  model: string;
  weights: string;
  modelSha256: string;
  rule: string;
  activations: QuantPlanEntry[];
}

export function quantPlan(g: QuantizedGraph, ids: { model: string; weights: string; modelSha256: string }): QuantPlan {
  const activations: QuantPlanEntry[] = [];
  for (const op of g.ops) {
    if (op.kind !== 'linear' || !op.int8Candidate) continue;
    const x = g.tensors.get(op.inputs[0])!;
    const storage = x.home === 'alias' ? x.aliasOf! : x.name;
    activations.push({
      module: op.int8Candidate.module, tensor: storage, op: op.name, bits: 8, scale: op.int8Candidate.scale, qmin: -128, qmax: 127,
      kind: x.bits === 8 ? 'int8' : 'copy', active: op.layout === 'r4',
    });
  }
  return {
    format: 'pose-edge-qplan', version: 1, ...ids,
    rule: 'the input of every Linear with int4 weights and at least 32 inputs (--act-bits 8) is int8',
    activations,
  };
}
