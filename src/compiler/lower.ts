// lower(model): the compiler front end in one call. ONNX -> IR (static shapes, batch 1) -> constants and
// shape subgraphs folded -> views canonical -> fused into the pe.* ops of ir/fused-ops.md -> dead code
// removed. The order matters: folding first (fusions match constants), views before the fusions that look
// through them, Attention before Linear (otherwise the head-merging Transpose/Reshape in front of the output
// projection would be folded into that Linear's input permutation), fake quantization hoisted above views
// after Attention (whose pattern it would break) and before Linear (which then folds those views), Linear
// before AttentionPool (its scores are a Linear's output), BatchNormalization folding after Linear (it folds
// into a Linear or a Conv).
import type { onnx } from 'onnx-proto';
import { PoseEdgeError } from '../errors.ts';
import { GraphError } from './ir/errors.ts';
import type { Graph } from './ir/graph.ts';
import { checkGraph } from './ir/check.ts';
import { importOnnx } from './onnx/import.ts';
import { canonicalizeViews } from './passes/canonicalize-views.ts';
import { eliminateDead } from './passes/eliminate-dead.ts';
import { eliminateIdentity } from './passes/eliminate-identity.ts';
import { foldBatchNorm } from './passes/fold-batch-norm.ts';
import { foldConstants } from './passes/fold-constants.ts';
import { fuseAttention } from './passes/fuse-attention.ts';
import { fuseAttentionPool } from './passes/fuse-attention-pool.ts';
import { fuseGelu } from './passes/fuse-gelu.ts';
import { fuseLayerNorm } from './passes/fuse-layer-norm.ts';
import { fuseLinear } from './passes/fuse-linear.ts';
import { fuseMatMulConst } from './passes/fuse-matmul-const.ts';
import { fuseMinMaxNormalize } from './passes/fuse-min-max-normalize.ts';
import { hoistFakeQuant } from './passes/hoist-fake-quant.ts';

export const PASSES: readonly { name: string; run: (g: Graph) => Graph }[] = [
  { name: 'fold-constants', run: foldConstants },
  { name: 'eliminate-identity', run: eliminateIdentity },
  { name: 'canonicalize-views', run: canonicalizeViews },
  { name: 'eliminate-dead', run: eliminateDead },
  { name: 'fuse-min-max-normalize', run: fuseMinMaxNormalize },
  { name: 'fuse-layer-norm', run: fuseLayerNorm },
  { name: 'fuse-gelu', run: fuseGelu },
  { name: 'fuse-attention', run: fuseAttention },
  { name: 'hoist-fake-quant', run: hoistFakeQuant },
  { name: 'fuse-linear', run: fuseLinear },
  { name: 'fold-batch-norm', run: foldBatchNorm },
  { name: 'fuse-matmul-const', run: fuseMatMulConst },
  { name: 'fuse-attention-pool', run: fuseAttentionPool },
  { name: 'eliminate-dead', run: eliminateDead },
];

/** `source` names the model in error messages (usually its file path). */
export function lower(model: onnx.ModelProto, source = 'model'): Graph {
  // Not checked right after import: Reshape targets only become constants in fold-constants, the first pass.
  let g = importOnnx(model, source);
  for (const p of PASSES) {
    try {
      g = p.run(g);
      checkGraph(g);
    } catch (err) {
      // A pass failing is a compiler bug, not bad input; still report it as one line naming model and pass.
      if (err instanceof PoseEdgeError) throw new GraphError(`${source}: pass ${p.name}: ${err.message}`);
      throw new GraphError(`${source}: internal error in pass ${p.name}: ${(err as Error).message}`);
    }
  }
  return g;
}
