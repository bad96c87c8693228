/*
 * pk_clip.h -- pk_clip_i8 / _i16(x, n, mult, shift, out_min, out_max, y): Clip (ReLU6 and friends).
 * y[i] = pk_rq_sat(x[i], mult, shift, out_min, out_max): one requantization (the identity, exactly, when the
 * input and output scales are equal: mult 2^30, shift -1) saturated to the codes of the clip bounds, which
 * the compiler rounds as the requantization rounds. One form for every target. TS mirror: clip
 * (src/compiler/kernels/clip/index.ts). A Clip after a Linear is fused into it instead (out_min/out_max).
 */
#ifndef PK_CLIP_H
#define PK_CLIP_H

#include "pk_base.h"

static inline PK_IRAM void pk_clip_i8(const int8_t *x, int32_t n, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max, int8_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = (int8_t)pk_rq_sat(x[i], mult, shift, out_min, out_max);
}

static inline PK_IRAM void pk_clip_i16(const int16_t *x, int32_t n, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max, int16_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = (int16_t)pk_rq_sat(x[i], mult, shift, out_min, out_max);
}

#endif /* PK_CLIP_H */
