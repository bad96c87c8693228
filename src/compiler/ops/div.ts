// ONNX Div (numpy broadcasting). Integer division truncates toward zero, as onnxruntime does.
import type { OpDef } from './types.ts';
import { binaryInfer } from './binary-infer.ts';
import { binary } from './support.ts';

export const Div: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => binaryInfer(node, inputs),
  evaluate: (node, [a, b]) => [binary(node, a!, b!, (x, y) => x / y, (x, y) => x / y)],
};
