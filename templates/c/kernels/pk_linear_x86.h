/*
 * pk_linear_x86.h -- the x86-64 host's linear kernels (PK_TARGET_X86; included by pk_linear.h).
 *
 * Host speed only (the virtual node, `pose-edge bench` hostUs, parity runs on a PC). The node's register-
 * blocked kernels (pk_linear_rv32.h) are shaped for rv32imc (no SIMD, few registers); on an x86-64 host they
 * leave the vector units idle. These replace them with loops a compiler auto-vectorizes (int16 x int16 ->
 * int32 multiply-add, pmaddwd / vpmaddwd):
 *   - x is copied once per call into int16 rows of n entries, n a multiple of 16 (zero padded): the loops
 *     never see int8 or int4 data, and gcc, seeing n's low bits are 0, gives the vectorized dot products
 *     no scalar tail. int4 rows are split (PK_VEC_UNPACK_W4: low nibbles, then high nibbles) and x is
 *     copied in the same order; a dot product does not depend on the order of its terms;
 *   - PK_VEC_RB = 4 weight rows at a time are unpacked into int16 rows of the same form (a partial last
 *     block pads with zero rows, whose outputs are not stored);
 *   - each pass computes 4 rows x 2 tokens = 8 dot products in one loop: each loaded x vector serves 4
 *     rows and each weight vector 2 tokens (vpmaddwd with a memory operand); before, 1 row x 2 tokens;
 *   - the 8 results are requantized together (PK_VEC_REQUANT, pk_rq_sat's int32 path vectorized).
 *   The horizontal sum of each product vector is still paid once per output and token: gcc only forms
 *   vpmaddwd for reductions, not for outputs kept in vector lanes (tried: gcc 12 widens with
 *   vpmullw/vpmulhw and shuffles instead). An AVX-512 clone (arch=x86-64-v4) was slower: 56 us vs 42.5.
 *   micro int4 hostUs (time_host, median): 61.0 -> 46.6 (blocking) -> 44.9 (requantization) -> 42.5
 *   (split int4 rows) -> about 41.5 (scaled multipliers, single tokens, in < 8).
 * Every product and sum is the same integer as in the reference and the compiler's bound
 * (sum |x| |w| + |bias| < 2^31) holds for every partial sum in any order, so results are bit-exact;
 * requantization is pk_rq_sat's arithmetic. With gcc the functions are also cloned for AVX2, picked at
 * load time (ifunc); clang vectorizes at its own -O2 default. Shapes beyond the scratch buffers
 * (n > PK_VEC_MAX_IN or T n > PK_VEC_MAX_X) and in < 8 go through the reference (_plain). No intrinsics,
 * no heap: 16 KB of stack scratch, which a host has.
 * On a CPU with AVX2 the w4r4 layers and the small row-layout ones take the intrinsics forms of
 * pk_linear_avx2.h instead (eight rows per vector, byte products: micro 45 -> 24 us); these loops are what a
 * host without AVX2 runs, and a -DPK_NO_HOST_AVX2 build (the kernel tests check both).
 */
#ifndef PK_LINEAR_X86_H
#define PK_LINEAR_X86_H

#include "pk_linear_avx2.h"

#define PK_VEC_MAX_IN 1024 /* in, rounded up to a multiple of 16 */
#define PK_VEC_MAX_X 4096  /* T * that */
#define PK_VEC_RB 4        /* output rows per block */

/* int4: split layout. Weight row o becomes d[j] = low nibble, d[hp + j] = high nibble of byte j (inputs 2j
 * and 2j + 1; hp = n / 2), so the unpacking is element-wise (no interleaving shuffles, 16-bit shifts);
 * the x rows are copied in the same order (PK_VEC_X_SPLIT). The pad nibble of an odd row meets x's zero
 * pad; entries past h are 0. */
#define PK_VEC_UNPACK_W4                                                                                 \
    do {                                                                                                 \
        const uint8_t *r = w + o * h;                                                                    \
        for (j = 0; j < h; ++j) {                                                                        \
            const int32_t b_ = r[j];                                                                     \
            d[j] = (int16_t)((int16_t)(b_ << 12) >> 12);                                                 \
            d[hp + j] = (int16_t)((int16_t)(b_ << 8) >> 12);                                             \
        }                                                                                                \
        for (j = h; j < hp; ++j) d[j] = d[hp + j] = 0;                                                   \
    } while (0)
#define PK_VEC_X_SPLIT                                                                                   \
    do {                                                                                                 \
        for (i = 0; i < in / 2; ++i) {                                                                   \
            xd[i] = PK_VEC_XV(xt[2 * i]);                                                                \
            xd[hp + i] = PK_VEC_XV(xt[2 * i + 1]);                                                       \
        }                                                                                                \
        for (i = in / 2; i < hp; ++i) xd[i] = xd[hp + i] = 0;                                            \
        if (in & 1) xd[h - 1] = PK_VEC_XV(xt[in - 1]);                                                   \
    } while (0)
/* an input value as the kernel multiplies it: itself, or (PK_VEC_XQ, the w4r4 i16 forms) its int8 copy */
#define PK_VEC_XV(v) (PK_VEC_XQ ? (int16_t)pk_rq_sat((v), PK_XQ_M, PK_XQ_S, -128, 127) : (int16_t)(v))
/* w4r4 words (pk_linear.h): row o's nibbles of pair j, split like PK_VEC_UNPACK_W4 (offset binary, minus 8) */
#define PK_VEC_UNPACK_W4R4                                                                               \
    do {                                                                                                 \
        const uint32_t *r = w + (o >> 2) * h;                                                            \
        const int32_t b_ = PK_W4R4_ROW_BIT(o & 3);                                                       \
        for (j = 0; j < h; ++j) {                                                                        \
            d[j] = (int16_t)(((r[j] >> b_) & 15u) - 8);                                                  \
            d[hp + j] = (int16_t)(((r[j] >> (b_ + 4)) & 15u) - 8);                                       \
        }                                                                                                \
        for (j = h; j < hp; ++j) d[j] = d[hp + j] = 0;                                                   \
    } while (0)
/* int8: inputs in order, zero from `in` on */
#define PK_VEC_UNPACK_W8                                                                                 \
    do {                                                                                                 \
        const int8_t *r = w + o * in;                                                                    \
        for (j = 0; j < in; ++j) d[j] = r[j];                                                            \
        for (j = in; j < n; ++j) d[j] = 0;                                                               \
    } while (0)
#define PK_VEC_X_ORDER                                                                                   \
    do {                                                                                                 \
        for (i = 0; i < in; ++i) xd[i] = xt[i];                                                          \
        for (i = in; i < n; ++i) xd[i] = 0;                                                              \
    } while (0)

/* Requantizes acc[u RB + k] into res[u RB + k] (token u < nt, row k < RB). The rows' bias and
 * requantization constants are looked up once per block (bq, mq, qs; rq, sq, lk derived from them), and
 * pk_rq_sat's int32 path is written out over the accumulators of a pass, a loop gcc vectorizes (vpsllvd,
 * vpmuldq, vpsravd, min/max). A multiplier of 1/2 or more (n = 31 + shift < 33, micro's input projection)
 * takes that path as pk_rq_sat does on the node: acc scaled by 2^lk, lk = 33 - n, then n = 33; if a scaled
 * value does not fit int32 (never in micro) or lk > 30 (`fast` = 0, or `bad_`), pk_rq_sat itself. (A
 * macro, not a function: as an always_inline function the kernels measured 0.3 us slower, micro hostUs.) */
#define PK_VEC_REQUANT(nt)                                                                               \
    do {                                                                                                 \
        int32_t e_, bad_ = !fast;                                                                        \
        if (fast && !scaled) {                                                                           \
            for (e_ = 0; e_ < (nt) * PK_VEC_RB; ++e_) {                                                  \
                const int32_t hi_ = (int32_t)(((int64_t)(acc[e_] + bq[e_]) * mq[e_]) >> 32);             \
                const int32_t v_ = (hi_ + rq[e_]) >> sq[e_];                                             \
                res[e_] = v_ < out_min ? out_min : (v_ > out_max ? out_max : v_);                        \
            }                                                                                            \
        } else if (fast) {                                                                               \
            for (e_ = 0; e_ < (nt) * PK_VEC_RB; ++e_) {                                                  \
                const int32_t a_ = acc[e_] + bq[e_], up_ = (int32_t)((uint32_t)a_ << lk[e_]);            \
                const int32_t hi_ = (int32_t)(((int64_t)up_ * mq[e_]) >> 32);                            \
                const int32_t v_ = (hi_ + rq[e_]) >> sq[e_];                                             \
                bad_ |= (up_ >> lk[e_]) ^ a_;                                                            \
                res[e_] = v_ < out_min ? out_min : (v_ > out_max ? out_max : v_);                        \
            }                                                                                            \
        }                                                                                                \
        if (bad_) {                                                                                      \
            for (e_ = 0; e_ < (nt) * PK_VEC_RB; ++e_)                                                    \
                res[e_] = pk_rq_sat(acc[e_] + bq[e_], mq[e_], qs[e_ % PK_VEC_RB], out_min, out_max);     \
        }                                                                                                \
    } while (0)

/* the int8 copy's requantization in PK_VEC_XV (w4r4 i16 forms only) */
#define PK_XQ_M 0
#define PK_XQ_S 0

#define PK_FN pk_linear_w4_i8_i8
#define PK_FN_PLAIN pk_linear_w4_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_WT uint8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) ((i) & 1 ? PK_HI4(w[(o) * h + ((i) >> 1)]) : PK_LO4(w[(o) * h + ((i) >> 1)]))
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w4_i8_i16
#define PK_FN_PLAIN pk_linear_w4_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_WT uint8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) ((i) & 1 ? PK_HI4(w[(o) * h + ((i) >> 1)]) : PK_LO4(w[(o) * h + ((i) >> 1)]))
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w4_i16_i8
#define PK_FN_PLAIN pk_linear_w4_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_WT uint8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) ((i) & 1 ? PK_HI4(w[(o) * h + ((i) >> 1)]) : PK_LO4(w[(o) * h + ((i) >> 1)]))
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w4_i16_i16
#define PK_FN_PLAIN pk_linear_w4_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_WT uint8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) ((i) & 1 ? PK_HI4(w[(o) * h + ((i) >> 1)]) : PK_LO4(w[(o) * h + ((i) >> 1)]))
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w8_i8_i8
#define PK_FN_PLAIN pk_linear_w8_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_WT int8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W8
#define PK_VEC_XCOPY PK_VEC_X_ORDER
#define PK_VEC_SPLIT 0
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) w[(o) * in + (i)]
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w8_i8_i16
#define PK_FN_PLAIN pk_linear_w8_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_WT int8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W8
#define PK_VEC_XCOPY PK_VEC_X_ORDER
#define PK_VEC_SPLIT 0
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) w[(o) * in + (i)]
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w8_i16_i8
#define PK_FN_PLAIN pk_linear_w8_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_WT int8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W8
#define PK_VEC_XCOPY PK_VEC_X_ORDER
#define PK_VEC_SPLIT 0
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) w[(o) * in + (i)]
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w8_i16_i16
#define PK_FN_PLAIN pk_linear_w8_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_WT int8_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W8
#define PK_VEC_XCOPY PK_VEC_X_ORDER
#define PK_VEC_SPLIT 0
#define PK_VEC_XQ 0
#define PK_VEC_R4 0
#define PK_VEC_WAT(o, i) w[(o) * in + (i)]
#include "pk_linear_x86.inc"

/* int8 activations, w4r4 weights: the same vectorized loops (the int8 inputs, or int8 copies, in int16) */
#define PK_FN pk_linear_w4r4_i8_i8
#define PK_FN_PLAIN pk_linear_w4r4_i8_i8_plain
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_WT uint32_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4R4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 1
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w4r4_i8_i16
#define PK_FN_PLAIN pk_linear_w4r4_i8_i16_plain
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_WT uint32_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4R4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 1
#include "pk_linear_x86.inc"

#undef PK_XQ_M
#undef PK_XQ_S
#define PK_XQ_M xq_mult
#define PK_XQ_S xq_shift
#define PK_FN pk_linear_w4r4_i16_i8
#define PK_FN_PLAIN pk_linear_w4r4_i16_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_WT uint32_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4R4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 1
#define PK_VEC_R4 1
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w4r4_i16_i16
#define PK_FN_PLAIN pk_linear_w4r4_i16_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_WT uint32_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4R4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 1
#define PK_VEC_R4 1
#include "pk_linear_x86.inc"
#undef PK_XQ_M
#undef PK_XQ_S

/* int16 activations as they are, w4r4 weights (the wide forms): the int16 rows, the w4r4 unpacking */
#define PK_XQ_M 0
#define PK_XQ_S 0
#define PK_FN pk_linear_w4r4_wide_i8
#define PK_FN_PLAIN pk_linear_w4r4_wide_i8_plain
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_WT uint32_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4R4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 1
#define PK_VEC_R4ARGS 0
#include "pk_linear_x86.inc"

#define PK_FN pk_linear_w4r4_wide_i16
#define PK_FN_PLAIN pk_linear_w4r4_wide_i16_plain
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_WT uint32_t
#define PK_VEC_UNPACK PK_VEC_UNPACK_W4R4
#define PK_VEC_XCOPY PK_VEC_X_SPLIT
#define PK_VEC_SPLIT 1
#define PK_VEC_XQ 0
#define PK_VEC_R4 1
#define PK_VEC_R4ARGS 0
#include "pk_linear_x86.inc"
#undef PK_XQ_M
#undef PK_XQ_S

#endif /* PK_LINEAR_X86_H */
