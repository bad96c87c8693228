/*
 * pk_layernorm.h -- LayerNorm over the last axis: pk_layernorm_X_Y, X, Y in {i8, i16}.
 *
 *   pk_layernorm_X_Y(x, T, d, x_stride, eps_q int64, gamma int16 [d], beta int16 [d], pre_shift in [16, 32],
 *                    mult, shift, out_min, out_max, y, y_stride)       d <= 160
 *
 * Per row of d values (d <= 160, eps_q < 2^56), with E = PK_LN_EPS_FRAC_I8 / _I16 by the input type:
 *   S = sum x;  c_i = d x_i - S  (= d (x_i - mean), exact);  V = sum c_i^2  (<= d^3 2^32 for int16 x, so that
 *   W below stays under 2^62 up to d = 160: LN_MAX_D in the TS mirror);
 *   W = V 2^E + eps_q  (eps_q = round(eps d^3 2^E / s_x^2): eps with E fraction bits), W = max(W, 2^E)
 *   (W < 2^E only when V = 0, where every c_i is 0 anyway); a = the least a >= 0 with W 4^a >= 2^60;
 *   s = isqrt(W 4^a); R = floor(2^60 / s);
 *   t_i = round_half_up(c_i R / 2^(30 - E/2 - a))      (= z_i / sqrt(d) in Q30, z the normalized value)
 *   acc_i = round_half_up(t_i gamma_i / 2^pre_shift) + beta_i;   y_i = sat(requant(acc_i, mult, shift)).
 * gamma is int16 (scale s_g), beta int16 in accumulator units s_acc = 2^(pre_shift-30) sqrt(d) s_g: the
 * compiler takes the smallest pre_shift in [16, 32] at which every beta fits int16 (int16 halves beta's
 * flash; the coarser accumulator unit stays far below the output's LSB, docs/quantization.md). Then
 * |acc| <= 2^30 2^15 / 2^16 + 2^15 < 2^31.
 * How (same integers; rv32, micro's 10 x 64 blocks: 42,800 -> 21,100 instructions, libgcc calls included):
 *   - one pass for S and Q = sum x^2 (x^2 <= 2^30: two squares add in uint32), V = d (d Q - S^2) exactly;
 *   - a by pk_ln_scale_q60, s by pk_isqrt_q60 (W 4^a is in [2^60, 2^62)), R by pk_recip_q60: no 64-bit
 *     division, no 64-bit shift loop;
 *   - with k = a + E/2: c^2 2^E 4^a <= V 2^E 4^a <= W 4^a < 2^62, so ck = c 2^k fits int32, computed as
 *     x (d 2^k) - S 2^k modulo 2^32; t = floor((ck R + 2^29) / 2^30) = floor((ck 4R + 2^31) / 2^32), and
 *     with rn = 4R - 2^32 in [-2^31, 0] (R in [2^29, 2^30]): ck 4R = ck rn + ck 2^32, so t = hi + ck +
 *     (lo >> 31) for ck rn = hi 2^32 + lo (one mul and one mulh, no 64-bit shifts);
 *   - acc: floor((t gamma + 2^(p-1)) / 2^p) = floor((t G + 2^31) / 2^32) with G = gamma 2^(32-p), which
 *     fits int32 for p >= 16: again hi + (lo >> 31) of one 32 x 32 product.
 *
 * Forms: the reference below (pk_layernorm.inc) is the node's; the x86-64 host takes pk_layernorm_x86.h,
 * which falls back to the reference (as pk_layernorm_X_Y_plain). Row helpers pk_ln_scale_q60, pk_isqrt_q60,
 * pk_recip_q60 are shared. TS mirrors: layerNorm, lnEpsQ, lnEpsFracBits.
 */
#ifndef PK_LAYERNORM_H
#define PK_LAYERNORM_H

#include "pk_base.h"

#define PK_LN_EPS_FRAC_I8 20
#define PK_LN_EPS_FRAC_I16 8

/* floor(sqrt(v)) for 2^60 <= v < 2^62 (the LayerNorm's scaled variance), exact, in 40-55 rv32
 * instructions (measured; the former digit-by-digit loop over 64-bit values took 736):
 *   u = floor(v / 2^30) in [2^30, 2^32); x = floor(sqrt(u)) in [2^15, 2^16) by integer Newton from
 *   u / 2^17 + 32769 >= sqrt(u) (the chord u / 2^17 + 2^15 lies above sqrt on [2^30, 2^32]), decreasing
 *   until it stops; then with b = x 2^15 and rem = v - b^2 in [0, 2^48): s = floor(b + rem / (2 b)) is
 *   floor(sqrt(v)) or one more, as sqrt(b^2 + rem) lies in [b + rem/(2b) - (rem/(2b))^2/(2b), b + rem/(2b)]
 *   with rem/(2b) <= 2^15 + 1, so (rem/(2b))^2/(2b) <= 1/2; the last loop steps down to the floor. */
static inline PK_IRAM uint32_t pk_isqrt_q60(uint64_t v)
{
    const uint32_t u = (uint32_t)(v >> 30);
    uint32_t x = (u >> 17) + 32769u, nx, s;
    for (;;) {
        nx = (x + u / x) >> 1;
        if (nx >= x) break;
        x = nx;
    }
    s = (x << 15) + (uint32_t)((v - ((uint64_t)(x * x) << 30)) >> 16) / x;
    while ((uint64_t)s * s > v) --s; /* at most once */
    return s;
}

/* floor(2^60 / s) for 2^30 <= s < 2^31, exact: = floor(2^61 / d) with d = 2 s >= 2^31 (normalized), by
 * two 32 / 16-bit digit steps with divu (Hacker's Delight divlu, the dividend's low word being 0); each
 * estimate q exceeds the true digit by at most 2 and the loops correct it. 30-45 rv32 instructions
 * (measured) instead of 69 in __udivdi3. */
static inline PK_IRAM uint32_t pk_recip_q60(uint32_t s)
{
    const uint32_t d = s << 1, dh = d >> 16, dl = d & 0xffffu;
    uint32_t q1, q0, rhat, r;
    q1 = ((uint32_t)1 << 29) / dh;
    rhat = ((uint32_t)1 << 29) - q1 * dh;
    while (q1 > 0xffffu || q1 * dl > (rhat << 16)) {
        --q1;
        rhat += dh;
        if (rhat > 0xffffu) break;
    }
    r = 0u - q1 * d; /* 2^45 - q1 d (< d) modulo 2^32 */
    q0 = r / dh;
    rhat = r - q0 * dh;
    while (q0 > 0xffffu || q0 * dl > (rhat << 16)) {
        --q0;
        rhat += dh;
        if (rhat > 0xffffu) break;
    }
    return (q1 << 16) | q0;
}

/* The least a >= 0 with w 4^a >= 2^60, for 1 <= w < 2^62, on 32-bit words: with w = hi 2^32 + lo,
 * hi > 0: w 4^a >= 2^60 exactly when hi 4^a >= 2^28 (a <= 14: 2^60 is a multiple of 4^a 2^32, so lo cannot
 * make up a shortfall); hi = 0: a >= 15 (lo 4^14 < 2^60) and w 4^a >= 2^60 when lo 4^(a-15) >= 2^30.
 * (The 64-bit shift-and-compare loop it replaces took ~11 rv32 instructions per step.) */
static inline PK_IRAM int32_t pk_ln_scale_q60(uint64_t w)
{
    const uint32_t hi = (uint32_t)(w >> 32);
    uint32_t m = hi != 0 ? hi : (uint32_t)w, lim = hi != 0 ? (uint32_t)1 << 28 : (uint32_t)1 << 30;
    int32_t a = hi != 0 ? 0 : 15;
    while (m < lim) {
        m <<= 2;
        ++a;
    }
    return a;
}

/* One element of the LayerNorm: y = sat(requant(acc)) from ck = c_i 2^k (see above). */
#define PK_LN_ELEMENT(TY, XV, G, B, YP)                                                                  \
    do {                                                                                                 \
        const int32_t ck_ = (int32_t)((uint32_t)(XV) * dk - sk);                                         \
        const int32_t tq_ = (int32_t)(((int64_t)ck_ * rn) >> 32) + ck_ +                                 \
                            (int32_t)(((uint32_t)ck_ * (uint32_t)rn) >> 31);                             \
        const int32_t g_ = (int32_t)((uint32_t)(G) << (32 - pre_shift));                                 \
        const int32_t acc_ = (int32_t)(((int64_t)tq_ * g_) >> 32) +                                      \
                             (int32_t)(((uint32_t)tq_ * (uint32_t)g_) >> 31) + (B);                      \
        *(YP) = (TY)pk_rq_sat(acc_, mult, shift, out_min, out_max);                                      \
    } while (0)

#if PK_TARGET_X86
#include "pk_layernorm_x86.h"
#else

#define PK_FN pk_layernorm_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_E PK_LN_EPS_FRAC_I8
#include "pk_layernorm.inc"

#define PK_FN pk_layernorm_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_E PK_LN_EPS_FRAC_I8
#include "pk_layernorm.inc"

#define PK_FN pk_layernorm_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_E PK_LN_EPS_FRAC_I16
#include "pk_layernorm.inc"

#define PK_FN pk_layernorm_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_E PK_LN_EPS_FRAC_I16
#include "pk_layernorm.inc"
#endif

#endif /* PK_LAYERNORM_H */
