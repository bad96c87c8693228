/*
 * pk_linear_rv32.h -- the node's linear kernels (PK_TARGET_X86 = 0; included by pk_linear.h): register-
 * blocked for rv32imc (no SIMD, no multiply-accumulate, 31 registers), where they are measured; xtensa and
 * -DPK_NO_HOST_VEC builds compile the same code. The same integers as the reference (pk_linear_w4.inc,
 * pk_linear_w8.inc), which they call for an odd last row. Speed figures: docs/fixed-point.md, section 4.
 *
 *   pk_linear_w4_i8_Y    pk_linear_w4_i8_rv32.inc    int8 x int4: two 16-bit lanes per register (SWAR)
 *   pk_linear_w4_i16_Y   pk_linear_w4_i16_rv32.inc   int16 x int4: two rows x ten tokens in registers;
 *                                                    T < 5 (the head): pk_linear_w4_i16_Y_single;
 *                                                    under PK_COMPACT_MACS: pk_linear_w4_i16_Y_compact
 *   pk_linear_w8_X_Y     pk_linear_w8_rv32.inc       int8 weights: the int16 x int4 blocking, no unpacking
 *
 * PK_SPECIALIZE (gcc on RISC-V: always_inline, pk_base.h): each call in the generated code gets a copy
 * specialized for its literal sizes, so token and row offsets are immediates and dead block tails vanish.
 * Token j of a block is read at xp + j * x_stride from ONE pointer: rv32 has no indexed loads, and ten
 * running pointers would not fit in the registers next to 20 accumulators. Block bounds are precomputed
 * before the loops (gcc -O2 otherwise warns, -Waggressive-loop-optimizations, about a tail loop after a
 * blocked one when the sizes are constants).
 */
#ifndef PK_LINEAR_RV32_H
#define PK_LINEAR_RV32_H

/* bias and requantization parameters of output rows o and o + 1 (the two-row kernels) */
#define PK_ROWPAIR_QPARAMS                                                                               \
    const int32_t b0 = PK_BIAS(o), b1 = PK_BIAS(o + 1);                                                  \
    const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                             \
    const int32_t qm1 = mult[per_row ? o + 1 : 0], qs1 = shift[per_row ? o + 1 : 0]
/* the requantized stores of token tok, rows o and o + 1 */
#define PK_SWAR_STORE(tok, acc_lo, acc_hi)                                                               \
    y[(tok) * y_stride + o] = (PK_TY)pk_rq_sat((acc_lo), qm0, qs0, out_min, out_max);                    \
    y[(tok) * y_stride + o + 1] = (PK_TY)pk_rq_sat((acc_hi), qm1, qs1, out_min, out_max)

/* ---------------------------------------------------------------- int8 x int4: SWAR */

/* int8 activations x int4 weights: two output rows at once in the two 16-bit lanes of one 32-bit register
 * ("SIMD within a register"): W = w[o][i] + w[o+1][i] * 2^16, P += x * W gives both products with one
 * load, one multiply and one add. |x * w| <= 128 * 8 = 1024, so PK_SWAR_GROUP = 15 bytes (30 products)
 * keep each lane sum within [-30720, 30720], inside int16; then the lanes are split exactly into the
 * int32 accumulators (low lane sign-extended; high lane = (P - low) >> 16). Same integer result as the
 * plain kernel. Tokens go in blocks of 10 (10 lane accumulators in registers, the 20 int32 ones touched
 * only at group ends), then 5, then one at a time; rv32imc: 76 instructions per 40 MACs in the loop.
 * When every token is in a 10-token block, rows go in fours: two lane registers per token (rows o, o + 1
 * and o + 2, o + 3), so each activation load serves four rows and each unpacked weight word ten tokens;
 * rv32imc: about 128 instructions per 80 MACs in the loop (two rows: 75 per 40). */
#define PK_SWAR_GROUP 15

/* we = lo4(u0) + lo4(u1) 2^16 and wo = hi4(u0) + hi4(u1) 2^16 (mod 2^32), both lanes sign-extended at
 * once: ((n ^ 8) - 8) turns a nibble n into its two's-complement value, lane by lane. */
#define PK_SWAR_PACK(u0, u1, we, wo)                                                                     \
    const uint32_t both = (uint32_t)(u0) | ((uint32_t)(u1) << 16);                                       \
    const uint32_t we = ((both & 0x000f000fu) ^ 0x00080008u) - 0x00080008u;                              \
    const uint32_t wo = (((both >> 4) & 0x000f000fu) ^ 0x00080008u) - 0x00080008u
/* the same, with the name of the packed word given (two packs in one scope) */
#define PK_SWAR_PACK_AS(u0, u1, we, wo, both)                                                            \
    const uint32_t both = (uint32_t)(u0) | ((uint32_t)(u1) << 16);                                       \
    const uint32_t we = ((both & 0x000f000fu) ^ 0x00080008u) - 0x00080008u;                              \
    const uint32_t wo = (((both >> 4) & 0x000f000fu) ^ 0x00080008u) - 0x00080008u

/* input pair i of the token at xp into lane register p (rows o, o + 1) */
#define PK_SWAR_MAC(p, xp, i) p += (uint32_t)(xp)[2 * (i)] * we + (uint32_t)(xp)[2 * (i) + 1] * wo

/* the lanes of p added to the int32 accumulators of its two rows (exactly, unsigned wrap-around) */
#define PK_SWAR_FLUSH(p, acc_lo, acc_hi)                                                                 \
    do {                                                                                                 \
        const int32_t lane_lo = (int32_t)((p) << 16) >> 16;                                              \
        acc_lo += lane_lo;                                                                               \
        acc_hi += (int32_t)((p) - (uint32_t)lane_lo) >> 16;                                              \
    } while (0)

/* Four rows x ten tokens: token j (at xp + j x_stride) has accumulators a<j>_0 .. a<j>_3 and lane
 * registers p<j> (rows o, o + 1) and q<j> (rows o + 2, o + 3). PK_X10(M) applies M to j = 0 .. 9. */
#define PK_SWAR_MAC4(p, q, j)                                                                            \
    do {                                                                                                 \
        const uint32_t xa_ = (uint32_t)xp[(j) * x_stride + 2 * i];                                       \
        const uint32_t xb_ = (uint32_t)xp[(j) * x_stride + 2 * i + 1];                                   \
        p += xa_ * we01 + xb_ * wo01;                                                                    \
        q += xa_ * we23 + xb_ * wo23;                                                                    \
    } while (0)
#define PK_SWAR4_DECL(j)                                                                                 \
    int32_t a##j##_0 = b0, a##j##_1 = b1, a##j##_2 = b2, a##j##_3 = b3
#define PK_SWAR4_LANES(j) uint32_t p##j = 0, q##j = 0
#define PK_SWAR4_FLUSH(j)                                                                                \
    PK_SWAR_FLUSH(p##j, a##j##_0, a##j##_1);                                                             \
    PK_SWAR_FLUSH(q##j, a##j##_2, a##j##_3)
#define PK_SWAR4_LAST(j)                                                                                 \
    do {                                                                                                 \
        const int32_t xv_ = xp[(j) * x_stride + in - 1];                                                 \
        a##j##_0 += xv_ * v0; a##j##_1 += xv_ * v1; a##j##_2 += xv_ * v2; a##j##_3 += xv_ * v3;          \
    } while (0)
#define PK_SWAR4_STORE(j)                                                                                \
    do {                                                                                                 \
        PK_TY *yt_ = y + (t + (j)) * y_stride + o;                                                       \
        yt_[0] = (PK_TY)pk_rq_sat(a##j##_0, qm0, qs0, out_min, out_max);                                 \
        yt_[1] = (PK_TY)pk_rq_sat(a##j##_1, qm1, qs1, out_min, out_max);                                 \
        yt_[2] = (PK_TY)pk_rq_sat(a##j##_2, qm2, qs2, out_min, out_max);                                 \
        yt_[3] = (PK_TY)pk_rq_sat(a##j##_3, qm3, qs3, out_min, out_max);                                 \
    } while (0)
#define PK_X10(M) M(0); M(1); M(2); M(3); M(4); M(5); M(6); M(7); M(8); M(9)

#define PK_FN pk_linear_w4_i8_i8
#define PK_FN_PLAIN pk_linear_w4_i8_i8_plain
#define PK_TY int8_t
#include "pk_linear_w4_i8_rv32.inc"

#define PK_FN pk_linear_w4_i8_i16
#define PK_FN_PLAIN pk_linear_w4_i8_i16_plain
#define PK_TY int16_t
#include "pk_linear_w4_i8_rv32.inc"

/* ---------------------------------------------------------------- int16 x int4, int8 weights */

/* int16 activations x int4 weights: products reach 2^18, too wide for 16-bit lanes, so the reuse comes from
 * registers instead: two output rows x ten tokens = 20 int32 accumulators. Per input i the two weights
 * w[o][i], w[o+1][i] are unpacked once (four shifts) and each activation load serves both rows, so the
 * inner loop costs one multiply and one add per MAC plus 1/2 load and 1/10 unpack per MAC (rv32imc,
 * 64 inputs: 2.8 instructions per MAC for the whole call, measured with bench/rv32-profile.ts).
 * Tokens left after the blocks of ten go in blocks of five, then one at a time; an odd last row through
 * the plain kernel. The int8-weight kernel shares the blocking and these pieces. */

/* token j of the block (column k of its row at xp): a0 += x w[o], a1 += x w[o + 1] (weights v0, v1) */
#define PK_TOK2(a0, a1, j, k)                                                                            \
    do {                                                                                                 \
        const int32_t xv = xp[(j) * x_stride + (k)];                                                     \
        a0 += xv * v0;                                                                                   \
        a1 += xv * v1;                                                                                   \
    } while (0)
/* tokens base + 0..4, whose accumulators are a<base><j>_<row>: declared, one column k, stored */
#define PK_TOK2_X5(k, base)                                                                              \
    PK_TOK2(a##base##0_0, a##base##0_1, base + 0, k); PK_TOK2(a##base##1_0, a##base##1_1, base + 1, k);  \
    PK_TOK2(a##base##2_0, a##base##2_1, base + 2, k); PK_TOK2(a##base##3_0, a##base##3_1, base + 3, k);  \
    PK_TOK2(a##base##4_0, a##base##4_1, base + 4, k)
#define PK_ACC_X5(base)                                                                                  \
    int32_t a##base##0_0 = b0, a##base##0_1 = b1, a##base##1_0 = b0, a##base##1_1 = b1;                  \
    int32_t a##base##2_0 = b0, a##base##2_1 = b1, a##base##3_0 = b0, a##base##3_1 = b1;                  \
    int32_t a##base##4_0 = b0, a##base##4_1 = b1
#define PK_STORE_X5(tok, base)                                                                           \
    PK_SWAR_STORE(tok + base + 0, a##base##0_0, a##base##0_1);                                           \
    PK_SWAR_STORE(tok + base + 1, a##base##1_0, a##base##1_1);                                           \
    PK_SWAR_STORE(tok + base + 2, a##base##2_0, a##base##2_1);                                           \
    PK_SWAR_STORE(tok + base + 3, a##base##3_0, a##base##3_1);                                           \
    PK_SWAR_STORE(tok + base + 4, a##base##4_0, a##base##4_1)
/* column k of every token of a block of 5 or of 10 tokens */
#define PK_TOK2_COL5(k) PK_TOK2_X5(k, 0)
#define PK_TOK2_COL10(k) PK_TOK2_X5(k, 0); PK_TOK2_X5(k, 5)
/* int4: input pair I (inputs 2I, 2I + 1, at xp + OFF and xp + OFF + 1) of rows o, o + 1 for the tokens of
 * the block (COL: PK_TOK2_COL5 or PK_TOK2_COL10) */
#define PK_W4_I16_PAIR(COL, I, OFF)                                                                      \
    do {                                                                                                 \
        const uint32_t u0 = w0r[I], u1 = w0r[row_bytes + (I)];                                           \
        int32_t v0 = PK_LO4(u0), v1 = PK_LO4(u1);                                                        \
        COL(OFF);                                                                                        \
        v0 = PK_HI4(u0);                                                                                 \
        v1 = PK_HI4(u1);                                                                                 \
        COL(OFF + 1);                                                                                    \
    } while (0)
/* Single tokens (T < 5: the head after pooling) have nothing to share across tokens, so eight output rows
 * share each activation load instead, and the int4 unpacking is made cheaper: u ^ 0x88 turns both
 * two's-complement nibbles of a byte into offset binary w + 8 in [0, 15] (then lo = u & 15 and hi = u >> 4,
 * one instruction each instead of two shifts), and each sum is corrected once per output:
 * sum x (w + 8) - 8 sum x = sum x w, with sum x computed once per token. The offset sums can exceed the
 * int32 bound the compiler proves for sum x w, so they are accumulated as uint32: modulo 2^32 the corrected
 * value is exact, and it is in int32 range. rv32imc, head fc1 (64 -> 192): 6.5 -> 4.2 instructions per MAC.
 * u = lo + 16 hi (offset binary), so xa lo + xb hi = xa u + (xb - 16 xa) hi: with zb = xb - 16 xa formed
 * once per input pair, the low nibble needs no mask (|xa u| < 2^23, |zb hi| < 2^24). */
#define PK_OB_MAC(a, k)                                                                                  \
    do {                                                                                                 \
        const uint32_t u_ = (uint32_t)wr[(k) * row_bytes + i] ^ 0x88u;                                   \
        a += (uint32_t)(xa * (int32_t)u_) + (uint32_t)(zb * (int32_t)(u_ >> 4));                         \
    } while (0)
#define PK_OB_LAST(a, k) a += (uint32_t)(xa * (int32_t)(((uint32_t)wr[(k) * row_bytes + pairs] ^ 8u) & 15u))
#define PK_OB_STORE(a, k)                                                                                \
    do {                                                                                                 \
        const int32_t r_ = o + (k);                                                                      \
        const int32_t acc_ = (int32_t)((uint32_t)PK_BIAS(r_) + (a) - corr);                              \
        y[t * y_stride + r_] = (PK_TY)pk_rq_sat(acc_, mult[per_row ? r_ : 0], shift[per_row ? r_ : 0],   \
                                                out_min, out_max);                                       \
    } while (0)

/* int16 x int4 layers with fewer multiply-accumulates than this take one shared out-of-line copy
 * (PK_FN_COMPACT in pk_linear_w4_i16_rv32.inc) */
#define PK_COMPACT_MACS 2048

#define PK_FN pk_linear_w4_i16_i8
#define PK_FN_SINGLE pk_linear_w4_i16_i8_single
#define PK_FN_COMPACT pk_linear_w4_i16_i8_compact
#define PK_FN_PLAIN pk_linear_w4_i16_i8_plain
#define PK_TY int8_t
#include "pk_linear_w4_i16_rv32.inc"

#define PK_FN pk_linear_w4_i16_i16
#define PK_FN_SINGLE pk_linear_w4_i16_i16_single
#define PK_FN_COMPACT pk_linear_w4_i16_i16_compact
#define PK_FN_PLAIN pk_linear_w4_i16_i16_plain
#define PK_TY int16_t
#include "pk_linear_w4_i16_rv32.inc"

/* one input and two rows, one token at x0 (the int8-weight kernel's tokens after the blocks) */
#define PK_MAC1x2(a0, a1, xp)                                                                            \
    do {                                                                                                 \
        const int32_t xa = (xp)[i];                                                                      \
        a0 += xa * v0;                                                                                   \
        a1 += xa * v1;                                                                                   \
    } while (0)

#define PK_FN pk_linear_w8_i8_i8
#define PK_FN_PLAIN pk_linear_w8_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_linear_w8_rv32.inc"

#define PK_FN pk_linear_w8_i8_i16
#define PK_FN_PLAIN pk_linear_w8_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_linear_w8_rv32.inc"

#define PK_FN pk_linear_w8_i16_i8
#define PK_FN_PLAIN pk_linear_w8_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_linear_w8_rv32.inc"

#define PK_FN pk_linear_w8_i16_i16
#define PK_FN_PLAIN pk_linear_w8_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_linear_w8_rv32.inc"

/* int8 activations, w4r4 weights: pk_linear_w4r4_* */
#include "pk_linear_w4r4_rv32.h"

#endif /* PK_LINEAR_RV32_H */
