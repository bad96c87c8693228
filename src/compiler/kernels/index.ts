// The integer kernels, one module each: KERNELS is the one list; every switch over op kinds or IR ops that
// used to be spread over the planner, the precision rules, the simulator and the emitter is a lookup here.
// Adding a kernel: its folder (index.ts with the plan, precision, C name and arguments; sim.ts with the
// mirror of its C), its header under templates/c/kernels, one line below (docs/adding-an-op.md).
import type { Kernel } from './kernel.ts';
import { normalizeKernel, type NormalizeOp } from './normalize/index.ts';
import { linearKernel, type LinearOp } from './linear/index.ts';
import { addKernel, type AddOp } from './add/index.ts';
import { reluKernel, type ReluOp } from './relu/index.ts';
import { lutKernel, type LutOp } from './lut/index.ts';
import { layerNormKernel, type LayerNormOp } from './layernorm/index.ts';
import { attentionKernel, type AttentionOp } from './attention/index.ts';
import { attentionPoolKernel, type AttentionPoolOp } from './attention-pool/index.ts';
import { matmulConstKernel, type MatMulConstOp } from './matmul-const/index.ts';
import { clipKernel, type ClipOp } from './clip/index.ts';
import { convKernel, type ConvOp } from './conv/index.ts';
import { maxPoolKernel, type MaxPoolOp } from './max-pool/index.ts';
import { avgPoolKernel, type AvgPoolOp } from './avg-pool/index.ts';
import { transposeKernel, type TransposeOp } from './transpose/index.ts';
import { gruKernel, type GruOp } from './gru/index.ts';
import { hardSwishKernel, type HardSwishOp } from './hardswish/index.ts';
import { concatKernel, type ConcatOp } from './concat/index.ts';
import { quantizeKernel, type QuantizeOp } from './quantize/index.ts';

export type { NormalizeOp, LinearOp, AddOp, ReluOp, LutOp, LayerNormOp, AttentionOp, AttentionPoolOp, MatMulConstOp, ClipOp, ConvOp, MaxPoolOp, AvgPoolOp, TransposeOp, GruOp, HardSwishOp, ConcatOp, QuantizeOp };

/** One integer op of the QuantizedGraph: what a kernel planned for an IR node. */
export type QOp = NormalizeOp | LinearOp | AddOp | LutOp | ReluOp | LayerNormOp | AttentionOp | AttentionPoolOp | MatMulConstOp | ClipOp | ConvOp | MaxPoolOp | AvgPoolOp | TransposeOp | GruOp | HardSwishOp | ConcatOp | QuantizeOp;

// Each kernel's op type is checked against its own kernel; the list holds them under the common interface.
const KERNELS: readonly Kernel[] = [
  normalizeKernel, linearKernel, addKernel, reluKernel, lutKernel, layerNormKernel, attentionKernel, attentionPoolKernel, matmulConstKernel,
  clipKernel, convKernel, maxPoolKernel, avgPoolKernel, transposeKernel, gruKernel, hardSwishKernel, concatKernel, quantizeKernel,
] as readonly Kernel[];

function indexBy(key: (k: Kernel) => readonly string[]): Map<string, Kernel> {
  const m = new Map<string, Kernel>();
  for (const k of KERNELS) {
    for (const name of key(k)) {
      if (m.has(name)) throw new Error(`kernels: '${name}' is claimed by two kernels`);
      m.set(name, k);
    }
  }
  return m;
}

const BY_KIND = indexBy((k) => k.kinds);
const BY_IR_OP = indexBy((k) => k.irOps);

/** The kernel of a planned op (every QOp kind has exactly one). */
export function kernelOf(op: QOp): Kernel<QOp> {
  const k = BY_KIND.get(op.kind);
  if (!k) throw new Error(`kernels: no kernel for op kind '${op.kind}'`);
  return k as unknown as Kernel<QOp>;
}

/** The kernel that plans an IR op, or undefined when there is none. */
export function kernelForIrOp(irOp: string): Kernel | undefined {
  return BY_IR_OP.get(irOp);
}

/** The kernel headers a component includes (templates/c/kernels), each once, in the order of KERNELS. */
export function kernelHeaders(): string[] {
  return [...new Set(KERNELS.flatMap((k) => k.headers))];
}

/** The IR ops that have an integer kernel, for "supported:" messages. */
export function supportedIrOps(): string[] {
  return [...BY_IR_OP.keys()].sort();
}
