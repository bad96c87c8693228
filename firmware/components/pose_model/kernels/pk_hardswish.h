/*
 * pk_hardswish.h -- HardSwish, x * clamp(x / 6 + 1/2, 0, 1), int8 or int16 in and out.
 *
 *   pk_hardswish_X_Y(x, n, gate_mult, gate_shift, mult, shift, out_min, out_max, y)
 *
 * g = clamp(pk_requant(x, gate_mult, gate_shift) + 2^14, 0, 2^15)   (the gate in Q15: gate_mult/shift are
 * s_x 2^15 / 6), y = pk_rq_sat(x g, mult, shift, out_min, out_max)  (mult/shift: s_x 2^-15 / s_y; |x g| <= 2^30).
 * One form for every target. TS mirror: hardswish (src/compiler/kernels/hardswish/index.ts).
 */
#ifndef PK_HARDSWISH_H
#define PK_HARDSWISH_H

#include "pk_base.h"

static inline void pk_hardswish_i8_i8(const int8_t *x, int32_t n, int32_t gate_mult, int32_t gate_shift, int32_t mult, int32_t shift,
                                       int32_t out_min, int32_t out_max, int8_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t g = pk_rq_sat(x[i], gate_mult, gate_shift, -16384, 16384) + 16384;
        y[i] = (int8_t)pk_rq_sat((int32_t)x[i] * g, mult, shift, out_min, out_max);
    }
}

static inline void pk_hardswish_i8_i16(const int8_t *x, int32_t n, int32_t gate_mult, int32_t gate_shift, int32_t mult, int32_t shift,
                                       int32_t out_min, int32_t out_max, int16_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t g = pk_rq_sat(x[i], gate_mult, gate_shift, -16384, 16384) + 16384;
        y[i] = (int16_t)pk_rq_sat((int32_t)x[i] * g, mult, shift, out_min, out_max);
    }
}

static inline void pk_hardswish_i16_i8(const int16_t *x, int32_t n, int32_t gate_mult, int32_t gate_shift, int32_t mult, int32_t shift,
                                       int32_t out_min, int32_t out_max, int8_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t g = pk_rq_sat(x[i], gate_mult, gate_shift, -16384, 16384) + 16384;
        y[i] = (int8_t)pk_rq_sat((int32_t)x[i] * g, mult, shift, out_min, out_max);
    }
}

static inline void pk_hardswish_i16_i16(const int16_t *x, int32_t n, int32_t gate_mult, int32_t gate_shift, int32_t mult, int32_t shift,
                                       int32_t out_min, int32_t out_max, int16_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t g = pk_rq_sat(x[i], gate_mult, gate_shift, -16384, 16384) + 16384;
        y[i] = (int16_t)pk_rq_sat((int32_t)x[i] * g, mult, shift, out_min, out_max);
    }
}

#endif /* PK_HARDSWISH_H */
