/*
 * pose_kernels.h -- integer kernel library of the pose-edge generated component: one header per kernel in
 * kernels/, each starting with its functions' C signatures and arithmetic (pose-edge's
 * templates/c/kernels/README.md says which file holds what). Generated: the compiler lists here the header
 * of every kernel it knows (src/compiler/kernels/index.ts) and copies kernels/ verbatim.
 *
 * Plain C99 with <stdint.h> only: no float, no malloc, no stdio. The TypeScript files
 * src/compiler/kernels/<op>/sim.ts mirror every kernel bit for bit, and docs/fixed-point.md states the
 * arithmetic exactly (read it before changing anything).
 *
 * Conventions
 *   - Activations are symmetric (zero point 0): real = q * scale. Types: i8 = int8_t, i16 = int16_t.
 *   - Requantization: real multiplier r ~= mult / 2^(31 + shift), mult in [2^30, 2^31) (or 0), 31 + shift
 *     in [1, 62]; applied once on the 64-bit product: (acc * mult + 2^(n-1)) >> n with n = 31 + shift
 *     (round half up), then saturated to [out_min, out_max] (pass 0 as out_min for a fused ReLU).
 *   - Token-major tensors [T][d]; every row stride is in elements and explicit.
 *   - Accumulators are int32_t. The compiler guarantees they cannot overflow (sum |x|*|w| + |bias| < 2^31);
 *     the TypeScript mirror throws when a final accumulator leaves int32.
 * Each header picks its target form (pk_<op>_x86.h on an x86-64 host, pk_<op>_rv32.h on the node, else
 * the reference in pk_<op>.h) from PK_TARGET_X86, which pk_base.h sets once.
 */
#ifndef POSE_KERNELS_H
#define POSE_KERNELS_H

#include "kernels/pk_base.h"
#include "kernels/pk_normalize.h"
#include "kernels/pk_linear.h"
#include "kernels/pk_add.h"
#include "kernels/pk_relu.h"
#include "kernels/pk_lut.h"
#include "kernels/pk_layernorm.h"
#include "kernels/pk_softmax.h"
#include "kernels/pk_attention.h"
#include "kernels/pk_attention_pool.h"
#include "kernels/pk_matmul_const.h"
#include "kernels/pk_clip.h"
#include "kernels/pk_conv.h"
#include "kernels/pk_maxpool.h"
#include "kernels/pk_avgpool.h"
#include "kernels/pk_transpose.h"
#include "kernels/pk_gru.h"
#include "kernels/pk_hardswish.h"
#include "kernels/pk_concat.h"
#include "kernels/pk_quantize.h"

#endif /* POSE_KERNELS_H */
