/*
 * pk_attention_x86.h -- attention on the x86-64 host (PK_TARGET_X86; included by pk_attention.h).
 *
 * The host kernel pk_attention_host_X_Y (out of line and vectorized by gcc, PK_HOST_PASS), the same integers:
 *  - logits as int32 dot products, which gcc turns into pmaddwd: int8 q, k directly (|q k| <= 2^14); int16 k
 *    split once per head into kh = k >> 8 in [-128, 127] and kl = k & 255, so that q.k = 256 q.kh + q.kl
 *    with |q.kh| <= hd 2^22 and |q.kl| <= hd 32768 255, both exact int32 sums for hd <= 256 (in any order,
 *    pairs included), combined in int64;
 *  - the softmax of all T query rows at once (T T <= PK_ATT_HOST_TT; one row at a time beyond), in
 *    pk_host_softmax_rows for n = 31 + sm_shift >= 32, else pk_softmax_row_i32_inplace_mx per row;
 *  - p_j in int16 (p_j <= 32767), the weighted sums 16 columns at a time in registers (widening 16-bit
 *    multiplies; the kernel's bound on sum_j p_j |v_jc| holds for every partial sum);
 *  - requantization (n = 31 + shift >= 33) with the signed high product from the unsigned one:
 *    floor(acc mult / 2^32) = floor(acc_u mult / 2^32) - [acc < 0] mult for acc_u = acc mod 2^32 and
 *    0 <= mult < 2^31 (vpmuludq), then pk_rq_sat's rounding and saturation; n < 33 through pk_rq_sat.
 * micro (T = 10, H = 2, hd = 32, int16): 5.0 -> 1.7 us per call (C timing harness, AVX2 clone). No scratch
 * argument: everything lives on the stack (about 20 KB). Shapes beyond it (hd > 256, T hd > PK_ATT_HOST_KD)
 * take the reference (pk_attention_X_Y_plain).
 */
#ifndef PK_ATTENTION_X86_H
#define PK_ATTENTION_X86_H

/* Logits of one query row for int16 q, k as int64 sums (native on this host; pk_attention_rv32.h has the
 * node's exact int32 pieces, the same integers): the reference's logits for the shapes the host kernel
 * below does not take. */
static inline int32_t pk_attention_logits_i16(const int16_t *qr, const int16_t *k, int32_t ld, int32_t T,
                                              int32_t hd, int32_t logit_shift, int32_t *scratch)
{
    const int64_t half = logit_shift > 0 ? (int64_t)1 << (logit_shift - 1) : 0;
    int32_t j, c, mx = INT32_MIN;
    for (j = 0; j < T; ++j) {
        const int16_t *k0 = k + j * ld;
        int64_t acc = 0;
        for (c = 0; c < hd; ++c) acc += (int64_t)qr[c] * k0[c];
        scratch[j] = (int32_t)((acc + half) >> logit_shift);
        mx = scratch[j] > mx ? scratch[j] : mx;
    }
    return mx;
}

/* The host's softmax of G rows of T logits at once (x [G][T], row maxima mx [G], G T <= PK_ATT_HOST_TT), for
 * n = 31 + shift >= 32 (every real scale): pk_softmax_row_i32_inplace_mx's integers in flat passes over the
 * G T values, branch-free so that gcc vectorizes them (AVX2: table gathers, per-lane shifts), p in int16:
 *  - with d2 = 2 min(diff, 2^31 - 1) < 2^32, floor((diff mult + 2^(n-1)) / 2^n)
 *    = floor((floor(d2 mult / 2^32) + 2^(n-32)) / 2^(n-31))     (nested floors; one 32x32 high product);
 *  - ((t >> (ip + 5)) + 1) >> 1 = (t + 2^(ip+5)) >> (ip + 6)   (t < 2^30, ip <= 24: no wrap);
 *  - exponents past the table's range (v >= 25 2^16) give 0 as there: their lane computes on v = 0 and is
 *    masked (masks, not ?: selects: gcc 12 turned a select into a branch, knowing the table's entries,
 *    and then left the loop scalar);
 *  - each row's reciprocal is spread over its T entries for the last flat pass. */
#define PK_ATT_HOST_TT 1024 /* logits per softmax block: 3 x 4 KB + 2 KB of stack */
static inline PK_HOST_PASS void pk_host_softmax_rows(const int32_t *x, const int32_t *mx, int32_t G, int32_t T,
                                                     uint32_t mult, uint32_t round, int32_t s, int16_t *p)
{
    uint32_t e[PK_ATT_HOST_TT], r[PK_ATT_HOST_TT];
    const int32_t n = G * T;
    int32_t i, g, j;
    for (g = 0; g < G; ++g)
        for (j = 0; j < T; ++j) e[g * T + j] = (uint32_t)mx[g] - (uint32_t)x[g * T + j];
    for (i = 0; i < n; ++i) {
        const uint32_t d2 = e[i] > 0x7fffffffu ? 0xfffffffeu : e[i] << 1;
        const uint32_t v = ((uint32_t)(((uint64_t)d2 * mult) >> 32) + round) >> s;
        const uint32_t in_range = (uint32_t)((int32_t)(v - (25u << 16)) >> 31); /* v < 2^31: all ones iff v < 25 2^16 */
        const uint32_t vc = v & in_range;
        const uint32_t i0 = (vc >> 8) & 0xffu, ip = vc >> 16;
        const uint32_t t0 = pk_exp2_neg_q30[i0], t1 = pk_exp2_neg_q30[i0 + 1];
        const uint32_t t = t0 - (((t0 - t1) * (vc & 0xffu) + 128u) >> 8);
        e[i] = ((t + (1u << (ip + 5))) >> (ip + 6)) & in_range;
    }
    for (g = 0; g < G; ++g) {
        uint32_t sum = 0, recip;
        for (j = 0; j < T; ++j) sum += e[g * T + j];
        recip = (uint32_t)(((uint64_t)1 << 55) / sum);
        for (j = 0; j < T; ++j) r[g * T + j] = recip;
    }
    for (i = 0; i < n; ++i) {
        const uint32_t q = (uint32_t)(((uint64_t)e[i] * r[i] + ((uint64_t)1 << 39)) >> 40);
        p[i] = (int16_t)(q - (q >> 15));
    }
}

#define PK_ATT_HOST_KD 2048 /* T hd of the split keys: 2 x 4 KB of stack */

/* The reference, for the shapes the host kernel does not take. */

#define PK_FN pk_attention_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_LOGITS pk_attention_logits_i8
#include "pk_attention.inc"

#define PK_FN pk_attention_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_LOGITS pk_attention_logits_i8
#include "pk_attention.inc"

#define PK_FN pk_attention_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_LOGITS pk_attention_logits_i16
#include "pk_attention.inc"

#define PK_FN pk_attention_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_LOGITS pk_attention_logits_i16
#include "pk_attention.inc"

#define PK_FN pk_attention_i8_i8
#define PK_FN_HOST pk_attention_host_i8_i8
#define PK_FN_PLAIN pk_attention_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_ATT_SPLIT 0
#include "pk_attention_x86.inc"

#define PK_FN pk_attention_i8_i16
#define PK_FN_HOST pk_attention_host_i8_i16
#define PK_FN_PLAIN pk_attention_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_ATT_SPLIT 0
#include "pk_attention_x86.inc"

#define PK_FN pk_attention_i16_i8
#define PK_FN_HOST pk_attention_host_i16_i8
#define PK_FN_PLAIN pk_attention_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_ATT_SPLIT 1
#include "pk_attention_x86.inc"

#define PK_FN pk_attention_i16_i16
#define PK_FN_HOST pk_attention_host_i16_i16
#define PK_FN_PLAIN pk_attention_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_ATT_SPLIT 1
#include "pk_attention_x86.inc"

#endif /* PK_ATTENTION_X86_H */
