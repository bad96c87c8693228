// ONNX Identity (torch emits it to alias shared initializers); removed by eliminate-identity.
import type { OpDef } from './types.ts';
import { requireInput, same } from './support.ts';

export const Identity: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => same(requireInput(node, inputs, 0, 'input')),
  evaluate: (_node, [x]) => [{ dtype: x!.dtype, shape: [...x!.shape], data: x!.data.slice() }],
};
