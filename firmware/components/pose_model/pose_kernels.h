/*
 * pose_kernels.h -- integer kernel library of the pose-edge generated component: one header per kernel in
 * kernels/, included here (pose-edge's templates/c/kernels/README.md says which file holds what).
 *
 * Plain C99 with <stdint.h> only: no float, no malloc, no stdio. The compiler copies this file and kernels/
 * verbatim into the generated component; the TypeScript files src/compiler/kernels/<op>/sim.ts mirror every
 * kernel bit for bit, and docs/fixed-point.md states the arithmetic exactly (read it before changing
 * anything).
 *
 * Conventions
 *   - Activations are symmetric (zero point 0): real = q * scale. Types: i8 = int8_t, i16 = int16_t.
 *   - Requantization: real multiplier r ~= mult / 2^(31 + shift), mult in [2^30, 2^31) (or 0), 31 + shift
 *     in [1, 62]; applied once on the 64-bit product: (acc * mult + 2^(n-1)) >> n with n = 31 + shift
 *     (round half up), then saturated to [out_min, out_max] (pass 0 as out_min for a fused ReLU).
 *   - Token-major tensors [T][d]; every row stride is in elements and explicit.
 *   - Accumulators are int32_t. The compiler guarantees they cannot overflow (sum |x|*|w| + |bias| < 2^31);
 *     the TypeScript mirror throws when a final accumulator leaves int32.
 *
 * Catalogue (X, Y in {i8, i16}; W in {4, 8}; all functions are static inline)     header in kernels/
 *   pk_requant(acc, mult, shift) -> int64                         rounded, unsaturated   pk_base.h
 *   pk_rq_sat(acc, mult, shift, lo, hi) -> int32                  the same, saturated    pk_base.h
 *   pk_minmax_normalize_Y(x int16 [F][P], F, P, y [P][F])         (x-min)/(max-min) * qmax, token-major
 *                                                                                        pk_normalize.h
 *   pk_linear_wW_X_Y(x, T, in, x_stride, w, bias int16, bias_shift, out, mult, shift, per_row, out_min, out_max,
 *                    y, y_stride)                   accumulator starts at bias[o] * 2^bias_shift   pk_linear.h
 *   pk_add_X_X_Y(a, b, n, mult_a, mult_b, shift, out_min, out_max, y)      y = a*ra + b*rb    pk_add.h
 *   pk_relu_X(x, n, y)                                                                     pk_relu.h
 *   pk_lut8_Y(x int8, n, table[256], y)                           y = table[x + 128]       pk_lut.h
 *   pk_lut16_interp_Y(x int16, n, table[257], y)                  257-point interpolation  pk_lut.h
 *   pk_layernorm_X_Y(x, T, d, x_stride, eps_q int64, gamma int16, beta int16, pre_shift, mult, shift,
 *                    out_min, out_max, y, y_stride)                                        pk_layernorm.h
 *   pk_softmax_row_i16 / pk_softmax_row_i32(x, n, mult, shift, p int16 Q0.15), n <= 128    pk_softmax.h
 *   pk_attention_X_Y(q, k, v, ld, T, H, hd, logit_shift, sm_mult, sm_shift, mult, shift, out_min, out_max,
 *                    scratch int32 [T], y, y_stride)                                       pk_attention.h
 *   pk_attention_pool_X_Y(x, T, d, x_stride, scores int16 [T], sm_mult, sm_shift, mult, shift,
 *                         out_min, out_max, scratch int32 [T], y)                          pk_attention_pool.h
 *   pk_matmul_const_left_X_Y(a int16 [n][m], x [m][k], n, m, k, mult, shift, out_min, out_max, y [n][k])
 *                                                                                        pk_matmul_const.h
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

#endif /* POSE_KERNELS_H */
