/*
 * pk_transpose.h -- a transpose as data movement, int8 or int16 in and out.
 *
 *   pk_transpose_X_Y(x, d0, d1, d2, d3, s0, s1, s2, s3, mult, shift, out_min, out_max, y)
 *
 * y[i0][i1][i2][i3] = pk_rq_sat(x[i0 s0 + i1 s1 + i2 s2 + i3 s3], mult, shift, out_min, out_max) for i_k < d_k:
 * the compiler drops the size-1 axes of the permutation, merges axes that stay adjacent and pads in front
 * with d = 1. At the input's scale the requantization is the identity (mult 2^30, shift -1). One form for every
 * target. TS mirror: transpose (src/compiler/kernels/transpose/index.ts).
 */
#ifndef PK_TRANSPOSE_H
#define PK_TRANSPOSE_H

#include "pk_base.h"

static inline void pk_transpose_i8_i8(const int8_t *x, int32_t d0, int32_t d1, int32_t d2, int32_t d3, int32_t s0, int32_t s1,
                                       int32_t s2, int32_t s3, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,
                                       int8_t *y)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < d0; ++i0)
        for (i1 = 0; i1 < d1; ++i1)
            for (i2 = 0; i2 < d2; ++i2) {
                const int8_t *xp = x + i0 * s0 + i1 * s1 + i2 * s2;
                for (i3 = 0; i3 < d3; ++i3) *y++ = (int8_t)pk_rq_sat(xp[i3 * s3], mult, shift, out_min, out_max);
            }
}

static inline void pk_transpose_i8_i16(const int8_t *x, int32_t d0, int32_t d1, int32_t d2, int32_t d3, int32_t s0, int32_t s1,
                                       int32_t s2, int32_t s3, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,
                                       int16_t *y)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < d0; ++i0)
        for (i1 = 0; i1 < d1; ++i1)
            for (i2 = 0; i2 < d2; ++i2) {
                const int8_t *xp = x + i0 * s0 + i1 * s1 + i2 * s2;
                for (i3 = 0; i3 < d3; ++i3) *y++ = (int16_t)pk_rq_sat(xp[i3 * s3], mult, shift, out_min, out_max);
            }
}

static inline void pk_transpose_i16_i8(const int16_t *x, int32_t d0, int32_t d1, int32_t d2, int32_t d3, int32_t s0, int32_t s1,
                                       int32_t s2, int32_t s3, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,
                                       int8_t *y)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < d0; ++i0)
        for (i1 = 0; i1 < d1; ++i1)
            for (i2 = 0; i2 < d2; ++i2) {
                const int16_t *xp = x + i0 * s0 + i1 * s1 + i2 * s2;
                for (i3 = 0; i3 < d3; ++i3) *y++ = (int8_t)pk_rq_sat(xp[i3 * s3], mult, shift, out_min, out_max);
            }
}

static inline void pk_transpose_i16_i16(const int16_t *x, int32_t d0, int32_t d1, int32_t d2, int32_t d3, int32_t s0, int32_t s1,
                                       int32_t s2, int32_t s3, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,
                                       int16_t *y)
{
    int32_t i0, i1, i2, i3;
    for (i0 = 0; i0 < d0; ++i0)
        for (i1 = 0; i1 < d1; ++i1)
            for (i2 = 0; i2 < d2; ++i2) {
                const int16_t *xp = x + i0 * s0 + i1 * s1 + i2 * s2;
                for (i3 = 0; i3 < d3; ++i3) *y++ = (int16_t)pk_rq_sat(xp[i3 * s3], mult, shift, out_min, out_max);
            }
}

#endif /* PK_TRANSPOSE_H */
