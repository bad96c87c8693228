/*
 * pk_quantize.h -- pk_quantize_i16(x, n, mult, shift, out_min, out_max, y): an int16 activation made int8 at
 * the scale of an ONNX QuantizeLinear -> DequantizeLinear pair (the fake quantization of activation-aware
 * QAT). y[i] = pk_rq_sat(x[i], mult, shift, out_min, out_max), y int8. An int8 input at another scale takes
 * pk_clip_i8, the same arithmetic on int8 (pk_clip.h). The node's form and the x86-64 host's (below), the same
 * integers. TS mirror: quantize (src/compiler/kernels/quantize/index.ts).
 */
#ifndef PK_QUANTIZE_H
#define PK_QUANTIZE_H

#include "pk_base.h"

#if PK_TARGET_X86
/* The host: out of line, vectorized and cloned for AVX2 (PK_HOST_PASS), with pk_rq_sat's int32 path in 32-bit
 * products only, as pk_add's host form splits its multipliers: for |x| <= 2^15 and m = m1 2^16 + m0 >= 0,
 * floor(x m / 2^32) = floor((x m1 + floor(x m0 / 2^16)) / 2^16), every term within int32. Other shifts (n < 33
 * or past 62) take pk_rq_sat itself. */
static inline PK_HOST_PASS void pk_quantize_i16(const int16_t *x, int32_t n, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max, int8_t *y)
{
    const int32_t sh = 31 + shift;
    int32_t i;
    if (mult >= 0 && sh >= 33 && sh <= 62) {
        const int32_t m1 = mult >> 16, m0 = mult & 0xffff, rnd = (int32_t)1 << (sh - 33), s = sh - 32;
        for (i = 0; i < n; ++i) {
            const int32_t v = x[i], h = (v * m1 + ((v * m0) >> 16)) >> 16, q = (h + rnd) >> s;
            y[i] = (int8_t)(q < out_min ? out_min : (q > out_max ? out_max : q));
        }
        return;
    }
    for (i = 0; i < n; ++i) y[i] = (int8_t)pk_rq_sat(x[i], mult, shift, out_min, out_max);
}
#else
static inline PK_IRAM void pk_quantize_i16(const int16_t *x, int32_t n, int32_t mult, int32_t shift, int32_t out_min, int32_t out_max, int8_t *y)
{
    const int32_t n4 = n & ~3; /* precomputed (-Waggressive-loop-optimizations on constant n) */
    int32_t i;
    PK_OPAQUE(mult); /* a plain mulh: gcc expands a known multiplier of an int16 into four instructions */
    for (i = 0; i < n4; i += 4) { /* four per iteration: the loop's pointer steps and branch per four */
        y[i] = (int8_t)pk_rq_sat(x[i], mult, shift, out_min, out_max);
        y[i + 1] = (int8_t)pk_rq_sat(x[i + 1], mult, shift, out_min, out_max);
        y[i + 2] = (int8_t)pk_rq_sat(x[i + 2], mult, shift, out_min, out_max);
        y[i + 3] = (int8_t)pk_rq_sat(x[i + 3], mult, shift, out_min, out_max);
    }
    for (; i < n; ++i) y[i] = (int8_t)pk_rq_sat(x[i], mult, shift, out_min, out_max);
}

#endif /* PK_TARGET_X86 */

#endif /* PK_QUANTIZE_H */
