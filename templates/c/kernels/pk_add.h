/*
 * pk_add.h -- residual add of two tensors of different scales: pk_add_A_B_Y, A, B, Y in {i8, i16}.
 *
 *   pk_add_A_B_Y(a, b, n, mult_a, mult_b, shift, out_min, out_max, y)      y = a*ra + b*rb, one rounding
 *
 * y = sat(floor((a * mult_a + b * mult_b + 2^(n-1)) / 2^n)), n = 31 + shift: both inputs are brought to
 * the output scale with the same shift and rounded once (|a|, |b| <= 2^15 and mult < 2^31: < 2^47).
 *
 * The int64 expression costs ~36 rv32imc instructions per element (sign-extended 64-bit products, carries,
 * a 64-bit shift and compare). When 0 <= mult_a, mult_b < 2^31 and 17 <= n <= 62 (every add the compiler
 * emits: n < 17 would need a scale ratio above 2^14), the same value comes from four 32-bit multiplies:
 * 16 instructions per element in the rv32imc loop at n <= 32, 17 above (micro's residual adds: 23,068 ->
 * 11,230 instructions for 640 elements, measured):
 *   Split m = m1 2^16 + m0 with m0 in (-2^15, 2^15] (m0 = m mod 2^16 taken in that range), so
 *   m1 = (m - m0) / 2^16 in [0, 2^15]. For int16 a: a m1 and a m0 lie in [-2^30, 2^30 - 2^15], so
 *   T1 = a m1_a + b m1_b and T0 = a m0_a + b m0_b lie in [-2^31, 2^31 - 2^16]: exact in int32.
 *   P = a mult_a + b mult_b = T1 2^16 + T0 = X 2^16 + R with X = T1 + (T0 >> 16) = floor(P / 2^16) and
 *   0 <= R < 2^16; |P| < 2^47 - 2^16 keeps X in (-2^31, 2^31 - 2^16).
 *   y = floor((X 2^16 + R + 2^(n-1)) / 2^n) = floor((X + 2^(n-17)) / 2^(n-16)) (integer numerator plus
 *   R / 2^16 < 1, integer divisor): (X + 2^(n-17)) >> (n - 16) for n <= 32 (the sum stays below 2^31),
 *   and for n > 32, with k = n - 32, = floor((floor(X / 2^k) + 2^15) / 2^16) = ((X >> k) + 2^15) >> 16.
 * Other parameters take the int64 loop. Two elements per iteration (loop overhead on rv32; four made the
 * kernel too big for gcc to inline, and the out-of-line copy with a run-time shift cost more).
 * One form for every target (pk_add.inc). TS mirror: addRequant.
 */
#ifndef PK_ADD_H
#define PK_ADD_H

#include "pk_base.h"

/* One element; a, b, y, the split multipliers a0 a1 b0 b1, k, rnd, r, out_min, out_max in scope; y's
 * element type PK_TY. */
#define PK_ADD_STEP(i)                                                                                   \
    {                                                                                                    \
        const int32_t xa = a[i], xb = b[i];                                                              \
        const int32_t t1 = xa * a1 + xb * b1, t0 = xa * a0 + xb * b0;                                    \
        int32_t v = (((t1 + (t0 >> 16)) >> k) + rnd) >> r;                                               \
        if (v < out_min) v = out_min;                                                                    \
        else if (v > out_max) v = out_max;                                                               \
        y[i] = (PK_TY)v;                                                                                 \
    }

#define PK_FN pk_add_i8_i8_i8
#define PK_TA int8_t
#define PK_TB int8_t
#define PK_TY int8_t
#include "pk_add.inc"

#define PK_FN pk_add_i8_i8_i16
#define PK_TA int8_t
#define PK_TB int8_t
#define PK_TY int16_t
#include "pk_add.inc"

#define PK_FN pk_add_i8_i16_i8
#define PK_TA int8_t
#define PK_TB int16_t
#define PK_TY int8_t
#include "pk_add.inc"

#define PK_FN pk_add_i8_i16_i16
#define PK_TA int8_t
#define PK_TB int16_t
#define PK_TY int16_t
#include "pk_add.inc"

#define PK_FN pk_add_i16_i8_i8
#define PK_TA int16_t
#define PK_TB int8_t
#define PK_TY int8_t
#include "pk_add.inc"

#define PK_FN pk_add_i16_i8_i16
#define PK_TA int16_t
#define PK_TB int8_t
#define PK_TY int16_t
#include "pk_add.inc"

#define PK_FN pk_add_i16_i16_i8
#define PK_TA int16_t
#define PK_TB int16_t
#define PK_TY int8_t
#include "pk_add.inc"

#define PK_FN pk_add_i16_i16_i16
#define PK_TA int16_t
#define PK_TB int16_t
#define PK_TY int16_t
#include "pk_add.inc"

#endif /* PK_ADD_H */
