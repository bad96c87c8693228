/*
 * pk_attention_pool.h -- temporal attention pooling: pk_attention_pool_X_Y, X, Y in {i8, i16}.
 *
 *   pk_attention_pool_X_Y(x, T, d, x_stride, scores int16 [T], sm_mult, sm_shift, mult, shift, out_min,
 *                         out_max, scratch int32 [T], y [d])
 *
 * Temporal attention pooling: p = softmax over the T scores (sm_mult, sm_shift as in pk_softmax_row),
 * y_c = sat(requant(sum_t p_t x_tc, mult, shift)), real multiplier s_x / (2^15 s_y). scratch: T int32.
 * Columns in blocks of 8, 4, 2, then 1 sharing each load of p_t (micro, op 14, T = 10, d = 64, rv32imc:
 * 6,019 -> 3,581 instructions with the softmax).
 * One form for every target (pk_attention_pool.inc). TS mirror: attentionPool.
 */
#ifndef PK_ATTENTION_POOL_H
#define PK_ATTENTION_POOL_H

#include "pk_base.h"
#include "pk_softmax.h"

/* the requantized store of column c (PK_TY: the output type) */
#define PK_POOL_STORE(c, acc) y[c] = (PK_TY)pk_rq_sat((acc), mult, shift, out_min, out_max)
/* The pass over the T tokens for one block of columns at xc: MAC adds pt times row t of x. */
#define PK_POOL_COLS(MAC)                                                                                \
    for (t = 0; t < T; ++t, xc += x_stride) {                                                            \
        const int32_t pt = scratch[t];                                                                   \
        MAC;                                                                                             \
    }

#define PK_FN pk_attention_pool_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_attention_pool.inc"

#define PK_FN pk_attention_pool_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_attention_pool.inc"

#define PK_FN pk_attention_pool_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_attention_pool.inc"

#define PK_FN pk_attention_pool_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_attention_pool.inc"

#endif /* PK_ATTENTION_POOL_H */
