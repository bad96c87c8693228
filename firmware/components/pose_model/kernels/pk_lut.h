/*
 * pk_lut.h -- lookup-table activations (GELU, tanh, sigmoid, ... tabulated by the compiler).
 *
 *   pk_lut8_Y(x int8, n, table[256], y)            y = table[x + 128]
 *   pk_lut16_interp_Y(x int16, n, table int16 [257], y)   257-point linear interpolation
 *   pk_lut16_range_Y(x int16, n, table int16 [257], lo, shift, y)   the same over 256 << shift codes from lo
 *
 * lut8: the compiler tabulates code(f((i - 128) s_in) / s_out) for the 256 inputs: exact by construction.
 * lut16_interp: int16 input through a 257-point table sampled every 256 codes (table[i] = f at code
 * -32768 + 256 i, in output codes; the compiler keeps every entry inside the output type): u = x + 32768,
 * i = u >> 8, r = u & 255, y = table[i] + floor(((table[i+1] - table[i]) * r + 128) / 256).
 * Forms: the reference below; the x86-64 host compiled by gcc takes pk_lut_x86.h for lut16_interp (clang
 * on x86-64 does not gain from it and keeps the reference). TS mirrors: lut8, lut16Interp.
 * lut16_range (a bounded function: sigmoid, tanh, hard sigmoid, constant outside its active range): table[i] =
 * f at code lo + (i << shift), shift in [0, 8]: u = clamp(x - lo, 0, (256 << shift) - 1), i = u >> shift,
 * r = u & ((1 << shift) - 1), y = table[i] + (((table[i+1] - table[i]) * r + (shift ? 1 << (shift - 1) : 0)) >> shift).
 * One form for every target. TS mirror: lut16Range.
 */
#ifndef PK_LUT_H
#define PK_LUT_H

#include "pk_base.h"

static inline PK_IRAM void pk_lut8_i8(const int8_t *x, int32_t n, const int8_t *table, int8_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = table[x[i] + 128];
}

static inline PK_IRAM void pk_lut8_i16(const int8_t *x, int32_t n, const int16_t *table, int16_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = table[x[i] + 128];
}

#if PK_X86_GCC
#include "pk_lut_x86.h"
#else
/* Computed from the table's middle, tm = table + 128: u >> 8 = (x >> 8) + 128 and u & 255 = x & 255, so
 * tm[x >> 8] is table[i] without the + 32768; four values per iteration (rv32: 17 -> ~14 instructions). */
#define PK_LUT16_ONE(TY, XV, YP)                                                                         \
    do {                                                                                                 \
        const int32_t x_ = (XV);                                                                         \
        const int16_t *p_ = tm + (x_ >> 8);                                                              \
        const int32_t t0_ = p_[0];                                                                       \
        *(YP) = (TY)(t0_ + (((p_[1] - t0_) * (x_ & 255) + 128) >> 8));                                   \
    } while (0)

static inline PK_IRAM void pk_lut16_interp_i8(const int16_t *x, int32_t n, const int16_t *table, int8_t *y)
{
    const int16_t *tm = table + 128;
    int32_t i;
    for (i = 0; i < (n & ~3); i += 4) {
        PK_LUT16_ONE(int8_t, x[i], y + i);
        PK_LUT16_ONE(int8_t, x[i + 1], y + i + 1);
        PK_LUT16_ONE(int8_t, x[i + 2], y + i + 2);
        PK_LUT16_ONE(int8_t, x[i + 3], y + i + 3);
    }
    for (; i < n; ++i) PK_LUT16_ONE(int8_t, x[i], y + i);
}

static inline PK_IRAM void pk_lut16_interp_i16(const int16_t *x, int32_t n, const int16_t *table, int16_t *y)
{
    const int16_t *tm = table + 128;
    int32_t i;
    for (i = 0; i < (n & ~3); i += 4) {
        PK_LUT16_ONE(int16_t, x[i], y + i);
        PK_LUT16_ONE(int16_t, x[i + 1], y + i + 1);
        PK_LUT16_ONE(int16_t, x[i + 2], y + i + 2);
        PK_LUT16_ONE(int16_t, x[i + 3], y + i + 3);
    }
    for (; i < n; ++i) PK_LUT16_ONE(int16_t, x[i], y + i);
}
#endif

static inline void pk_lut16_range_i8(const int16_t *x, int32_t n, const int16_t *table, int32_t lo, int32_t shift, int8_t *y)
{
    const int32_t top = (256 << shift) - 1, mask = (1 << shift) - 1, half = shift ? 1 << (shift - 1) : 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t d = x[i] - lo, u = d < 0 ? 0 : d > top ? top : d, j = u >> shift, t0 = table[j];
        y[i] = (int8_t)(t0 + (((table[j + 1] - t0) * (u & mask) + half) >> shift));
    }
}

static inline void pk_lut16_range_i16(const int16_t *x, int32_t n, const int16_t *table, int32_t lo, int32_t shift, int16_t *y)
{
    const int32_t top = (256 << shift) - 1, mask = (1 << shift) - 1, half = shift ? 1 << (shift - 1) : 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t d = x[i] - lo, u = d < 0 ? 0 : d > top ? top : d, j = u >> shift, t0 = table[j];
        y[i] = (int16_t)(t0 + (((table[j + 1] - t0) * (u & mask) + half) >> shift));
    }
}

#endif /* PK_LUT_H */
