/*
 * pk_normalize_x86.h -- min-max normalization on the x86-64 host (PK_TARGET_X86; included by
 * pk_normalize.h). The same integers as the reference (pk_normalize.inc), with two host passes out of line
 * and vectorized (PK_HOST_PASS):
 *   - min and max in int16 lanes (pminsw, pmaxsw), branch-free: the node's paired, branching scan
 *     mispredicts on real data (+2.5 us per window);
 *   - gcc only, for range > QMAX (rh = 0, so rl < 2^32; every real int8 window): the element pass in 16-bit
 *     multiplies (pmullw, pmulhuw), 8 or 16 outputs per step along f (stores contiguous, loads gathered).
 *     With rl = a 2^16 + b (a, b < 2^16) and d a = ah 2^16 + al (ah, al < 2^16):
 *       floor((d rl + 2^31) / 2^32) = floor((d a + 2^15 + floor(d b / 2^16)) / 2^16)    (nested floors)
 *                                   = ah + floor((al + bh + 2^15) / 2^16),   bh = floor(d b / 2^16)
 *     and with c = (al + bh) mod 2^16 the last term is [c < al] (the carry) + (c >> 15). micro (342 x 10):
 *     4.2 -> 1.3 us per window (C timing harness). clang keeps the reference's element pass (its
 *     gathered-load vector form of this one measured 5.7 us against 3.3 us, micro).
 */
#ifndef PK_NORMALIZE_X86_H
#define PK_NORMALIZE_X86_H

static inline PK_HOST_PASS void pk_host_minmax_i16(const int16_t *x, int32_t n, int32_t *lo, int32_t *hi)
{
    int16_t l = x[0], h = x[0];
    int32_t i;
    for (i = 1; i < n; ++i) {
        l = x[i] < l ? x[i] : l;
        h = x[i] > h ? x[i] : h;
    }
    *lo = l;
    *hi = h;
}

#define PK_FN pk_minmax_normalize_i8
#define PK_FN_HOST pk_host_norm_i8
#define PK_TY int8_t
#define PK_QMAX 127
#include "pk_normalize_x86.inc"

#define PK_FN pk_minmax_normalize_i16
#define PK_FN_HOST pk_host_norm_i16
#define PK_TY int16_t
#define PK_QMAX 32767
#include "pk_normalize_x86.inc"

#endif /* PK_NORMALIZE_X86_H */
