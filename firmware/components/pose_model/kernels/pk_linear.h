/*
 * pk_linear.h -- linear (fully connected) layers: int4 or int8 weights, int8 or int16 activations in and out.
 *
 *   pk_linear_wW_X_Y(x, T, in, x_stride, w, bias int16, bias_shift, out, mult, shift, per_row, out_min,
 *                    out_max, y, y_stride)          W in {4, 8}; X, Y in {i8, i16}
 *
 * y[t][o] = sat(requant(bias[o] 2^bias_shift + sum_i x[t][i] w[o][i]), out_min, out_max) for t < T, o < out;
 * rows of x and y are x_stride and y_stride elements apart. int4 weights are two's-complement nibbles, rows
 * of (in + 1) / 2 bytes, element 2i of a row in the low nibble of the row's byte i (an odd `in` pads the
 * last byte's high nibble with 0); int8 weights are [out][in]. per_row != 0: mult[o], shift[o] per output
 * row, else index 0. bias may be 0 (no bias). TS mirrors: linearW4, linearW8.
 *
 *   pk_linear_w4r4_i8_Y(x int8, T, in, x_stride, w uint32 (w4r4), bias, bias_shift, out, mult, shift, per_row,
 *                       out_min, out_max, y, y_stride, group, scratch)
 *   pk_linear_w4r4_i16_Y(x int16, xq_mult, xq_shift, T, ... the same ...)      Y in {i8, i16}
 *
 * The int8-activation kernels of the encoder (pk_linear_w4r4_*): the same y, with int4 weights in the w4r4
 * layout: rows in groups of four (the last group padded with zero rows), inputs in pairs (an odd `in` padded
 * with a zero weight); group g, pair i is the word w[g * pairs + i] (pairs = (in + 1) / 2) holding the weights
 * w[4g + k][2i + h] as offset-binary nibbles (value + 8) at bit PK_W4R4_ROW_BIT(k) + 4h, k = 0..3, h = 0, 1
 * (TS: packInt4R4). The i16 form first requantizes each input to int8, x8 = sat(requant(x, xq_mult,
 * xq_shift), -128, 127) (the int8 copy of an int16 tensor, at its own calibrated scale), then computes the
 * same sum over x8. group: input pairs per 16-bit lane flush of the node's two-lane products, chosen by the
 * compiler from the layer's weights so that 128 sum |w| <= 32767 over every row's inputs of each group of
 * pairs (one group for a whole row in micro's encoder; 15 pairs for any int4 row); scratch:
 * PK_W4R4_SCRATCH(T, in, group) bytes the node's form packs the activations into. TS mirror: linearW4R4.
 *
 * Forms (all compute the same integers: every partial sum is the same integer in any order, because the
 * compiler proves sum |x| |w| + |bias| < 2^31):
 *   - the reference pk_linear_wW_X_Y_plain below (pk_linear_w4.inc, pk_linear_w8.inc): five tokens share one
 *     pass over a weight row, then one at a time; what the TS mirrors compute. Every target has it: the
 *     other forms fall back to it (an odd last row, shapes they do not take);
 *   - the node's register-blocked forms (pk_linear_rv32.h: rv32imc, xtensa, -DPK_NO_HOST_VEC);
 *   - the x86-64 host's vectorized forms (pk_linear_x86.h).
 */
#ifndef PK_LINEAR_H
#define PK_LINEAR_H

#include "pk_base.h"

#define PK_TOKEN_BLOCK 5 /* tokens sharing one pass over a weight row (T = 10 -> two passes) */

/* Two's-complement nibbles of one packed int4 byte (element 2i low, 2i+1 high). */
#define PK_LO4(u) ((int32_t)((uint32_t)(u) << 28) >> 28)
#define PK_HI4(u) ((int32_t)((uint32_t)(u) << 24) >> 28)

/* Biases are int16 with a per-op power-of-two scale: the accumulator starts at bias[o] * 2^bias_shift
 * (bias_shift >= 0; the compiler picks the smallest that fits every bias of the op in int16, 0 when they
 * fit as they are, and proves the product fits int32). A multiply, not a shift: shifting a negative
 * value left is undefined in C; compilers emit the shift anyway. */
#define PK_BIAS(o) (bias ? (int32_t)bias[o] * ((int32_t)1 << bias_shift) : 0)

/* bias and requantization parameters of output row o; the requantized store of one output (token tok,
 * row o) from its accumulator. PK_TY: the output type of the function being defined. */
#define PK_LINEAR_QPARAMS(o)                                                                             \
    const int32_t b = PK_BIAS(o);                                                                        \
    const int32_t qm = mult[per_row ? (o) : 0];                                                          \
    const int32_t qs = shift[per_row ? (o) : 0]
#define PK_LINEAR_STORE(tok, acc) y[(tok) * y_stride + o] = (PK_TY)pk_rq_sat((acc), qm, qs, out_min, out_max)

/* The reference: each weight row is read once per block of PK_TOKEN_BLOCK tokens whose accumulators stay
 * in registers; int4 weights are unpacked in the loop (never into RAM). */

#define PK_FN pk_linear_w4_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_linear_w4.inc"

#define PK_FN pk_linear_w4_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_linear_w4.inc"

#define PK_FN pk_linear_w4_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_linear_w4.inc"

#define PK_FN pk_linear_w4_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_linear_w4.inc"

#define PK_FN pk_linear_w8_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_linear_w8.inc"

#define PK_FN pk_linear_w8_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_linear_w8.inc"

#define PK_FN pk_linear_w8_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_linear_w8.inc"

#define PK_FN pk_linear_w8_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_linear_w8.inc"

/* w4r4: where row k of a group of four keeps its low nibble (rows 0, 1 in the 16-bit lanes at bits 0 and 16
 * of a word, rows 2, 3 at bits 8 and 24): 0, 16, 8, 24 */
#define PK_W4R4_ROW_BIT(k) ((((k) & 1) << 4) | (((k) & 2) << 2))
/* the int4 weight of row k (of its group), input 2i + h, from the group's word for pair i */
#define PK_W4R4_AT(word, k, h) ((int32_t)(((word) >> (PK_W4R4_ROW_BIT(k) + 4 * (h))) & 15u) - 8)
/* the scratch the node's forms need: the packed int8 inputs of one token (T < 5) or of one block of five
 * tokens, padded to 4 bytes, then an int32 input sum per token of it and group of pairs */
#define PK_W4R4_XBYTES(T, in) (((((T) < 5 ? 2 : 10) * (((in) + 1) >> 1)) + 3) & ~3)
#define PK_W4R4_SCRATCH(T, in, group)                                                                    \
    (PK_W4R4_XBYTES(T, in) + 4 * ((T) < 5 ? 1 : 5) * (((((in) + 1) >> 1) + (group) - 1) / (group)))

#define PK_FN pk_linear_w4r4_i8_i8_plain
#define PK_R4_WIDE 0
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_XQ 0
#include "pk_linear_w4r4.inc"

#define PK_FN pk_linear_w4r4_i8_i16_plain
#define PK_R4_WIDE 0
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_XQ 0
#include "pk_linear_w4r4.inc"

#define PK_FN pk_linear_w4r4_i16_i8_plain
#define PK_R4_WIDE 0
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_XQ 1
#include "pk_linear_w4r4.inc"

#define PK_FN pk_linear_w4r4_i16_i16_plain
#define PK_R4_WIDE 0
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_XQ 1
#include "pk_linear_w4r4.inc"

#define PK_FN pk_linear_w4r4_wide_i8_plain
#define PK_R4_WIDE 1
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_XQ 0
#include "pk_linear_w4r4.inc"

#define PK_FN pk_linear_w4r4_wide_i16_plain
#define PK_R4_WIDE 1
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_XQ 0
#include "pk_linear_w4r4.inc"

#if PK_TARGET_X86
#include "pk_linear_x86.h"
#else
#include "pk_linear_rv32.h"
#endif

#endif /* PK_LINEAR_H */
