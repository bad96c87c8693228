/*
 * pose_kernels.h -- integer kernel library of the pose-edge generated component.
 *
 * Plain C99 with <stdint.h> only: no float, no malloc, no stdio. The compiler copies this file verbatim
 * into the generated component; the TypeScript files in src/compiler/sim/kernels mirror every function
 * bit for bit, and docs/fixed-point.md states the arithmetic exactly (read it before changing anything).
 *
 * Conventions
 *   - Activations are symmetric (zero point 0): real = q * scale. Types: i8 = int8_t, i16 = int16_t.
 *   - Requantization: real multiplier r ~= mult / 2^(31 + shift), mult in [2^30, 2^31) (or 0), 31 + shift
 *     in [1, 62]; applied once on the 64-bit product: (acc * mult + 2^(n-1)) >> n with n = 31 + shift
 *     (round half up), then saturated to [out_min, out_max] (pass 0 as out_min for a fused ReLU).
 *   - Token-major tensors [T][d]; every row stride is in elements and explicit.
 *   - Accumulators are int32_t. The compiler guarantees they cannot overflow (sum |x|*|w| + |bias| < 2^31);
 *     the TypeScript mirror throws when a final accumulator leaves int32.
 *   - Relies on two implementation-defined behaviours every supported compiler (gcc, clang) has:
 *     arithmetic right shift of negative values and modulo conversion to signed types (checked below).
 *
 * Catalogue (X, Y in {i8, i16}; W in {4, 8}; all functions are static inline)
 *   pk_requant(acc, mult, shift) -> int64                         rounded, unsaturated requantization
 *   pk_rq_sat(acc, mult, shift, lo, hi) -> int32                  the same, saturated (32-bit fast path)
 *   pk_minmax_normalize_Y(x int16 [F][P], F, P, y [P][F])           (x-min)/(max-min) * qmax, token-major
 *   pk_linear_wW_X_Y(x, T, in, x_stride, w, bias, out, mult, shift, per_row, out_min, out_max, y, y_stride)
 *   pk_add_X_X_Y(a, b, n, mult_a, mult_b, shift, out_min, out_max, y)      y = a*ra + b*rb, one rounding
 *   pk_relu_X(x, n, y)
 *   pk_lut8_Y(x int8, n, table[256], y)                           y = table[x + 128]
 *   pk_lut16_interp_Y(x int16, n, table[513], y)                  513-point linear interpolation (GELU...)
 *   pk_layernorm_X_Y(x, T, d, x_stride, eps_q int64, gamma int16, beta int32, pre_shift, mult, shift,
 *                    out_min, out_max, y, y_stride)    eps_q = round(eps d^3 2^E / s_x^2), E = 20 (i8 x), 8 (i16 x)
 *   pk_softmax_row_i16 / pk_softmax_row_i32(x, n, mult, shift, p int16 Q0.15)    n <= 128
 *   pk_attention_X_Y(q, k, v, ld, T, H, hd, logit_shift, sm_mult, sm_shift, mult, shift, out_min, out_max,
 *                    scratch int32 [T], y, y_stride)
 *   pk_attention_pool_X_Y(x, T, d, x_stride, scores int16 [T], sm_mult, sm_shift, mult, shift,
 *                         out_min, out_max, scratch int32 [T], y)
 *   pk_matmul_const_left_X_Y(a int16 [n][m], x [m][k], n, m, k, mult, shift, out_min, out_max, y [n][k])
 * The pk_linear_*_plain variants are the one-row reference loops the fast variants fall back to.
 * Helpers of the attention kernels: pk_attention_logits_i8 / _i16 (one query row's logits and their
 * maximum), pk_softmax_row_i32_inplace(_mx) and pk_exp_q24(_u31).
 */
#ifndef POSE_KERNELS_H
#define POSE_KERNELS_H

#include <stdint.h>

/* Compile-time checks of the implementation-defined behaviours relied upon (see above). */
typedef char pk_check_arith_shift[((-8) >> 1) == -4 ? 1 : -1];
typedef char pk_check_int64_arith_shift[(((int64_t)-8) >> 1) == -4 ? 1 : -1];
typedef char pk_check_modulo_conversion[(int32_t)(uint32_t)0xfffffff8u == -8 ? 1 : -1];

#define PK_TOKEN_BLOCK 5 /* tokens sharing one pass over a weight row (T = 10 -> two passes) */

/* gcc's first instruction scheduler (on at -O2 for RISC-V) hoists the activation loads of the
 * register-blocked loops ahead of their uses and spills: +40% instructions on rv32imc (measured, see
 * docs/fixed-point.md). The big loops turn it off for themselves; other compilers ignore this. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__riscv)
#define PK_NO_SCHED __attribute__((optimize("O2", "no-schedule-insns")))
/* gcc's SLP vectorizer (on at -O2 since gcc 12) packs pairs of int16 results into one 32-bit store with
 * shifts and masks (sll, srl, and, or, sw instead of two sh): the attention turns it off as well, -1,100
 * instructions per call (measured, micro int4). */
#define PK_NO_SCHED_NO_SLP __attribute__((optimize("O2", "no-schedule-insns", "no-tree-slp-vectorize")))
#else
#define PK_NO_SCHED
#define PK_NO_SCHED_NO_SLP
#endif

/* ---------------------------------------------------------------- requantization, saturation */

/* Round-half-up requantization: (acc * mult + 2^(n-1)) >> n, n = 31 + shift in [1, 62]. Unsaturated:
 * |acc| < 2^31 and mult < 2^31 keep the product below 2^62, so the sum cannot overflow int64.
 * For n >= 33 (every multiplier below 1/2) the same value comes from the product's high word alone:
 * with acc * mult = hi 2^32 + lo, 0 <= lo < 2^32, floor((hi 2^32 + lo + 2^(n-1)) / 2^n)
 * = floor((hi + 2^(n-33)) / 2^(n-32)) because hi + 2^(n-33) is an integer and lo / 2^32 < 1; |hi| < 2^30
 * keeps the sum in int32. On rv32 that is one mulh, an add and a shift instead of 64-bit arithmetic. */
static inline int64_t pk_requant(int32_t acc, int32_t mult, int32_t shift)
{
    const int32_t n = 31 + shift;
    if (n >= 33) {
        const int32_t hi = (int32_t)(((int64_t)acc * mult) >> 32);
        return (hi + ((int32_t)1 << (n - 33))) >> (n - 32);
    }
    return ((int64_t)acc * mult + ((int64_t)1 << (n - 1))) >> n;
}

static inline int32_t pk_sat(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* sat(pk_requant(acc, mult, shift), lo, hi), with int32 arithmetic on the common n >= 33 path (the
 * identity above; other n take the 64-bit path, which measured no slower in whole-model counts). */
static inline int32_t pk_rq_sat(int32_t acc, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    const int32_t n = 31 + shift;
    int32_t v;
    if (n >= 33) {
        const int32_t h = (int32_t)(((int64_t)acc * mult) >> 32);
        v = (h + ((int32_t)1 << (n - 33))) >> (n - 32);
        return v < lo ? lo : (v > hi ? hi : v);
    }
    return pk_sat(pk_requant(acc, mult, shift), lo, hi);
}

/* Two's-complement nibbles of one packed int4 byte (element 2i low, 2i+1 high). */
#define PK_LO4(u) ((int32_t)((uint32_t)(u) << 28) >> 28)
#define PK_HI4(u) ((int32_t)((uint32_t)(u) << 24) >> 28)

/* ---------------------------------------------------------------- window min-max normalization */

/* y[p][f] = round((x[f][p] - min) * QMAX / (max - min)) with one reciprocal per window:
 * recip = floor(QMAX * 2^32 / range); y = floor((d * recip + 2^31) / 2^32), d = x - min <= range, so
 * y <= QMAX. The product is split as d * (rh * 2^32 + rl) to stay in 32x32->64 multiplies. A constant
 * window (range 0) gives all zeros, as the float model's (x - min) / (0 + eps) does. Output scale 1/QMAX. */
#define PK_DEFINE_MINMAX_NORMALIZE(NAME, TY, QMAX)                                                       \
    static inline void NAME(const int16_t *x, int32_t F, int32_t P, TY *y)                               \
    {                                                                                                    \
        int32_t lo = x[0], hi = x[0], i, f, p;                                                           \
        uint64_t recip;                                                                                  \
        uint32_t rh, rl;                                                                                 \
        for (i = 1; i < F * P; ++i) {                                                                    \
            lo = x[i] < lo ? x[i] : lo;                                                                  \
            hi = x[i] > hi ? x[i] : hi;                                                                  \
        }                                                                                                \
        if (hi == lo) {                                                                                  \
            for (i = 0; i < F * P; ++i) y[i] = 0;                                                        \
            return;                                                                                      \
        }                                                                                                \
        recip = ((uint64_t)(QMAX) << 32) / (uint32_t)(hi - lo);                                          \
        rh = (uint32_t)(recip >> 32);                                                                    \
        rl = (uint32_t)recip;                                                                            \
        for (f = 0; f < F; ++f) {                                                                        \
            const int16_t *xr = x + f * P;                                                               \
            TY *yc = y + f;                                                                              \
            if (rh == 0) /* range > QMAX, the usual case: one 32x32->64 multiply per value */            \
                for (p = 0; p < P; ++p, yc += F)                                                         \
                    *yc = (TY)(((uint64_t)(uint32_t)(xr[p] - lo) * rl + 0x80000000u) >> 32);             \
            else                                                                                         \
                for (p = 0; p < P; ++p, yc += F) {                                                       \
                    const uint32_t d = (uint32_t)(xr[p] - lo);                                           \
                    *yc = (TY)(d * rh + (uint32_t)(((uint64_t)d * rl + 0x80000000u) >> 32));             \
                }                                                                                        \
        }                                                                                                \
    }

PK_DEFINE_MINMAX_NORMALIZE(pk_minmax_normalize_i8, int8_t, 127)
PK_DEFINE_MINMAX_NORMALIZE(pk_minmax_normalize_i16, int16_t, 32767)

/* ---------------------------------------------------------------- linear (fully connected) */

/* y[t][o] = sat(requant(bias[o] + sum_i x[t][i] * w[o][i])) for t < T, o < out.
 * Each weight row is read once per block of PK_TOKEN_BLOCK tokens whose accumulators stay in registers;
 * int4 weights are unpacked in the loop (never into RAM). int4 rows are (in + 1) / 2 bytes: an odd `in`
 * pads the last byte's high nibble (0). per_row != 0: mult/shift are per output row, else index 0.
 * bias may be 0 (no bias). */
#define PK_LINEAR_QPARAMS(o)                                                                             \
    const int32_t b = bias ? bias[o] : 0;                                                                \
    const int32_t qm = mult[per_row ? (o) : 0];                                                          \
    const int32_t qs = shift[per_row ? (o) : 0]

#define PK_LINEAR_STORE(tok, acc) y[(tok) * y_stride + o] = (TYPE_Y)pk_rq_sat((acc), qm, qs, out_min, out_max)

#define PK_DEFINE_LINEAR_W4(NAME, TX, TY)                                                                \
    static inline PK_NO_SCHED void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride, const uint8_t *w,      \
                            const int32_t *bias, int32_t out, const int32_t *mult, const int8_t *shift,  \
                            int32_t per_row, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)  \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;                                        \
        int32_t o, t, i, t_blocked = T - T % PK_TOKEN_BLOCK;                                                                     \
        for (o = 0; o < out; ++o) {                                                                      \
            const uint8_t *wr = w + o * row_bytes;                                                       \
            PK_LINEAR_QPARAMS(o);                                                                        \
            const TX *xt = x;                                                                            \
            for (t = 0; t < t_blocked; t += PK_TOKEN_BLOCK) {                                            \
                const TX *x0 = xt, *x1 = x0 + x_stride, *x2 = x1 + x_stride;                             \
                const TX *x3 = x2 + x_stride, *x4 = x3 + x_stride;                                       \
                int32_t a0 = b, a1 = b, a2 = b, a3 = b, a4 = b;                                          \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const uint32_t u = wr[i];                                                            \
                    const int32_t w0 = PK_LO4(u), w1 = PK_HI4(u);                                        \
                    a0 += x0[0] * w0 + x0[1] * w1;                                                       \
                    a1 += x1[0] * w0 + x1[1] * w1;                                                       \
                    a2 += x2[0] * w0 + x2[1] * w1;                                                       \
                    a3 += x3[0] * w0 + x3[1] * w1;                                                       \
                    a4 += x4[0] * w0 + x4[1] * w1;                                                       \
                    x0 += 2; x1 += 2; x2 += 2; x3 += 2; x4 += 2;                                         \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    const int32_t w0 = PK_LO4(wr[pairs]);                                                \
                    a0 += x0[0] * w0; a1 += x1[0] * w0; a2 += x2[0] * w0;                                \
                    a3 += x3[0] * w0; a4 += x4[0] * w0;                                                  \
                }                                                                                        \
                PK_LINEAR_STORE(t, a0); PK_LINEAR_STORE(t + 1, a1); PK_LINEAR_STORE(t + 2, a2);          \
                PK_LINEAR_STORE(t + 3, a3); PK_LINEAR_STORE(t + 4, a4);                                  \
                xt += PK_TOKEN_BLOCK * x_stride;                                                         \
            }                                                                                            \
            for (t = t_blocked; t < T; ++t) {                                                                \
                const TX *x0 = xt;                                                                       \
                int32_t a0 = b;                                                                          \
                xt += x_stride;                                                                          \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const uint32_t u = wr[i];                                                            \
                    a0 += x0[2 * i] * PK_LO4(u) + x0[2 * i + 1] * PK_HI4(u);                             \
                }                                                                                        \
                if (in & 1) a0 += x0[in - 1] * PK_LO4(wr[pairs]);                                        \
                PK_LINEAR_STORE(t, a0);                                                                  \
            }                                                                                            \
        }                                                                                                \
    }

#define PK_DEFINE_LINEAR_W8(NAME, TX, TY)                                                                \
    static inline PK_NO_SCHED void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride, const int8_t *w,       \
                            const int32_t *bias, int32_t out, const int32_t *mult, const int8_t *shift,  \
                            int32_t per_row, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)  \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        int32_t o, t, i, t_blocked = T - T % PK_TOKEN_BLOCK;                                                                     \
        for (o = 0; o < out; ++o) {                                                                      \
            const int8_t *wr = w + o * in;                                                               \
            PK_LINEAR_QPARAMS(o);                                                                        \
            const TX *xt = x;                                                                            \
            for (t = 0; t < t_blocked; t += PK_TOKEN_BLOCK) {                                            \
                const TX *x0 = xt, *x1 = x0 + x_stride, *x2 = x1 + x_stride;                             \
                const TX *x3 = x2 + x_stride, *x4 = x3 + x_stride;                                       \
                int32_t a0 = b, a1 = b, a2 = b, a3 = b, a4 = b;                                          \
                for (i = 0; i < in; ++i) {                                                               \
                    const int32_t wi = wr[i];                                                            \
                    a0 += x0[i] * wi; a1 += x1[i] * wi; a2 += x2[i] * wi;                                \
                    a3 += x3[i] * wi; a4 += x4[i] * wi;                                                  \
                }                                                                                        \
                PK_LINEAR_STORE(t, a0); PK_LINEAR_STORE(t + 1, a1); PK_LINEAR_STORE(t + 2, a2);          \
                PK_LINEAR_STORE(t + 3, a3); PK_LINEAR_STORE(t + 4, a4);                                  \
                xt += PK_TOKEN_BLOCK * x_stride;                                                         \
            }                                                                                            \
            for (t = t_blocked; t < T; ++t) {                                                                \
                const TX *x0 = xt;                                                                       \
                int32_t a0 = b;                                                                          \
                xt += x_stride;                                                                          \
                for (i = 0; i < in; ++i) a0 += x0[i] * wr[i];                                            \
                PK_LINEAR_STORE(t, a0);                                                                  \
            }                                                                                            \
        }                                                                                                \
    }

/* int8 activations x int4 weights: two output rows at once in the two 16-bit lanes of one 32-bit register
 * ("SIMD within a register"): W = w[o][i] + w[o+1][i] * 2^16, P += x * W gives both products with one
 * load, one multiply and one add. |x * w| <= 128 * 8 = 1024, so PK_SWAR_GROUP = 15 bytes (30 products)
 * keep each lane sum within [-30720, 30720], inside int16; then the lanes are split exactly into the
 * int32 accumulators (low lane sign-extended; high lane = (P - low) >> 16). Same integer result as the
 * plain kernel. Tokens go in blocks of 10 (10 lane accumulators in registers, the 20 int32 ones touched
 * only at group ends), then 5, then one at a time; rv32imc: 76 instructions per 40 MACs in the loop. */
#define PK_SWAR_GROUP 15

/* we = lo4(u0) + lo4(u1) 2^16 and wo = hi4(u0) + hi4(u1) 2^16 (mod 2^32), both lanes sign-extended at
 * once: ((n ^ 8) - 8) turns a nibble n into its two's-complement value, lane by lane. */
#define PK_SWAR_PACK(u0, u1, we, wo)                                                                     \
    const uint32_t both = (uint32_t)(u0) | ((uint32_t)(u1) << 16);                                       \
    const uint32_t we = ((both & 0x000f000fu) ^ 0x00080008u) - 0x00080008u;                              \
    const uint32_t wo = (((both >> 4) & 0x000f000fu) ^ 0x00080008u) - 0x00080008u

#define PK_SWAR_MAC(p, xp, i) p += (uint32_t)(xp)[2 * (i)] * we + (uint32_t)(xp)[2 * (i) + 1] * wo

#define PK_SWAR_FLUSH(p, acc_lo, acc_hi)                                                                 \
    do {                                                                                                 \
        const int32_t lane_lo = (int32_t)((p) << 16) >> 16;                                              \
        acc_lo += lane_lo;                                                                               \
        acc_hi += (int32_t)((p) - (uint32_t)lane_lo) >> 16;                                              \
    } while (0)

#define PK_SWAR_STORE(tok, acc_lo, acc_hi)                                                               \
    y[(tok) * y_stride + o] = (TYPE_Y)pk_rq_sat((acc_lo), qm0, qs0, out_min, out_max);         \
    y[(tok) * y_stride + o + 1] = (TYPE_Y)pk_rq_sat((acc_hi), qm1, qs1, out_min, out_max)

#define PK_DEFINE_LINEAR_W4_I8(NAME, TY)                                                                 \
    static inline PK_NO_SCHED void NAME(const int8_t *x, int32_t T, int32_t in, int32_t x_stride, const uint8_t *w,  \
                            const int32_t *bias, int32_t out, const int32_t *mult, const int8_t *shift,  \
                            int32_t per_row, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)  \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;                                        \
        const int32_t t_wide = T - T % (2 * PK_TOKEN_BLOCK);                                             \
        const int32_t t_blocked = t_wide + (T - t_wide) / PK_TOKEN_BLOCK * PK_TOKEN_BLOCK;               \
        int32_t o, t, g, i;                                                                              \
        for (o = 0; o + 2 <= out; o += 2) {                                                              \
            const uint8_t *w0r = w + o * row_bytes, *w1r = w0r + row_bytes;                              \
            const int32_t b0 = bias ? bias[o] : 0, b1 = bias ? bias[o + 1] : 0;                          \
            const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                     \
            const int32_t qm1 = mult[per_row ? o + 1 : 0], qs1 = shift[per_row ? o + 1 : 0];             \
            const int8_t *xt = x;                                                                        \
            for (t = 0; t < t_wide; t += 2 * PK_TOKEN_BLOCK) {                                           \
                const int8_t *x0 = xt, *x1 = x0 + x_stride, *x2 = x1 + x_stride;                         \
                const int8_t *x3 = x2 + x_stride, *x4 = x3 + x_stride, *x5 = x4 + x_stride;              \
                const int8_t *x6 = x5 + x_stride, *x7 = x6 + x_stride, *x8 = x7 + x_stride;              \
                const int8_t *x9 = x8 + x_stride;                                                        \
                int32_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;                      \
                int32_t a30 = b0, a31 = b1, a40 = b0, a41 = b1, a50 = b0, a51 = b1;                      \
                int32_t a60 = b0, a61 = b1, a70 = b0, a71 = b1, a80 = b0, a81 = b1;                      \
                int32_t a90 = b0, a91 = b1;                                                              \
                for (g = 0; g < pairs; g += PK_SWAR_GROUP) {                                             \
                    const int32_t g_end = g + PK_SWAR_GROUP < pairs ? g + PK_SWAR_GROUP : pairs;         \
                    uint32_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0, p8 = 0;     \
                    uint32_t p9 = 0;                                                                     \
                    for (i = g; i < g_end; ++i) {                                                        \
                        PK_SWAR_PACK(w0r[i], w1r[i], we, wo);                                            \
                        PK_SWAR_MAC(p0, x0, i); PK_SWAR_MAC(p1, x1, i); PK_SWAR_MAC(p2, x2, i);          \
                        PK_SWAR_MAC(p3, x3, i); PK_SWAR_MAC(p4, x4, i); PK_SWAR_MAC(p5, x5, i);          \
                        PK_SWAR_MAC(p6, x6, i); PK_SWAR_MAC(p7, x7, i); PK_SWAR_MAC(p8, x8, i);          \
                        PK_SWAR_MAC(p9, x9, i);                                                          \
                    }                                                                                    \
                    PK_SWAR_FLUSH(p0, a00, a01); PK_SWAR_FLUSH(p1, a10, a11);                            \
                    PK_SWAR_FLUSH(p2, a20, a21); PK_SWAR_FLUSH(p3, a30, a31);                            \
                    PK_SWAR_FLUSH(p4, a40, a41); PK_SWAR_FLUSH(p5, a50, a51);                            \
                    PK_SWAR_FLUSH(p6, a60, a61); PK_SWAR_FLUSH(p7, a70, a71);                            \
                    PK_SWAR_FLUSH(p8, a80, a81); PK_SWAR_FLUSH(p9, a90, a91);                            \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    const int32_t v0 = PK_LO4(w0r[pairs]), v1 = PK_LO4(w1r[pairs]), j = in - 1;          \
                    a00 += x0[j] * v0; a01 += x0[j] * v1; a10 += x1[j] * v0; a11 += x1[j] * v1;          \
                    a20 += x2[j] * v0; a21 += x2[j] * v1; a30 += x3[j] * v0; a31 += x3[j] * v1;          \
                    a40 += x4[j] * v0; a41 += x4[j] * v1; a50 += x5[j] * v0; a51 += x5[j] * v1;          \
                    a60 += x6[j] * v0; a61 += x6[j] * v1; a70 += x7[j] * v0; a71 += x7[j] * v1;          \
                    a80 += x8[j] * v0; a81 += x8[j] * v1; a90 += x9[j] * v0; a91 += x9[j] * v1;          \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01); PK_SWAR_STORE(t + 1, a10, a11);                              \
                PK_SWAR_STORE(t + 2, a20, a21); PK_SWAR_STORE(t + 3, a30, a31);                          \
                PK_SWAR_STORE(t + 4, a40, a41); PK_SWAR_STORE(t + 5, a50, a51);                          \
                PK_SWAR_STORE(t + 6, a60, a61); PK_SWAR_STORE(t + 7, a70, a71);                          \
                PK_SWAR_STORE(t + 8, a80, a81); PK_SWAR_STORE(t + 9, a90, a91);                          \
                xt += 2 * PK_TOKEN_BLOCK * x_stride;                                                     \
            }                                                                                            \
            for (t = t_wide; t < t_blocked; t += PK_TOKEN_BLOCK) {                                       \
                const int8_t *x0 = xt, *x1 = x0 + x_stride, *x2 = x1 + x_stride;                         \
                const int8_t *x3 = x2 + x_stride, *x4 = x3 + x_stride;                                   \
                int32_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;                      \
                int32_t a30 = b0, a31 = b1, a40 = b0, a41 = b1;                                          \
                for (g = 0; g < pairs; g += PK_SWAR_GROUP) {                                             \
                    const int32_t g_end = g + PK_SWAR_GROUP < pairs ? g + PK_SWAR_GROUP : pairs;         \
                    uint32_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0;                                     \
                    for (i = g; i < g_end; ++i) {                                                        \
                        PK_SWAR_PACK(w0r[i], w1r[i], we, wo);                                            \
                        PK_SWAR_MAC(p0, x0, i); PK_SWAR_MAC(p1, x1, i); PK_SWAR_MAC(p2, x2, i);          \
                        PK_SWAR_MAC(p3, x3, i); PK_SWAR_MAC(p4, x4, i);                                  \
                    }                                                                                    \
                    PK_SWAR_FLUSH(p0, a00, a01); PK_SWAR_FLUSH(p1, a10, a11);                            \
                    PK_SWAR_FLUSH(p2, a20, a21); PK_SWAR_FLUSH(p3, a30, a31);                            \
                    PK_SWAR_FLUSH(p4, a40, a41);                                                         \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    const int32_t v0 = PK_LO4(w0r[pairs]), v1 = PK_LO4(w1r[pairs]), j = in - 1;          \
                    a00 += x0[j] * v0; a01 += x0[j] * v1; a10 += x1[j] * v0; a11 += x1[j] * v1;          \
                    a20 += x2[j] * v0; a21 += x2[j] * v1; a30 += x3[j] * v0; a31 += x3[j] * v1;          \
                    a40 += x4[j] * v0; a41 += x4[j] * v1;                                                \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01); PK_SWAR_STORE(t + 1, a10, a11);                              \
                PK_SWAR_STORE(t + 2, a20, a21); PK_SWAR_STORE(t + 3, a30, a31);                          \
                PK_SWAR_STORE(t + 4, a40, a41);                                                          \
                xt += PK_TOKEN_BLOCK * x_stride;                                                         \
            }                                                                                            \
            for (t = t_blocked; t < T; ++t) {                                                            \
                const int8_t *x0 = xt;                                                                   \
                int32_t a00 = b0, a01 = b1;                                                              \
                xt += x_stride;                                                                          \
                for (g = 0; g < pairs; g += PK_SWAR_GROUP) {                                             \
                    const int32_t g_end = g + PK_SWAR_GROUP < pairs ? g + PK_SWAR_GROUP : pairs;         \
                    uint32_t p0 = 0;                                                                     \
                    for (i = g; i < g_end; ++i) {                                                        \
                        PK_SWAR_PACK(w0r[i], w1r[i], we, wo);                                            \
                        PK_SWAR_MAC(p0, x0, i);                                                          \
                    }                                                                                    \
                    PK_SWAR_FLUSH(p0, a00, a01);                                                         \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    a00 += x0[in - 1] * PK_LO4(w0r[pairs]);                                              \
                    a01 += x0[in - 1] * PK_LO4(w1r[pairs]);                                              \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01);                                                              \
            }                                                                                            \
        }                                                                                                \
        if (o < out) /* odd row count: the last row through the plain kernel */                          \
            NAME##_plain(x, T, in, x_stride, w + o * row_bytes, bias ? bias + o : 0, 1,                  \
                         per_row ? mult + o : mult, per_row ? shift + o : shift, per_row, out_min,       \
                         out_max, y + o, y_stride);                                                      \
    }

/* ---------------------------------------------------------------- linear: x86-64 host variant */

/* Host speed only (the virtual node, `pose-edge bench` hostUs, parity runs on a PC). The register-blocked
 * kernels above are shaped for rv32imc (no SIMD, few registers); on an x86-64 host they leave the vector
 * units idle. On x86-64 gcc/clang builds only, the fast pk_linear_* below replace them with loops a
 * compiler auto-vectorizes (int16 x int16 -> int32 multiply-add, pmaddwd / vpmaddwd):
 *   - x is copied once per call into two int16 planes, even and odd inputs of each token (an odd `in`
 *     pads the odd plane with 0), so the loops never see int8 or int4 data;
 *   - each weight row is unpacked once into the same even/odd int16 planes (for int4: the low and the
 *     high nibbles of each byte), then applied to every token, two tokens per pass;
 *   - the dot product is a plain loop over int16 pairs, accumulated in int32.
 * Every product and sum is the same integer as in the kernels above and the compiler's bound
 * (sum |x| |w| + |bias| < 2^31) holds for every partial sum in any order, so results are bit-exact;
 * requantization is the shared pk_rq_sat. With gcc the functions are also cloned for AVX2, picked at
 * load time (ifunc); other compilers vectorize at their own -O2 default. Shapes beyond the scratch
 * buffers (in > PK_VEC_MAX_IN or T (in + 1) / 2 > PK_VEC_MAX_X / 2) go through the _plain kernels. No
 * intrinsics, no heap: about 10 KB of stack scratch, which a host has. rv32imc, xtensa and every other
 * target compile the #else branch: the kernels above, unchanged. */
#if defined(__x86_64__) && defined(__GNUC__)
#define PK_HOST_VEC 1
#if defined(__clang__)
#define PK_VEC_ATTR
#else
#define PK_VEC_ATTR __attribute__((optimize("O2", "tree-vectorize"), target_clones("avx2", "default")))
#endif
#define PK_VEC_MAX_IN 1024
#define PK_VEC_MAX_X 4096

/* Unpack weight row o into the even/odd planes we, wo (h = (in + 1) / 2 entries each). */
#define PK_VEC_UNPACK_W4                                                                                 \
    do {                                                                                                 \
        const uint8_t *r = w + o * h;                                                                    \
        for (j = 0; j < h; ++j) {                                                                        \
            we[j] = (int16_t)PK_LO4(r[j]);                                                               \
            wo[j] = (int16_t)PK_HI4(r[j]);                                                               \
        }                                                                                                \
        if (in & 1) wo[h - 1] = 0; /* the pad nibble is 0 anyway; x's odd plane is 0 there too */        \
    } while (0)
#define PK_VEC_UNPACK_W8                                                                                 \
    do {                                                                                                 \
        const int8_t *r = w + o * in;                                                                    \
        for (j = 0; j < in / 2; ++j) {                                                                   \
            we[j] = r[2 * j];                                                                            \
            wo[j] = r[2 * j + 1];                                                                        \
        }                                                                                                \
        if (in & 1) {                                                                                    \
            we[h - 1] = r[in - 1];                                                                       \
            wo[h - 1] = 0;                                                                               \
        }                                                                                                \
    } while (0)

#define PK_DEFINE_LINEAR_VEC(NAME, TX, TY, WT, UNPACK)                                                   \
    static inline PK_VEC_ATTR void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride, const WT *w, \
                                        const int32_t *bias, int32_t out, const int32_t *mult,           \
                                        const int8_t *shift, int32_t per_row, int32_t out_min,           \
                                        int32_t out_max, TY *y, int32_t y_stride)                        \
    {                                                                                                    \
        int16_t we[PK_VEC_MAX_IN / 2], wo[PK_VEC_MAX_IN / 2];                                            \
        int16_t xe[PK_VEC_MAX_X / 2], xo[PK_VEC_MAX_X / 2];                                              \
        const int32_t h = (in + 1) >> 1;                                                                 \
        int32_t o, t, j;                                                                                 \
        if (in > PK_VEC_MAX_IN || T * h > PK_VEC_MAX_X / 2) {                                            \
            NAME##_plain(x, T, in, x_stride, w, bias, out, mult, shift, per_row, out_min, out_max, y,    \
                         y_stride);                                                                      \
            return;                                                                                      \
        }                                                                                                \
        for (t = 0; t < T; ++t) {                                                                        \
            const TX *xt = x + t * x_stride;                                                             \
            int16_t *e = xe + t * h, *d = xo + t * h;                                                    \
            for (j = 0; j < in / 2; ++j) {                                                               \
                e[j] = xt[2 * j];                                                                        \
                d[j] = xt[2 * j + 1];                                                                    \
            }                                                                                            \
            if (in & 1) {                                                                                \
                e[h - 1] = xt[in - 1];                                                                   \
                d[h - 1] = 0;                                                                            \
            }                                                                                            \
        }                                                                                                \
        for (o = 0; o < out; ++o) {                                                                      \
            const int32_t b = bias ? bias[o] : 0;                                                        \
            const int32_t qm = mult[per_row ? o : 0], qs = shift[per_row ? o : 0];                       \
            UNPACK;                                                                                      \
            for (t = 0; t + 1 < T; t += 2) {                                                             \
                const int16_t *e0 = xe + t * h, *d0 = xo + t * h, *e1 = e0 + h, *d1 = d0 + h;            \
                int32_t a0 = 0, a1 = 0;                                                                  \
                for (j = 0; j < h; ++j) {                                                                \
                    a0 += e0[j] * we[j] + d0[j] * wo[j];                                                 \
                    a1 += e1[j] * we[j] + d1[j] * wo[j];                                                 \
                }                                                                                        \
                y[t * y_stride + o] = (TY)pk_rq_sat(a0 + b, qm, qs, out_min, out_max);                   \
                y[(t + 1) * y_stride + o] = (TY)pk_rq_sat(a1 + b, qm, qs, out_min, out_max);             \
            }                                                                                            \
            if (t < T) {                                                                                 \
                const int16_t *e0 = xe + t * h, *d0 = xo + t * h;                                        \
                int32_t a0 = 0;                                                                          \
                for (j = 0; j < h; ++j) a0 += e0[j] * we[j] + d0[j] * wo[j];                             \
                y[t * y_stride + o] = (TY)pk_rq_sat(a0 + b, qm, qs, out_min, out_max);                   \
            }                                                                                            \
        }                                                                                                \
    }
#endif /* x86-64 host */

PK_DEFINE_LINEAR_W4(pk_linear_w4_i8_i8_plain, int8_t, int8_t)
PK_DEFINE_LINEAR_W4(pk_linear_w4_i8_i16_plain, int8_t, int16_t)
#ifdef PK_HOST_VEC
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i8_i8, int8_t, int8_t, uint8_t, PK_VEC_UNPACK_W4)
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i8_i16, int8_t, int16_t, uint8_t, PK_VEC_UNPACK_W4)
#else
PK_DEFINE_LINEAR_W4_I8(pk_linear_w4_i8_i8, int8_t)
PK_DEFINE_LINEAR_W4_I8(pk_linear_w4_i8_i16, int16_t)
#endif
/* int16 activations x int4 weights: products reach 2^18, too wide for 16-bit lanes, so two output rows
 * use separate accumulators instead; each activation load then serves two rows (5 tokens x 2 rows = 10
 * accumulators in registers). An odd last row goes through the plain kernel. */
#define PK_MAC2(a0, a1, xp)                                                                              \
    do {                                                                                                 \
        const int32_t xa = (xp)[2 * i], xb = (xp)[2 * i + 1];                                            \
        a0 += xa * v00 + xb * v01;                                                                       \
        a1 += xa * v10 + xb * v11;                                                                       \
    } while (0)

#define PK_DEFINE_LINEAR_W4_ROWPAIR(NAME, TX, TY)                                                        \
    static inline PK_NO_SCHED void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride, const uint8_t *w,      \
                            const int32_t *bias, int32_t out, const int32_t *mult, const int8_t *shift,  \
                            int32_t per_row, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)  \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;                                        \
        int32_t o, t, i, t_blocked = T - T % PK_TOKEN_BLOCK;                                             \
        for (o = 0; o + 2 <= out; o += 2) {                                                              \
            const uint8_t *w0r = w + o * row_bytes, *w1r = w0r + row_bytes;                              \
            const int32_t b0 = bias ? bias[o] : 0, b1 = bias ? bias[o + 1] : 0;                          \
            const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                     \
            const int32_t qm1 = mult[per_row ? o + 1 : 0], qs1 = shift[per_row ? o + 1 : 0];             \
            const TX *xt = x;                                                                            \
            for (t = 0; t < t_blocked; t += PK_TOKEN_BLOCK) {                                            \
                const TX *x0 = xt, *x1 = x0 + x_stride, *x2 = x1 + x_stride;                             \
                const TX *x3 = x2 + x_stride, *x4 = x3 + x_stride;                                       \
                int32_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;                      \
                int32_t a30 = b0, a31 = b1, a40 = b0, a41 = b1;                                          \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const uint32_t u0 = w0r[i], u1 = w1r[i];                                             \
                    const int32_t v00 = PK_LO4(u0), v01 = PK_HI4(u0), v10 = PK_LO4(u1), v11 = PK_HI4(u1); \
                    PK_MAC2(a00, a01, x0); PK_MAC2(a10, a11, x1); PK_MAC2(a20, a21, x2);                 \
                    PK_MAC2(a30, a31, x3); PK_MAC2(a40, a41, x4);                                        \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    const int32_t v0 = PK_LO4(w0r[pairs]), v1 = PK_LO4(w1r[pairs]), j = in - 1;          \
                    a00 += x0[j] * v0; a01 += x0[j] * v1; a10 += x1[j] * v0; a11 += x1[j] * v1;          \
                    a20 += x2[j] * v0; a21 += x2[j] * v1; a30 += x3[j] * v0; a31 += x3[j] * v1;          \
                    a40 += x4[j] * v0; a41 += x4[j] * v1;                                                \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01); PK_SWAR_STORE(t + 1, a10, a11);                              \
                PK_SWAR_STORE(t + 2, a20, a21); PK_SWAR_STORE(t + 3, a30, a31);                          \
                PK_SWAR_STORE(t + 4, a40, a41);                                                          \
                xt += PK_TOKEN_BLOCK * x_stride;                                                         \
            }                                                                                            \
            for (t = t_blocked; t < T; ++t) {                                                            \
                const TX *x0 = xt;                                                                       \
                int32_t a00 = b0, a01 = b1;                                                              \
                xt += x_stride;                                                                          \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const uint32_t u0 = w0r[i], u1 = w1r[i];                                             \
                    const int32_t v00 = PK_LO4(u0), v01 = PK_HI4(u0), v10 = PK_LO4(u1), v11 = PK_HI4(u1); \
                    PK_MAC2(a00, a01, x0);                                                               \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    a00 += x0[in - 1] * PK_LO4(w0r[pairs]);                                              \
                    a01 += x0[in - 1] * PK_LO4(w1r[pairs]);                                              \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01);                                                              \
            }                                                                                            \
        }                                                                                                \
        if (o < out) /* odd row count: the last row through the plain kernel */                          \
            NAME##_plain(x, T, in, x_stride, w + o * row_bytes, bias ? bias + o : 0, 1,                  \
                         per_row ? mult + o : mult, per_row ? shift + o : shift, per_row, out_min,       \
                         out_max, y + o, y_stride);                                                      \
    }

PK_DEFINE_LINEAR_W4(pk_linear_w4_i16_i8_plain, int16_t, int8_t)
PK_DEFINE_LINEAR_W4(pk_linear_w4_i16_i16_plain, int16_t, int16_t)
#ifdef PK_HOST_VEC
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i16_i8, int16_t, int8_t, uint8_t, PK_VEC_UNPACK_W4)
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i16_i16, int16_t, int16_t, uint8_t, PK_VEC_UNPACK_W4)
#else
PK_DEFINE_LINEAR_W4_ROWPAIR(pk_linear_w4_i16_i8, int16_t, int8_t)
PK_DEFINE_LINEAR_W4_ROWPAIR(pk_linear_w4_i16_i16, int16_t, int16_t)
#endif
/* int8 weights: two output rows per pass, so each activation load serves two rows (as for int16 x int4). */
#define PK_MAC1x2(a0, a1, xp)                                                                            \
    do {                                                                                                 \
        const int32_t xa = (xp)[i];                                                                      \
        a0 += xa * v0;                                                                                   \
        a1 += xa * v1;                                                                                   \
    } while (0)

#define PK_DEFINE_LINEAR_W8_ROWPAIR(NAME, TX, TY)                                                        \
    static inline PK_NO_SCHED void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride,            \
                                        const int8_t *w, const int32_t *bias, int32_t out,               \
                                        const int32_t *mult, const int8_t *shift, int32_t per_row,       \
                                        int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)       \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        int32_t o, t, i, t_blocked = T - T % PK_TOKEN_BLOCK;                                             \
        for (o = 0; o + 2 <= out; o += 2) {                                                              \
            const int8_t *w0r = w + o * in, *w1r = w0r + in;                                             \
            const int32_t b0 = bias ? bias[o] : 0, b1 = bias ? bias[o + 1] : 0;                          \
            const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                     \
            const int32_t qm1 = mult[per_row ? o + 1 : 0], qs1 = shift[per_row ? o + 1 : 0];             \
            const TX *xt = x;                                                                            \
            for (t = 0; t < t_blocked; t += PK_TOKEN_BLOCK) {                                            \
                const TX *x0 = xt, *x1 = x0 + x_stride, *x2 = x1 + x_stride;                             \
                const TX *x3 = x2 + x_stride, *x4 = x3 + x_stride;                                       \
                int32_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;                      \
                int32_t a30 = b0, a31 = b1, a40 = b0, a41 = b1;                                          \
                for (i = 0; i < in; ++i) {                                                               \
                    const int32_t v0 = w0r[i], v1 = w1r[i];                                              \
                    PK_MAC1x2(a00, a01, x0); PK_MAC1x2(a10, a11, x1); PK_MAC1x2(a20, a21, x2);           \
                    PK_MAC1x2(a30, a31, x3); PK_MAC1x2(a40, a41, x4);                                    \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01); PK_SWAR_STORE(t + 1, a10, a11);                              \
                PK_SWAR_STORE(t + 2, a20, a21); PK_SWAR_STORE(t + 3, a30, a31);                          \
                PK_SWAR_STORE(t + 4, a40, a41);                                                          \
                xt += PK_TOKEN_BLOCK * x_stride;                                                         \
            }                                                                                            \
            for (t = t_blocked; t < T; ++t) {                                                            \
                const TX *x0 = xt;                                                                       \
                int32_t a00 = b0, a01 = b1;                                                              \
                xt += x_stride;                                                                          \
                for (i = 0; i < in; ++i) {                                                               \
                    const int32_t v0 = w0r[i], v1 = w1r[i];                                              \
                    PK_MAC1x2(a00, a01, x0);                                                             \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01);                                                              \
            }                                                                                            \
        }                                                                                                \
        if (o < out) /* odd row count: the last row through the plain kernel */                          \
            NAME##_plain(x, T, in, x_stride, w + o * in, bias ? bias + o : 0, 1,                         \
                         per_row ? mult + o : mult, per_row ? shift + o : shift, per_row, out_min,       \
                         out_max, y + o, y_stride);                                                      \
    }

PK_DEFINE_LINEAR_W8(pk_linear_w8_i8_i8_plain, int8_t, int8_t)
PK_DEFINE_LINEAR_W8(pk_linear_w8_i8_i16_plain, int8_t, int16_t)
PK_DEFINE_LINEAR_W8(pk_linear_w8_i16_i8_plain, int16_t, int8_t)
PK_DEFINE_LINEAR_W8(pk_linear_w8_i16_i16_plain, int16_t, int16_t)
#ifdef PK_HOST_VEC
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i8_i8, int8_t, int8_t, int8_t, PK_VEC_UNPACK_W8)
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i8_i16, int8_t, int16_t, int8_t, PK_VEC_UNPACK_W8)
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i16_i8, int16_t, int8_t, int8_t, PK_VEC_UNPACK_W8)
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i16_i16, int16_t, int16_t, int8_t, PK_VEC_UNPACK_W8)
#else
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i8_i8, int8_t, int8_t)
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i8_i16, int8_t, int16_t)
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i16_i8, int16_t, int8_t)
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i16_i16, int16_t, int16_t)
#endif

/* ---------------------------------------------------------------- element-wise */

/* y = sat(floor((a * mult_a + b * mult_b + 2^(n-1)) / 2^n)), n = 31 + shift: both inputs are brought to
 * the output scale with the same shift and rounded once (|a|, |b| < 2^15 and mult < 2^31: < 2^47). */
#define PK_DEFINE_ADD(NAME, TA, TB, TY)                                                                  \
    static inline void NAME(const TA *a, const TB *b, int32_t n, int32_t mult_a, int32_t mult_b,         \
                            int32_t shift, int32_t out_min, int32_t out_max, TY *y)                      \
    {                                                                                                    \
        const int32_t sh = 31 + shift;                                                                   \
        const int64_t half = (int64_t)1 << (sh - 1);                                                     \
        int32_t i;                                                                                       \
        for (i = 0; i < n; ++i)                                                                          \
            y[i] = (TY)pk_sat(((int64_t)a[i] * mult_a + (int64_t)b[i] * mult_b + half) >> sh, out_min,   \
                              out_max);                                                                  \
    }

PK_DEFINE_ADD(pk_add_i8_i8_i8, int8_t, int8_t, int8_t)
PK_DEFINE_ADD(pk_add_i8_i8_i16, int8_t, int8_t, int16_t)
PK_DEFINE_ADD(pk_add_i8_i16_i8, int8_t, int16_t, int8_t)
PK_DEFINE_ADD(pk_add_i8_i16_i16, int8_t, int16_t, int16_t)
PK_DEFINE_ADD(pk_add_i16_i8_i8, int16_t, int8_t, int8_t)
PK_DEFINE_ADD(pk_add_i16_i8_i16, int16_t, int8_t, int16_t)
PK_DEFINE_ADD(pk_add_i16_i16_i8, int16_t, int16_t, int8_t)
PK_DEFINE_ADD(pk_add_i16_i16_i16, int16_t, int16_t, int16_t)

/* y may alias x. */
#define PK_DEFINE_RELU(NAME, TX)                                                                         \
    static inline void NAME(const TX *x, int32_t n, TX *y)                                               \
    {                                                                                                    \
        int32_t i;                                                                                       \
        for (i = 0; i < n; ++i) y[i] = x[i] < 0 ? (TX)0 : x[i];                                          \
    }

PK_DEFINE_RELU(pk_relu_i8, int8_t)
PK_DEFINE_RELU(pk_relu_i16, int16_t)

/* 256-entry table built by the compiler from the exact float function: y = table[x + 128]. */
#define PK_DEFINE_LUT8(NAME, TY)                                                                         \
    static inline void NAME(const int8_t *x, int32_t n, const TY *table, TY *y)                          \
    {                                                                                                    \
        int32_t i;                                                                                       \
        for (i = 0; i < n; ++i) y[i] = table[x[i] + 128];                                                \
    }

PK_DEFINE_LUT8(pk_lut8_i8, int8_t)
PK_DEFINE_LUT8(pk_lut8_i16, int16_t)

/* int16 input through a 513-point table sampled every 128 codes (table[i] = f at code -32768 + 128 i, in
 * output codes; the compiler keeps every entry inside the output type): u = x + 32768, i = u >> 7,
 * r = u & 127, y = table[i] + floor(((table[i+1] - table[i]) * r + 64) / 128). */
#define PK_DEFINE_LUT16_INTERP(NAME, TY)                                                                 \
    static inline void NAME(const int16_t *x, int32_t n, const int16_t *table, TY *y)                    \
    {                                                                                                    \
        int32_t i;                                                                                       \
        for (i = 0; i < n; ++i) {                                                                        \
            const int32_t u = x[i] + 32768, j = u >> 7, r = u & 127;                                     \
            const int32_t t0 = table[j];                                                                 \
            y[i] = (TY)(t0 + (((table[j + 1] - t0) * r + 64) >> 7));                                     \
        }                                                                                                \
    }

PK_DEFINE_LUT16_INTERP(pk_lut16_interp_i8, int8_t)
PK_DEFINE_LUT16_INTERP(pk_lut16_interp_i16, int16_t)

/* ---------------------------------------------------------------- layer normalization */

/* floor(sqrt(v)), digit by digit: deterministic, no division. */
static inline uint32_t pk_isqrt64(uint64_t v)
{
    uint64_t res = 0, bit = (uint64_t)1 << 62;
    while (bit > v) bit >>= 2;
    while (bit != 0) {
        if (v >= res + bit) {
            v -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)res;
}

/* Per row of d values (d <= 128, eps_q < 2^56), with E = PK_LN_EPS_FRAC_I8 / _I16 by the input type:
 *   S = sum x;  c_i = d x_i - S  (= d (x_i - mean), exact);  V = sum c_i^2  (< 2^37 for int8, < 2^53 for int16);
 *   W = V 2^E + eps_q  (eps_q = round(eps d^3 2^E / s_x^2): eps with E fraction bits), W = max(W, 2^E)
 *   (W < 2^E only when V = 0, where every c_i is 0 anyway); a = the least a >= 0 with W 4^a >= 2^60;
 *   s = isqrt(W 4^a); R = floor(2^60 / s);
 *   t_i = round_half_up(c_i R / 2^(30 - E/2 - a))      (= z_i / sqrt(d) in Q30, z the normalized value)
 *   acc_i = round_half_up(t_i gamma_i / 2^pre_shift) + beta_i;   y_i = sat(requant(acc_i, mult, shift)).
 * gamma is int16 (scale s_g), beta int32 in accumulator units s_acc = 2^(pre_shift-30) sqrt(d) s_g; the
 * compiler keeps |acc| < 2^31 (pre_shift 15 with |beta_q| < 2^30 does). */
#define PK_LN_EPS_FRAC_I8 20
#define PK_LN_EPS_FRAC_I16 8

#define PK_DEFINE_LAYERNORM(NAME, TX, TY, E)                                                            \
    static inline void NAME(const TX *x, int32_t T, int32_t d, int32_t x_stride, int64_t eps_q,          \
                            const int16_t *gamma, const int32_t *beta, int32_t pre_shift, int32_t mult,  \
                            int32_t shift, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)    \
    {                                                                                                    \
        const int64_t pre_half = pre_shift > 0 ? (int64_t)1 << (pre_shift - 1) : 0;                      \
        int32_t t, i;                                                                                    \
        for (t = 0; t < T; ++t) {                                                                        \
            const TX *xr = x + t * x_stride;                                                             \
            TY *yr = y + t * y_stride;                                                                   \
            int32_t sum = 0, a = 0, h, r;                                                                \
            int64_t var = 0, t_half;                                                                     \
            uint64_t w;                                                                                  \
            for (i = 0; i < d; ++i) sum += xr[i];                                                        \
            for (i = 0; i < d; ++i) {                                                                    \
                const int32_t c = d * xr[i] - sum;                                                       \
                var += (int64_t)c * c;                                                                   \
            }                                                                                            \
            w = ((uint64_t)var << (E)) + (uint64_t)eps_q;                                                \
            if (w < ((uint64_t)1 << (E))) w = (uint64_t)1 << (E);                                        \
            while ((w << (2 * a)) < ((uint64_t)1 << 60)) ++a;                                            \
            r = (int32_t)(((uint64_t)1 << 60) / pk_isqrt64(w << (2 * a))); /* <= 2^30 */                \
            h = 30 - (E) / 2 - a;                                                                        \
            t_half = h > 0 ? (int64_t)1 << (h - 1) : 0;                                                  \
            for (i = 0; i < d; ++i) {                                                                    \
                const int32_t c = d * xr[i] - sum;                                                       \
                const int32_t tq = (int32_t)(((int64_t)c * r + t_half) >> h);                            \
                const int32_t acc = (int32_t)(((int64_t)tq * gamma[i] + pre_half) >> pre_shift) + beta[i]; \
                yr[i] = (TY)pk_rq_sat(acc, mult, shift, out_min, out_max);                      \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_LAYERNORM(pk_layernorm_i8_i8, int8_t, int8_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM(pk_layernorm_i8_i16, int8_t, int16_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM(pk_layernorm_i16_i8, int16_t, int8_t, PK_LN_EPS_FRAC_I16)
PK_DEFINE_LAYERNORM(pk_layernorm_i16_i16, int16_t, int16_t, PK_LN_EPS_FRAC_I16)

/* ---------------------------------------------------------------- softmax */

/* round(2^30 * 2^(-k/256)), k = 0..256 */
static const uint32_t pk_exp2_neg_q30[257] = {
    1073741824u, 1070838486u, 1067942999u, 1065055341u, 1062175491u, 1059303428u, 1056439131u, 1053582579u,
    1050733751u, 1047892626u, 1045059183u, 1042233401u, 1039415261u, 1036604740u, 1033801819u, 1031006477u,
    1028218693u, 1025438448u, 1022665720u, 1019900489u, 1017142735u, 1014392438u, 1011649578u, 1008914134u,
    1006186087u, 1003465416u, 1000752102u, 998046124u, 995347464u, 992656100u, 989972014u, 987295185u,
    984625594u, 981963222u, 979308048u, 976660054u, 974019220u, 971385527u, 968758955u, 966139485u,
    963527098u, 960921775u, 958323496u, 955732243u, 953147997u, 950570738u, 948000448u, 945437108u,
    942880699u, 940331203u, 937788600u, 935252872u, 932724001u, 930201967u, 927686753u, 925178340u,
    922676710u, 920181844u, 917693724u, 915212331u, 912737649u, 910269657u, 907808339u, 905353676u,
    902905651u, 900464244u, 898029440u, 895601218u, 893179563u, 890764456u, 888355878u, 885953814u,
    883558244u, 881169153u, 878786521u, 876410331u, 874040567u, 871677210u, 869320244u, 866969651u,
    864625413u, 862287515u, 859955938u, 857630665u, 855311680u, 852998965u, 850692504u, 848392279u,
    846098274u, 843810471u, 841528855u, 839253408u, 836984114u, 834720956u, 832463917u, 830212982u,
    827968132u, 825729353u, 823496627u, 821269938u, 819049271u, 816834607u, 814625932u, 812423229u,
    810226483u, 808035676u, 805850792u, 803671817u, 801498734u, 799331526u, 797170178u, 795014675u,
    792865000u, 790721137u, 788583072u, 786450787u, 784324269u, 782203500u, 780088465u, 777979150u,
    775875538u, 773777614u, 771685363u, 769598769u, 767517817u, 765442492u, 763372778u, 761308661u,
    759250125u, 757197155u, 755149737u, 753107854u, 751071493u, 749040637u, 747015274u, 744995386u,
    742980960u, 740971982u, 738968435u, 736970306u, 734977579u, 732990241u, 731008277u, 729031671u,
    727060411u, 725094480u, 723133865u, 721178552u, 719228525u, 717283772u, 715344277u, 713410026u,
    711481005u, 709557200u, 707638598u, 705725183u, 703816941u, 701913860u, 700015924u, 698123120u,
    696235434u, 694352853u, 692475362u, 690602947u, 688735596u, 686873293u, 685016026u, 683163781u,
    681316545u, 679474303u, 677637043u, 675804750u, 673977412u, 672155015u, 670337545u, 668524990u,
    666717336u, 664914570u, 663116678u, 661323648u, 659535466u, 657752119u, 655973594u, 654199878u,
    652430958u, 650666822u, 648907455u, 647152846u, 645402981u, 643657847u, 641917433u, 640181724u,
    638450708u, 636724373u, 635002706u, 633285695u, 631573326u, 629865587u, 628162466u, 626463950u,
    624770026u, 623080683u, 621395908u, 619715688u, 618040012u, 616368866u, 614702239u, 613040119u,
    611382493u, 609729349u, 608080675u, 606436459u, 604796689u, 603161352u, 601530438u, 599903933u,
    598281827u, 596664106u, 595050760u, 593441776u, 591837143u, 590236848u, 588640881u, 587049229u,
    585461881u, 583878825u, 582300049u, 580725543u, 579155293u, 577589290u, 576027521u, 574469975u,
    572916640u, 571367506u, 569822560u, 568281792u, 566745190u, 565212742u, 563684439u, 562160268u,
    560640218u, 559124278u, 557612438u, 556104685u, 554601009u, 553101399u, 551605844u, 550114332u,
    548626854u, 547143398u, 545663953u, 544188508u, 542717053u, 541249576u, 539786068u, 538326517u,
    536870912u
};

/* exp(-diff * s) in Q24 for diff >= 0, where (mult, shift) encodes s * log2(e) * 2^16: v = requant(diff)
 * is -log2 of the result in Q16; 2^(-frac) by linear interpolation in the 257-entry table (Q30), then
 * shifted right by the integer part with rounding. diff is clamped to 2^31 - 1 (the compiler checks that
 * this is already far beyond exp underflow for the scale at hand). pk_exp_q24_u31 takes the clamped diff. */
static inline uint32_t pk_exp_q24_u31(uint32_t diff, int32_t mult, int32_t shift)
{
    const int32_t n = 31 + shift;
    const uint32_t *tp;
    uint32_t v, t;
    if (n >= 32) {
        /* diff, mult < 2^31: with diff mult = hi 2^32 + lo, requant = hi + (lo >> 31) for n = 32 and
         * (hi + 2^(n-33)) >> (n-32) for n >= 33 (pk_requant's identity); v < 2^30. 32-bit on rv32. */
        const uint64_t prod = (uint64_t)diff * (uint32_t)mult;
        const uint32_t hi = (uint32_t)(prod >> 32);
        v = n == 32 ? hi + ((uint32_t)prod >> 31) : (hi + ((uint32_t)1 << (n - 33))) >> (n - 32);
    } else {
        const int64_t w = pk_requant((int32_t)diff, mult, shift);
        if (w >= ((int64_t)25 << 16)) return 0;
        v = (uint32_t)w;
    }
    if (v >= (uint32_t)25 << 16) return 0;
    tp = pk_exp2_neg_q30 + ((v >> 8) & 0xffu);
    t = tp[0] - (((tp[0] - tp[1]) * (v & 0xffu) + 128u) >> 8);
    /* floor((t + 2^(ip+5)) / 2^(ip+6)) for ip = v >> 16, as ((t >> (ip+5)) + 1) >> 1 */
    return ((t >> ((v >> 16) + 5)) + 1u) >> 1;
}

static inline uint32_t pk_exp_q24(int64_t diff, int32_t mult, int32_t shift)
{
    return pk_exp_q24_u31((uint32_t)(diff > 0x7fffffff ? 0x7fffffff : diff), mult, shift);
}

/* p_j = min(32767, floor((e_j R + 2^39) / 2^40)), e_j = pk_exp_q24(max - x_j), R = floor(2^55 / sum e):
 * one divide per row, probabilities in Q0.15. n <= 128 keeps sum e <= 2^31. The int16-output variants
 * evaluate each exp twice (no scratch); the in-place int32 variant (attention, pooling) keeps e_j in p. */
#define PK_DEFINE_SOFTMAX(NAME, TX, TP)                                                                  \
    static inline void NAME(const TX *x, int32_t n, int32_t mult, int32_t shift, TP *p)                  \
    {                                                                                                    \
        int64_t mx = x[0];                                                                               \
        uint32_t sum = 0, recip;                                                                         \
        int32_t j;                                                                                       \
        for (j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;                                              \
        for (j = 0; j < n; ++j) sum += pk_exp_q24(mx - x[j], mult, shift);                               \
        recip = (uint32_t)(((uint64_t)1 << 55) / sum);                                                   \
        for (j = 0; j < n; ++j) {                                                                        \
            const uint64_t e = pk_exp_q24(mx - x[j], mult, shift);                                       \
            const uint32_t q = (uint32_t)((e * recip + ((uint64_t)1 << 39)) >> 40);                      \
            p[j] = (TP)(q > 32767u ? 32767u : q);                                                        \
        }                                                                                                \
    }

PK_DEFINE_SOFTMAX(pk_softmax_row_i16, int16_t, int16_t)
PK_DEFINE_SOFTMAX(pk_softmax_row_i32, int32_t, int16_t)

/* Same values as pk_softmax_row_i32; p may be x. 32-bit max and differences: mx - x_j is exact in
 * uint32 (it lies in [0, 2^32 - 1]). e_j <= sum e (n <= 128: no wrap) gives e_j R <= 2^55, so q <= 2^15
 * and min(32767, q) = q - (q >> 15). The _mx variant takes the row's maximum (the attention finds it
 * while it writes the logits). */
static inline void pk_softmax_row_i32_inplace_mx(const int32_t *x, int32_t n, int32_t mx, int32_t mult, int32_t shift,
                                                 int32_t *p)
{
    uint32_t sum = 0, recip;
    int32_t j;
    for (j = 0; j < n; ++j) {
        const uint32_t diff = (uint32_t)mx - (uint32_t)x[j];
        const uint32_t e = pk_exp_q24_u31(diff > 0x7fffffffu ? 0x7fffffffu : diff, mult, shift);
        p[j] = (int32_t)e;
        sum += e;
    }
    recip = (uint32_t)(((uint64_t)1 << 55) / sum);
    for (j = 0; j < n; ++j) {
        const uint32_t q = (uint32_t)(((uint64_t)(uint32_t)p[j] * recip + ((uint64_t)1 << 39)) >> 40);
        p[j] = (int32_t)(q - (q >> 15));
    }
}

static inline void pk_softmax_row_i32_inplace(const int32_t *x, int32_t n, int32_t mult, int32_t shift, int32_t *p)
{
    int32_t mx = x[0], j;
    for (j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
    pk_softmax_row_i32_inplace_mx(x, n, mx, mult, shift, p);
}

/* ---------------------------------------------------------------- attention */

/* Logits of one query row qr against the T keys k + j ld (the head's hd columns):
 *   scratch[j] = floor((sum_c qr[c] k_jc + 2^(ls-1)) / 2^ls), as int32 (ls = logit_shift);
 * returns their maximum (the softmax needs it). int8 q, k: |products| <= 2^14, so the int32 sum is exact
 * (hd < 2^17). Two keys per pass share the query loads. */
static inline int32_t pk_attention_logits_i8(const int8_t *qr, const int8_t *k, int32_t ld, int32_t T, int32_t hd,
                                             int32_t logit_shift, int32_t *scratch)
{
    const int32_t half = logit_shift > 0 ? (int32_t)1 << (logit_shift - 1) : 0;
    int32_t j, c, mx = INT32_MIN;
    for (j = 0; j + 2 <= T; j += 2) {
        const int8_t *k0 = k + j * ld, *k1 = k0 + ld;
        int32_t acc0 = 0, acc1 = 0;
        for (c = 0; c < hd; ++c) {
            const int32_t qc = qr[c];
            acc0 += qc * k0[c];
            acc1 += qc * k1[c];
        }
        acc0 = (acc0 + half) >> logit_shift;
        acc1 = (acc1 + half) >> logit_shift;
        scratch[j] = acc0;
        scratch[j + 1] = acc1;
        mx = acc0 > mx ? acc0 : mx;
        mx = acc1 > mx ? acc1 : mx;
    }
    if (T & 1) {
        const int8_t *k0 = k + (T - 1) * ld;
        int32_t acc0 = 0;
        for (c = 0; c < hd; ++c) acc0 += qr[c] * k0[c];
        acc0 = (acc0 + half) >> logit_shift;
        scratch[T - 1] = acc0;
        mx = acc0 > mx ? acc0 : mx;
    }
    return mx;
}

/* int16 q, k: one product reaches 2^30 and hd = 32 of them 2^35. An int64 accumulator costs mul, mulh,
 * add, sltu, add, add per MAC on rv32; exact int32 pieces cost mul, mul, sub, add, srai, add per pair of
 * MACs (plus the k loads: 4.45 instructions per MAC in all, measured on micro int4):
 *  - per pair of columns, m = (-q0) k0 - q1 k1 = -(q0 k0 + q1 k1) lies in [-2^31, 2^31 - 2^16] because
 *    -q0 is in [-32767, 32768]: always an exact int32 (the sum itself would reach 2^31 at q = k = -32768);
 *  - per key, lo = sum m mod 2^32 and hi = sum (m >> 16). With M = sum m = hi 2^16 + r, where
 *    r = sum (m & 0xffff) lies in [0, 65535 ceil(hd/2)] < 2^31 (hd <= 65536), r = (lo - hi 2^16) mod 2^32,
 *    so the sum q.k = -M and its logit come out exactly (pk_attention_logit16).
 * Five keys per pass share the query loads (T = 10: two passes). Results equal the int64 loop for every
 * input; hd > 65536 takes that loop. */
static inline int32_t pk_attention_logit16(uint32_t lo, int32_t hi, int32_t logit_shift)
{
    const int32_t r = (int32_t)(lo - ((uint32_t)hi << 16));
    if (logit_shift <= 16) {
        /* floor((-(hi 2^16 + r) + half) / 2^ls) = -hi 2^(16-ls) + floor((half - r) / 2^ls), mod 2^32 */
        const int32_t half = logit_shift > 0 ? (int32_t)1 << (logit_shift - 1) : 0;
        return (int32_t)(((0u - (uint32_t)hi) << (16 - logit_shift)) + (uint32_t)((half - r) >> logit_shift));
    }
    return (int32_t)((((int64_t)1 << (logit_shift - 1)) - ((int64_t)hi * 65536 + r)) >> logit_shift);
}

/* m = a k_c - b k_c+1 for a = -q_c, b = q_c+1, added to the key's (lo, hi) (or starting them: _SET);
 * PK_ATT_ONE: m = a k_c for a last odd column */
#define PK_ATT_PAIR(KR, LO, HI, A, B, C) m = (A) * (KR)[C] - (B) * (KR)[(C) + 1]; LO += (uint32_t)m; HI += m >> 16;
#define PK_ATT_PAIR_SET(KR, LO, HI, A, B, C) m = (A) * (KR)[C] - (B) * (KR)[(C) + 1]; LO = (uint32_t)m; HI = m >> 16;
#define PK_ATT_ONE(KR, LO, HI, A, C) m = (A) * (KR)[C]; LO += (uint32_t)m; HI += m >> 16;
#define PK_ATT_STORE(J, LO, HI) m = pk_attention_logit16(LO, HI, logit_shift); scratch[J] = m; mx = m > mx ? m : mx;

static inline int32_t pk_attention_logits_i16(const int16_t *qr, const int16_t *k, int32_t ld, int32_t T,
                                              int32_t hd, int32_t logit_shift, int32_t *scratch)
{
    /* precomputed tail starts, as in pk_attention_*; two column pairs per iteration */
    const int32_t hd4 = hd - hd % 4, hd2 = hd - hd % 2, T5 = T - T % 5;
    int32_t j, c, mx = INT32_MIN;
    if (hd > 65536) {
        const int64_t half = logit_shift > 0 ? (int64_t)1 << (logit_shift - 1) : 0;
        for (j = 0; j < T; ++j) {
            const int16_t *k0 = k + j * ld;
            int64_t acc = 0;
            for (c = 0; c < hd; ++c) acc += (int64_t)qr[c] * k0[c];
            scratch[j] = (int32_t)((acc + half) >> logit_shift);
            mx = scratch[j] > mx ? scratch[j] : mx;
        }
        return mx;
    }
    for (j = 0; j < T5; j += 5) {
        const int16_t *k0 = k + j * ld, *k1 = k0 + ld, *k2 = k1 + ld, *k3 = k2 + ld, *k4 = k3 + ld;
        uint32_t lo0, lo1, lo2, lo3, lo4;
        int32_t hi0, hi1, hi2, hi3, hi4, m;
        if (hd4 > 0) { /* the first column quad starts the sums: no zeroing, no first adds */
            const int32_t a = -(int32_t)qr[0], b = qr[1], a2 = -(int32_t)qr[2], b2 = qr[3];
            PK_ATT_PAIR_SET(k0, lo0, hi0, a, b, 0) PK_ATT_PAIR(k0, lo0, hi0, a2, b2, 2)
            PK_ATT_PAIR_SET(k1, lo1, hi1, a, b, 0) PK_ATT_PAIR(k1, lo1, hi1, a2, b2, 2)
            PK_ATT_PAIR_SET(k2, lo2, hi2, a, b, 0) PK_ATT_PAIR(k2, lo2, hi2, a2, b2, 2)
            PK_ATT_PAIR_SET(k3, lo3, hi3, a, b, 0) PK_ATT_PAIR(k3, lo3, hi3, a2, b2, 2)
            PK_ATT_PAIR_SET(k4, lo4, hi4, a, b, 0) PK_ATT_PAIR(k4, lo4, hi4, a2, b2, 2)
        } else {
            lo0 = lo1 = lo2 = lo3 = lo4 = 0;
            hi0 = hi1 = hi2 = hi3 = hi4 = 0;
        }
        for (c = 4; c < hd4; c += 4) {
            const int32_t a = -(int32_t)qr[c], b = qr[c + 1], a2 = -(int32_t)qr[c + 2], b2 = qr[c + 3];
            PK_ATT_PAIR(k0, lo0, hi0, a, b, c) PK_ATT_PAIR(k0, lo0, hi0, a2, b2, c + 2)
            PK_ATT_PAIR(k1, lo1, hi1, a, b, c) PK_ATT_PAIR(k1, lo1, hi1, a2, b2, c + 2)
            PK_ATT_PAIR(k2, lo2, hi2, a, b, c) PK_ATT_PAIR(k2, lo2, hi2, a2, b2, c + 2)
            PK_ATT_PAIR(k3, lo3, hi3, a, b, c) PK_ATT_PAIR(k3, lo3, hi3, a2, b2, c + 2)
            PK_ATT_PAIR(k4, lo4, hi4, a, b, c) PK_ATT_PAIR(k4, lo4, hi4, a2, b2, c + 2)
        }
        if (hd2 > hd4) {
            const int32_t a = -(int32_t)qr[hd4], b = qr[hd4 + 1];
            PK_ATT_PAIR(k0, lo0, hi0, a, b, hd4) PK_ATT_PAIR(k1, lo1, hi1, a, b, hd4)
            PK_ATT_PAIR(k2, lo2, hi2, a, b, hd4) PK_ATT_PAIR(k3, lo3, hi3, a, b, hd4)
            PK_ATT_PAIR(k4, lo4, hi4, a, b, hd4)
        }
        if (hd > hd2) {
            const int32_t a = -(int32_t)qr[hd2];
            PK_ATT_ONE(k0, lo0, hi0, a, hd2) PK_ATT_ONE(k1, lo1, hi1, a, hd2) PK_ATT_ONE(k2, lo2, hi2, a, hd2)
            PK_ATT_ONE(k3, lo3, hi3, a, hd2) PK_ATT_ONE(k4, lo4, hi4, a, hd2)
        }
        PK_ATT_STORE(j, lo0, hi0) PK_ATT_STORE(j + 1, lo1, hi1) PK_ATT_STORE(j + 2, lo2, hi2)
        PK_ATT_STORE(j + 3, lo3, hi3) PK_ATT_STORE(j + 4, lo4, hi4)
    }
    for (j = T5; j < T; ++j) {
        const int16_t *k0 = k + j * ld;
        uint32_t lo0 = 0;
        int32_t hi0 = 0, m;
        for (c = 0; c < hd2; c += 2) {
            PK_ATT_PAIR(k0, lo0, hi0, -(int32_t)qr[c], qr[c + 1], c)
        }
        if (hd > hd2) {
            PK_ATT_ONE(k0, lo0, hi0, -(int32_t)qr[hd2], hd2)
        }
        PK_ATT_STORE(j, lo0, hi0)
    }
    return mx;
}

#undef PK_ATT_PAIR
#undef PK_ATT_PAIR_SET
#undef PK_ATT_ONE
#undef PK_ATT_STORE

/* Multi-head self-attention core. q, k, v: rows of `ld` elements (q = qkv, k = qkv + d, v = qkv + 2 d,
 * ld = 3 d for a fused projection); head h uses columns [h hd, (h + 1) hd). Per head and query token:
 *   logit_j = round_half_up(sum_c q_c k_jc / 2^logit_shift)      (pk_attention_logits_X: exact sums)
 *   p = softmax(logit) with (sm_mult, sm_shift) = s_q s_k 2^logit_shift / sqrt(hd) * log2(e) * 2^16
 *   y_c = sat(requant(sum_j p_j v_jc, mult, shift)),  real multiplier s_v / (2^15 s_y).
 * sum_j p_j <= 2^15 + T / 2, so the weighted sum fits int32 even for int16 v. scratch: T int32. */
#define PK_DEFINE_ATTENTION(NAME, TX, TY, LOGITS)                                                        \
    static inline PK_NO_SCHED_NO_SLP void NAME(const TX *q, const TX *k, const TX *v, int32_t ld,        \
                                               int32_t T, int32_t H, int32_t hd, int32_t logit_shift,    \
                                               int32_t sm_mult, int32_t sm_shift, int32_t mult,          \
                                               int32_t shift, int32_t out_min, int32_t out_max,          \
                                               int32_t *scratch, TY *y, int32_t y_stride)                \
    {                                                                                                    \
        /* loop tails start from precomputed bounds: gcc -O2 otherwise warns (-Waggressive-loop-      */ \
        /* optimizations) about a tail loop after a blocked one when the sizes are constants          */ \
        const int32_t hd16 = hd - hd % 16, hd4 = hd - hd % 4;                                            \
        int32_t h, t, j, c;                                                                              \
        for (h = 0; h < H; ++h) {                                                                        \
            const int32_t col = h * hd;                                                                  \
            for (t = 0; t < T; ++t) {                                                                    \
                TY *yr = y + t * y_stride + col;                                                         \
                const int32_t mx = LOGITS(q + t * ld + col, k + col, ld, T, hd, logit_shift, scratch);   \
                pk_softmax_row_i32_inplace_mx(scratch, T, mx, sm_mult, sm_shift, scratch);               \
                /* sixteen output columns per pass share the probability loads (as many accumulators  */ \
                /* as fit in rv32 registers), then four                                               */ \
                for (c = 0; c < hd16; c += 16) {                                                         \
                    /* the first token starts the sums (T >= 1 here): no zeroing, no first add */        \
                    const TX *vc = v + col + c;                                                          \
                    const int32_t p0 = scratch[0];                                                       \
                    int32_t a0 = p0 * vc[0], a1 = p0 * vc[1], a2 = p0 * vc[2], a3 = p0 * vc[3];          \
                    int32_t a4 = p0 * vc[4], a5 = p0 * vc[5], a6 = p0 * vc[6], a7 = p0 * vc[7];          \
                    int32_t a8 = p0 * vc[8], a9 = p0 * vc[9], a10 = p0 * vc[10], a11 = p0 * vc[11];      \
                    int32_t a12 = p0 * vc[12], a13 = p0 * vc[13], a14 = p0 * vc[14], a15 = p0 * vc[15];  \
                    for (j = 1; j < T; ++j) {                                                            \
                        const int32_t pj = scratch[j];                                                   \
                        vc += ld;                                                                        \
                        a0 += pj * vc[0]; a1 += pj * vc[1]; a2 += pj * vc[2]; a3 += pj * vc[3];          \
                        a4 += pj * vc[4]; a5 += pj * vc[5]; a6 += pj * vc[6]; a7 += pj * vc[7];          \
                        a8 += pj * vc[8]; a9 += pj * vc[9]; a10 += pj * vc[10]; a11 += pj * vc[11];      \
                        a12 += pj * vc[12]; a13 += pj * vc[13]; a14 += pj * vc[14]; a15 += pj * vc[15];  \
                    }                                                                                    \
                    yr[c + 0] = (TY)pk_rq_sat(a0, mult, shift, out_min, out_max);                        \
                    yr[c + 1] = (TY)pk_rq_sat(a1, mult, shift, out_min, out_max);                        \
                    yr[c + 2] = (TY)pk_rq_sat(a2, mult, shift, out_min, out_max);                        \
                    yr[c + 3] = (TY)pk_rq_sat(a3, mult, shift, out_min, out_max);                        \
                    yr[c + 4] = (TY)pk_rq_sat(a4, mult, shift, out_min, out_max);                        \
                    yr[c + 5] = (TY)pk_rq_sat(a5, mult, shift, out_min, out_max);                        \
                    yr[c + 6] = (TY)pk_rq_sat(a6, mult, shift, out_min, out_max);                        \
                    yr[c + 7] = (TY)pk_rq_sat(a7, mult, shift, out_min, out_max);                        \
                    yr[c + 8] = (TY)pk_rq_sat(a8, mult, shift, out_min, out_max);                        \
                    yr[c + 9] = (TY)pk_rq_sat(a9, mult, shift, out_min, out_max);                        \
                    yr[c + 10] = (TY)pk_rq_sat(a10, mult, shift, out_min, out_max);                      \
                    yr[c + 11] = (TY)pk_rq_sat(a11, mult, shift, out_min, out_max);                      \
                    yr[c + 12] = (TY)pk_rq_sat(a12, mult, shift, out_min, out_max);                      \
                    yr[c + 13] = (TY)pk_rq_sat(a13, mult, shift, out_min, out_max);                      \
                    yr[c + 14] = (TY)pk_rq_sat(a14, mult, shift, out_min, out_max);                      \
                    yr[c + 15] = (TY)pk_rq_sat(a15, mult, shift, out_min, out_max);                      \
                }                                                                                        \
                for (c = hd16; c < hd4; c += 4) {                                                        \
                    const TX *vc = v + col + c;                                                          \
                    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                              \
                    for (j = 0; j < T; ++j) {                                                            \
                        const int32_t pj = scratch[j];                                                   \
                        a0 += pj * vc[0]; a1 += pj * vc[1]; a2 += pj * vc[2]; a3 += pj * vc[3];          \
                        vc += ld;                                                                        \
                    }                                                                                    \
                    yr[c + 0] = (TY)pk_rq_sat(a0, mult, shift, out_min, out_max);                        \
                    yr[c + 1] = (TY)pk_rq_sat(a1, mult, shift, out_min, out_max);                        \
                    yr[c + 2] = (TY)pk_rq_sat(a2, mult, shift, out_min, out_max);                        \
                    yr[c + 3] = (TY)pk_rq_sat(a3, mult, shift, out_min, out_max);                        \
                }                                                                                        \
                for (c = hd4; c < hd; ++c) {                                                             \
                    const TX *vc = v + col + c;                                                          \
                    int32_t acc = 0;                                                                     \
                    for (j = 0; j < T; ++j) acc += scratch[j] * vc[j * ld];                              \
                    yr[c] = (TY)pk_rq_sat(acc, mult, shift, out_min, out_max);                           \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_ATTENTION(pk_attention_i8_i8, int8_t, int8_t, pk_attention_logits_i8)
PK_DEFINE_ATTENTION(pk_attention_i8_i16, int8_t, int16_t, pk_attention_logits_i8)
PK_DEFINE_ATTENTION(pk_attention_i16_i8, int16_t, int8_t, pk_attention_logits_i16)
PK_DEFINE_ATTENTION(pk_attention_i16_i16, int16_t, int16_t, pk_attention_logits_i16)

/* Temporal attention pooling: p = softmax over the T scores (sm_mult, sm_shift as in pk_softmax_row),
 * y_c = sat(requant(sum_t p_t x_tc, mult, shift)), real multiplier s_x / (2^15 s_y). scratch: T int32. */
#define PK_DEFINE_ATTENTION_POOL(NAME, TX, TY)                                                           \
    static inline void NAME(const TX *x, int32_t T, int32_t d, int32_t x_stride, const int16_t *scores,  \
                            int32_t sm_mult, int32_t sm_shift, int32_t mult, int32_t shift,              \
                            int32_t out_min, int32_t out_max, int32_t *scratch, TY *y)                   \
    {                                                                                                    \
        int32_t t, c;                                                                                    \
        for (t = 0; t < T; ++t) scratch[t] = scores[t];                                                  \
        pk_softmax_row_i32_inplace(scratch, T, sm_mult, sm_shift, scratch);                              \
        for (c = 0; c < d; ++c) {                                                                        \
            int32_t acc = 0;                                                                             \
            for (t = 0; t < T; ++t) acc += scratch[t] * x[t * x_stride + c];                             \
            y[c] = (TY)pk_rq_sat(acc, mult, shift, out_min, out_max);                           \
        }                                                                                                \
    }

PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i8_i8, int8_t, int8_t)
PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i8_i16, int8_t, int16_t)
PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i16_i8, int16_t, int8_t)
PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i16_i16, int16_t, int16_t)

/* ---------------------------------------------------------------- constant left matrix product */

/* y[i][c] = sat(requant(sum_j a[i][j] x[j][c], mult, shift)) for a constant int16 a [n][m] (e.g. the
 * normalized COCO-17 adjacency) and x [m][k]. */
#define PK_DEFINE_MATMUL_CONST_LEFT(NAME, TX, TY)                                                        \
    static inline PK_NO_SCHED void NAME(const int16_t *a, const TX *x, int32_t n, int32_t m, int32_t k,  \
                                        int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,   \
                                        TY *y)                                                           \
    {                                                                                                    \
        const int32_t k4 = k - k % 4; /* precomputed tail start, as in the attention kernel */          \
        int32_t i, j, c;                                                                                 \
        for (i = 0; i < n; ++i) {                                                                        \
            const int16_t *ar = a + i * m;                                                               \
            TY *yr = y + i * k;                                                                          \
            /* four columns per pass share the loads of a */                                             \
            for (c = 0; c < k4; c += 4) {                                                                \
                const TX *xc = x + c;                                                                    \
                int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;                                          \
                for (j = 0; j < m; ++j) {                                                                \
                    const int32_t aj = ar[j];                                                            \
                    acc0 += aj * xc[0]; acc1 += aj * xc[1]; acc2 += aj * xc[2]; acc3 += aj * xc[3];      \
                    xc += k;                                                                             \
                }                                                                                        \
                yr[c] = (TY)pk_rq_sat(acc0, mult, shift, out_min, out_max);                              \
                yr[c + 1] = (TY)pk_rq_sat(acc1, mult, shift, out_min, out_max);                          \
                yr[c + 2] = (TY)pk_rq_sat(acc2, mult, shift, out_min, out_max);                          \
                yr[c + 3] = (TY)pk_rq_sat(acc3, mult, shift, out_min, out_max);                          \
            }                                                                                            \
            for (c = k4; c < k; ++c) {                                                                   \
                int32_t acc = 0;                                                                         \
                for (j = 0; j < m; ++j) acc += ar[j] * x[j * k + c];                                     \
                yr[c] = (TY)pk_rq_sat(acc, mult, shift, out_min, out_max);                               \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i8_i8, int8_t, int8_t)
PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i8_i16, int8_t, int16_t)
PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i16_i8, int16_t, int8_t)
PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i16_i16, int16_t, int16_t)

#endif /* POSE_KERNELS_H */
