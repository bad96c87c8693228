// ONNX Transpose (default perm reverses the axes).
import type { OpDef } from './types.ts';
import { gather, requireInput, shapeError, transposeIndex } from './support.ts';

export interface TransposeAttrs {
  /** Empty means "reverse", resolved against the input rank at inference. */
  perm: number[];
}

function resolvePerm(perm: number[], rank: number): number[] {
  return perm.length > 0 ? perm : [...Array(rank).keys()].reverse();
}

export const Transpose: OpDef<TransposeAttrs> = {
  parse: (a) => ({ perm: a.ints('perm', []) }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'data');
    const perm = resolvePerm(node.attrs.perm, x.shape.length);
    const sorted = [...perm].sort((p, q) => p - q);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
      throw shapeError(node, `perm [${perm.join(',')}] is not a permutation of the ${x.shape.length} axes of the input`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  evaluate: (node, [x]) => {
    const t = transposeIndex(x!.shape, resolvePerm(node.attrs.perm, x!.shape.length));
    return [{ dtype: x!.dtype, shape: t.shape, data: gather(x!.data, t.index) }];
  },
};
