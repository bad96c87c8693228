/*
 * pk_add.h -- residual add of two tensors of different scales: pk_add_A_B_Y, A, B, Y in {i8, i16}.
 *
 *   pk_add_A_B_Y(a, b, n, mult_a, mult_b, shift, out_min, out_max, y)      y = a*ra + b*rb, one rounding
 *
 * n = 31 + shift. Both inputs are brought to the output scale with the same shift and rounded once:
 *   n >= 17 (every add the compiler emits: n < 17 would need a scale ratio above 2^14):
 *     X = floor(a * mult_a / 2^16) + floor(b * mult_b / 2^16),  y = sat(floor((X + 2^(n-17)) / 2^(n-16)))
 *   n < 17: y = sat(floor((a * mult_a + b * mult_b + 2^(n-1)) / 2^n))
 * For n >= 17, X is the exact sum's floor(P / 2^16) or one less (each product is floored on its own), so y
 * may differ from the exactly rounded sum only where that sum lies within 2^(16-n) output LSB of a rounding
 * boundary: 2^-15 LSB at micro's n = 31 adds (|a|, |b| <= 2^15, mult < 2^31: |a mult| < 2^46).
 *
 * Why: each floor(a * mult / 2^16) is one rv32 mulh of a 2^16 (a slli and a mulh), so an element costs 12
 * instructions in the rv32imc loop (two loads, two shifts, two multiplies, an add, the rounding add and
 * shift, the clamp and the store) where the exact sum needed four 32-bit multiplies (16-17) or an int64
 * expression (~36). When 0 <= mult_a, mult_b and n >= 17, X fits int32 (|X| < 2^31 - 2^16) and so does
 * X + 2^(n-17) for n <= 32; above, y = ((X >> (n - 32)) + 2^15) >> 16, the same value (nested floors).
 * Other parameters take an int64 loop computing the same formulas. Four elements per iteration (the loop's
 * pointer steps and branch on rv32: 9,289 -> 8,489 instructions per 640 elements). One form for every target
 * (pk_add.inc) but for PK_ADD_X below. TS mirror: addRequant.
 */
#ifndef PK_ADD_H
#define PK_ADD_H

#include "pk_base.h"

/* X = floor(xa mult_a / 2^16) + floor(xb mult_b / 2^16) for |xa|, |xb| <= 2^15 (PK_ADD_X), with the constants
 * PK_ADD_CONSTS declares:
 *   - the node (rv32): each term the high word of the 64-bit product v 2^16 * m, one mulh (PK_OPAQUE keeps
 *     gcc from expanding a known multiplier into shifts and adds);
 *   - the x86-64 host: with m = m1 2^16 + m0, 0 <= m0 < 2^16, floor(v m / 2^16) = v m1 + ((v m0) >> 16),
 *     every term within int32 (|v m0| < 2^31): a loop of 32-bit multiplies gcc vectorizes, where it does not
 *     vectorize the 64-bit products (they took micro's four adds from 2.2 to 4.7 us). The same integer. */
#if PK_TARGET_X86
#define PK_ADD_CONSTS                                                                                    \
    const int32_t ma1 = mult_a >> 16, ma0 = mult_a & 0xffff, mb1 = mult_b >> 16, mb0 = mult_b & 0xffff
#define PK_ADD_X(xa, xb) ((xa) * ma1 + (((xa) * ma0) >> 16) + (xb) * mb1 + (((xb) * mb0) >> 16))
#else
#define PK_ADD_CONSTS                                                                                    \
    PK_OPAQUE(mult_a);                                                                                   \
    PK_OPAQUE(mult_b)
#define PK_ADD_HI16(v, m) ((int32_t)(((int64_t)((v) * 65536) * (m)) >> 32))
#define PK_ADD_X(xa, xb) (PK_ADD_HI16(xa, mult_a) + PK_ADD_HI16(xb, mult_b))
#endif
/* The host runs the adds out of line, vectorized and cloned for AVX2 (PK_HOST_PASS): inlined into
 * pose_model_run, whose baseline x86-64 code gcc vectorizes for SSE2 at most, micro's three adds took about
 * 2.4 us of its hostUs. */
#if PK_TARGET_X86
#define PK_ADD_ATTR PK_HOST_PASS
#else
#define PK_ADD_ATTR
#endif
/* One element; a, b, y, PK_ADD_CONSTS, k, rnd, r, out_min, out_max in scope; y's element type PK_TY. */
#define PK_ADD_STEP(i)                                                                                   \
    {                                                                                                    \
        const int32_t xa = a[i], xb = b[i];                                                              \
        int32_t v = ((PK_ADD_X(xa, xb) >> k) + rnd) >> r;                                                \
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
