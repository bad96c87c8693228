/*
 * pk_normalize.h -- window min-max normalization: pk_minmax_normalize_i8 / _i16.
 *
 *   pk_minmax_normalize_Y(x int16 [F][P], F, P, y [P][F])     y = (x - min) / (max - min) * QMAX, token-major
 *
 * y[p][f] = round((x[f][p] - min) * QMAX / (max - min)) with one reciprocal per window:
 * recip = floor(QMAX * 2^32 / range); y = floor((d * recip + 2^31) / 2^32), d = x - min <= range, so
 * y <= QMAX. The product is split as d * (rh * 2^32 + rl) to stay in 32x32->64 multiplies. A constant
 * window (range 0) gives all zeros, as the float model's (x - min) / (0 + eps) does. Output scale 1/QMAX
 * (QMAX = 127 for int8 output, 32767 for int16). TS mirror: minmaxNormalize.
 *
 * Forms: the reference below (pk_normalize.inc) is the node's (rv32imc, xtensa, -DPK_NO_HOST_VEC); the
 * x86-64 host takes pk_normalize_x86.h. rv32imc cost of the reference (micro, 3420 values: 63,658 -> 34,329
 * instructions per window, measured):
 *   - min and max take the values in pairs: one compare orders the pair, then only the smaller can lower
 *     the min and only the larger raise the max (3 compares per 2 values instead of 4; two pairs per
 *     iteration measured 4,000 worse: gcc if-converts them into unconditional moves);
 *   - with d rl = hi 2^32 + lo (0 <= lo < 2^32), floor((d rl + 2^31) / 2^32) = hi + (lo >> 31): mulhu, mul,
 *     a shift and an add, no 64-bit carry chain; and when range > 2 QMAX (so rl < 2^31 and r2 = 2 rl fits
 *     32 bits), with M = floor(d r2 / 2^32) (mulhu): floor((M + 1) / 2) = floor((2 d rl + 2^32) / 2^33)
 *     = floor((d rl + 2^31) / 2^32) (nested floors), one multiply fewer (any rh, with rl < 2^31);
 *   - p outer, f inner, four f per iteration: contiguous stores, the loads x[f][p] .. x[f+3][p] at fixed
 *     offsets from one pointer;
 *   - rh = QMAX / range and rl = floor((QMAX mod range) 2^32 / range) by long division in 16-bit digits
 *     (range < 2^16 keeps each partial dividend r 2^16 below 2^32): divu/remu instead of a 64-bit division
 *     call, and rl apart from rh (from one 64-bit quotient, gcc folds rh == 0 back into the low product and
 *     multiplies by rh anyway).
 */
#ifndef PK_NORMALIZE_H
#define PK_NORMALIZE_H

#include "pk_base.h"

/* The element formulas y = floor((d (rh 2^32 + rl) + 2^31) / 2^32), d = x - min (see above). */
#define PK_NORM_LOW(d) ((uint32_t)(((uint64_t)(d) * rl) >> 32) + (((d) * rl) >> 31)) /* rl in scope */
#define PK_NORM_HALF(d) (((uint32_t)(((uint64_t)(d) * r2) >> 32) + 1) >> 1) /* r2 = 2 rl < 2^32 in scope */
#define PK_NORM_RH_LOW(d) ((d) * rh + PK_NORM_LOW(d))   /* range <= QMAX (rh >= 1): d rh <= QMAX */
#define PK_NORM_RH_HALF(d) ((d) * rh + PK_NORM_HALF(d))
/* One output row yr[f] = Q(x[f][p] - min), f < F, four f per iteration (xc, yr, lo, f, F, P in scope). */
#define PK_NORM_ROW(TY, Q)                                                                               \
    for (f = 0; f + 3 < F; f += 4, xc += 4 * P) {                                                        \
        const uint32_t d0 = (uint32_t)(xc[0] - lo), d1 = (uint32_t)(xc[P] - lo);                         \
        const uint32_t d2 = (uint32_t)(xc[2 * P] - lo), d3 = (uint32_t)(xc[3 * P] - lo);                 \
        yr[f] = (TY)Q(d0);                                                                               \
        yr[f + 1] = (TY)Q(d1);                                                                           \
        yr[f + 2] = (TY)Q(d2);                                                                           \
        yr[f + 3] = (TY)Q(d3);                                                                           \
    }                                                                                                    \
    for (; f < F; ++f, xc += P) {                                                                        \
        const uint32_t d = (uint32_t)(xc[0] - lo);                                                       \
        yr[f] = (TY)Q(d);                                                                                \
    }

#if PK_TARGET_X86
#include "pk_normalize_x86.h"
#else

#define PK_FN pk_minmax_normalize_i8
#define PK_TY int8_t
#define PK_QMAX 127
#include "pk_normalize.inc"

#define PK_FN pk_minmax_normalize_i16
#define PK_TY int16_t
#define PK_QMAX 32767
#include "pk_normalize.inc"
#endif

#endif /* PK_NORMALIZE_H */
