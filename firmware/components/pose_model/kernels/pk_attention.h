/*
 * pk_attention.h -- the multi-head self-attention core: pk_attention_X_Y, X, Y in {i8, i16}.
 *
 *   pk_attention_X_Y(q, k, v, ld, T, H, hd, logit_shift, sm_mult, sm_shift, mult, shift, out_min, out_max,
 *                    scratch int32 [T], y, y_stride)
 *
 * Multi-head self-attention core. q, k, v: rows of `ld` elements (q = qkv, k = qkv + d, v = qkv + 2 d,
 * ld = 3 d for a fused projection); head h uses columns [h hd, (h + 1) hd). Per head and query token:
 *   logit_j = round_half_up(sum_c q_c k_jc / 2^logit_shift)      (pk_attention_logits_X: exact sums)
 *   p = softmax(logit) with (sm_mult, sm_shift) = s_q s_k 2^logit_shift / sqrt(hd) * log2(e) * 2^16
 *   y_c = sat(requant(sum_j p_j v_jc, mult, shift)),  real multiplier s_v / (2^15 s_y).
 * sum_j p_j <= 2^15 + T / 2, so the weighted sum fits int32 even for int16 v. scratch: T int32.
 *
 * Forms: the reference below (pk_attention.inc) is the node's, with the logits of pk_attention_logits_i8
 * (here) and pk_attention_logits_i16 (pk_attention_rv32.h: exact int32 pieces); the x86-64 host takes
 * pk_attention_x86.h (every query row's softmax at once, vectorized), which falls back to the reference
 * (as pk_attention_X_Y_plain, with the int64 logits) for shapes beyond its stack buffers. The softmax
 * of a row is pk_softmax.h's. TS mirror: attention.
 */
#ifndef PK_ATTENTION_H
#define PK_ATTENTION_H

#include "pk_base.h"
#include "pk_softmax.h"

/* Logits of one query row qr against the T keys k + j ld (the head's hd columns):
 *   scratch[j] = floor((sum_c qr[c] k_jc + 2^(ls-1)) / 2^ls), as int32 (ls = logit_shift);
 * returns their maximum (the softmax needs it). int8 q, k: |products| <= 2^14, so the int32 sum is exact
 * (hd < 2^17). Two keys per pass share the query loads. */
static inline PK_IRAM int32_t pk_attention_logits_i8(const int8_t *qr, const int8_t *k, int32_t ld, int32_t T, int32_t hd,
                                             int32_t logit_shift, int32_t *scratch)
{
    const int32_t half = logit_shift > 0 ? (int32_t)1 << (logit_shift - 1) : 0;
    int32_t j, c, mx = INT32_MIN;
    for (j = 0; j + 2 <= T; j += 2) {
        const int8_t *k0 = k + j * ld, *k1 = k0 + ld;
        int32_t acc0 = 0, acc1 = 0;
        for (c = 0; c < hd; ++c) {
            const int32_t qc = qr[c];
            acc0 += qc * k0[c];
            acc1 += qc * k1[c];
        }
        acc0 = (acc0 + half) >> logit_shift;
        acc1 = (acc1 + half) >> logit_shift;
        scratch[j] = acc0;
        scratch[j + 1] = acc1;
        mx = acc0 > mx ? acc0 : mx;
        mx = acc1 > mx ? acc1 : mx;
    }
    if (T & 1) {
        const int8_t *k0 = k + (T - 1) * ld;
        int32_t acc0 = 0;
        for (c = 0; c < hd; ++c) acc0 += qr[c] * k0[c];
        acc0 = (acc0 + half) >> logit_shift;
        scratch[T - 1] = acc0;
        mx = acc0 > mx ? acc0 : mx;
    }
    return mx;
}

#if PK_TARGET_X86
#include "pk_attention_x86.h"
#else
#include "pk_attention_rv32.h"

#define PK_FN pk_attention_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_LOGITS pk_attention_logits_i8
#include "pk_attention.inc"

#define PK_FN pk_attention_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_LOGITS pk_attention_logits_i8
#include "pk_attention.inc"

#define PK_FN pk_attention_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_LOGITS pk_attention_logits_i16
#include "pk_attention.inc"

#define PK_FN pk_attention_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_LOGITS pk_attention_logits_i16
#include "pk_attention.inc"
#endif

#endif /* PK_ATTENTION_H */
