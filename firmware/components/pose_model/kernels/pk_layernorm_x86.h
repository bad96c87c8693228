/*
 * pk_layernorm_x86.h -- LayerNorm on the x86-64 host (PK_TARGET_X86; included by pk_layernorm.h).
 *
 * The x86-64 host form: the same integers, in groups of PK_LN_ROWS rows: first every row's S, a
 * and R (the rows' division chains are independent, so the core overlaps them: 0.70 -> 0.54 us), then the
 * rows' element passes. Per row
 *   - S and Q = sum x^2 in one plain loop (int64 Q), vectorized;
 *   - a from the bit length: with b = floor(log2 W), W 4^a >= 2^60 exactly when b + 2a >= 60 (W 4^a lies in
 *     [2^(b+2a), 2^(b+2a+1))), so a = max(0, ceil((60 - b) / 2)); R = floor(2^60 / s) by one 64-bit
 *     division (pk_recip_q60 computes the same on 32-bit words);
 *   - the element pass as PK_LN_ELEMENT with gamma 2^(32-p) and beta widened once per call, results through
 *     a stack row, so gcc vectorizes it (y is not declared apart from x). Each product's high word is
 *     written as a logical shift: the low 32 bits of a 64-bit value shifted by 32 are the same either way,
 *     and AVX2 has no 64-bit arithmetic shift (gcc emulated it: +4 instructions per 4 products).
 * A multiplier of 1/2 or more (n < 33) or d > 128 goes to the node's loop (pk_layernorm_*_plain, the reference).
 * micro (10 x 64, int16, gcc 12, AMD EPYC): 2.9 -> 0.65 us per LayerNorm (time_host per-op profile).
 */
#ifndef PK_LAYERNORM_X86_H
#define PK_LAYERNORM_X86_H

#define PK_LN_MAX_D 128
#define PK_LN_ROWS 16 /* rows per group (stack: 3 x 16 int32) */

/* The reference, for the shapes the host form does not take. */
#define PK_FN pk_layernorm_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_E PK_LN_EPS_FRAC_I8
#include "pk_layernorm.inc"

#define PK_FN pk_layernorm_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_E PK_LN_EPS_FRAC_I8
#include "pk_layernorm.inc"

#define PK_FN pk_layernorm_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_E PK_LN_EPS_FRAC_I16
#include "pk_layernorm.inc"

#define PK_FN pk_layernorm_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_E PK_LN_EPS_FRAC_I16
#include "pk_layernorm.inc"

/* The host form. */
#define PK_FN pk_layernorm_i8_i8
#define PK_FN_PLAIN pk_layernorm_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_E PK_LN_EPS_FRAC_I8
#include "pk_layernorm_x86.inc"

#define PK_FN pk_layernorm_i8_i16
#define PK_FN_PLAIN pk_layernorm_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_E PK_LN_EPS_FRAC_I8
#include "pk_layernorm_x86.inc"

#define PK_FN pk_layernorm_i16_i8
#define PK_FN_PLAIN pk_layernorm_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_E PK_LN_EPS_FRAC_I16
#include "pk_layernorm_x86.inc"

#define PK_FN pk_layernorm_i16_i16
#define PK_FN_PLAIN pk_layernorm_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_E PK_LN_EPS_FRAC_I16
#include "pk_layernorm_x86.inc"

#endif /* PK_LAYERNORM_X86_H */
