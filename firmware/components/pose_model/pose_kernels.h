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
 *   pk_linear_wW_X_Y(x, T, in, x_stride, w, bias int16, bias_shift, out, mult, shift, per_row, out_min, out_max,
 *                    y, y_stride)                   accumulator starts at bias[o] * 2^bias_shift
 *   pk_add_X_X_Y(a, b, n, mult_a, mult_b, shift, out_min, out_max, y)      y = a*ra + b*rb, one rounding
 *   pk_relu_X(x, n, y)
 *   pk_lut8_Y(x int8, n, table[256], y)                           y = table[x + 128]
 *   pk_lut16_interp_Y(x int16, n, table[257], y)                  257-point linear interpolation (GELU...)
 *   pk_layernorm_X_Y(x, T, d, x_stride, eps_q int64, gamma int16, beta int16, pre_shift, mult, shift,
 *                    out_min, out_max, y, y_stride)    eps_q = round(eps d^3 2^E / s_x^2), E = 20 (i8 x), 8 (i16 x);
 *                    d <= 128, pre_shift in [16, 32]; row helpers pk_ln_scale_q60, pk_isqrt_q60, pk_recip_q60
 *   pk_softmax_row_i16 / pk_softmax_row_i32(x, n, mult, shift, p int16 Q0.15)    n <= 128
 *   pk_attention_X_Y(q, k, v, ld, T, H, hd, logit_shift, sm_mult, sm_shift, mult, shift, out_min, out_max,
 *                    scratch int32 [T], y, y_stride)
 *   pk_attention_pool_X_Y(x, T, d, x_stride, scores int16 [T], sm_mult, sm_shift, mult, shift,
 *                         out_min, out_max, scratch int32 [T], y)
 *   pk_matmul_const_left_X_Y(a int16 [n][m], x [m][k], n, m, k, mult, shift, out_min, out_max, y [n][k])
 * The pk_linear_*_plain variants are the one-row reference loops the fast variants fall back to; on an
 * x86-64 host (PK_HOST_VEC) pk_layernorm_*_plain are the node's LayerNorm, the vectorized host form's fallback.
 * Helpers of the attention kernels: pk_attention_logits_i8 / _i16 (one query row's logits and their
 * maximum), pk_softmax_row_i32_inplace(_mx) and pk_exp_q24(_u31).
 * x86-64 host variants (PK_X86_HOST, out of line and vectorized: PK_HOST_PASS), called by the kernels above
 * with the same results: pk_host_minmax_i16, pk_host_norm_i8 / _i16 (normalization), pk_host_softmax_row
 * and pk_attention_host_X_Y (attention).
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
 * docs/fixed-point.md). The big loops turn it off for themselves, and so do the generated functions that
 * the linear kernels are inlined into (an inlined callee's optimize attribute is dropped); other
 * compilers ignore this. */
/* The same functions also use IRA's priority colouring: with the default (Chaitin-Briggs) gcc 12 spilled
 * the accumulators of the int16 linear loops (20 in registers, two rows x ten tokens); priority colouring
 * keeps them: 3.45 -> 3.2 instructions per MAC on those layers (bench/rv32-profile.ts). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__riscv)
#define PK_NO_SCHED __attribute__((optimize("O2", "no-schedule-insns", "ira-algorithm=priority")))
/* gcc's SLP vectorizer (on at -O2 since gcc 12) packs pairs of int16 results into one 32-bit store with
 * shifts and masks (sll, srl, and, or, sw instead of two sh): the attention turns it off as well, -1,100
 * instructions per call (measured, micro int4). */
#define PK_NO_SCHED_NO_SLP                                                                               \
    __attribute__((optimize("O2", "no-schedule-insns", "ira-algorithm=priority", "no-tree-slp-vectorize")))
#else
#define PK_NO_SCHED
#define PK_NO_SCHED_NO_SLP
#endif

/* The big linear kernels are written for constant sizes: inlined into each call (the sizes are literals
 * in the generated code), token and row offsets become immediates and block tails vanish. Forced on
 * rv32imc, where it is measured (bench/rv32-profile.ts; it costs one copy of the loops per call site, about
 * 7 KB of text for micro). Other targets keep one shared copy: the x86-64 host has its own vectorized
 * linear kernels below, and Xtensa cannot be counted here, so code size wins there. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__riscv)
#define PK_SPECIALIZE __attribute__((optimize("O2", "no-schedule-insns", "ira-algorithm=priority"), always_inline))
#else
#define PK_SPECIALIZE
#endif

/* 1 on an x86-64 host build (the virtual node, bench hostUs). Where the node's rewrites only cost on such a
 * host, the kernels keep their plain forms there: 64-bit products and sums (native; the requantization of
 * multipliers >= 1/2, the int16 attention logits) and a branch-free min/max scan (the node's paired,
 * branching scan mispredicts on real data: +2.5 us per window). -DPK_NO_HOST_VEC builds the node's code on
 * the host, which is how the kernel tests check it. */
#if defined(__x86_64__) && !defined(PK_NO_HOST_VEC)
#define PK_X86_HOST 1
#else
#define PK_X86_HOST 0
#endif

/* The x86-64 host's element passes of the non-linear kernels (normalization, attention): out of line,
 * vectorized by gcc (its -O2 cost model only vectorizes loops that need no tail), cloned for AVX2.
 * clang has no such attribute here and vectorizes at -O2 by itself; it keeps the node's element pass of
 * the normalization (its gathered-load vector form measured 5.7 us against 3.3 us, micro). */
#if PK_X86_HOST && defined(__GNUC__) && !defined(__clang__)
#define PK_HOST_PASS                                                                                     \
    __attribute__((optimize("O2", "tree-vectorize", "vect-cost-model=dynamic"),                         \
                   target_clones("avx2", "default")))
#define PK_HOST_GCC 1
#else
#define PK_HOST_PASS
#define PK_HOST_GCC 0
#endif

/* Hides a loop-invariant multiplier from constant propagation: after inlining, gcc for RISC-V expands a
 * multiply by a "cheap" constant into shifts and adds (3 instructions for x * 4160 instead of one mul). */
#if defined(__GNUC__) && defined(__riscv)
#define PK_OPAQUE(v) __asm__("" : "+r"(v))
#else
#define PK_OPAQUE(v) ((void)0)
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

/* The n < 33 path of pk_rq_sat (multipliers of 1/2 or more, rare), kept out of line: the linear kernels
 * are inlined per call site and every output store would otherwise carry a copy of the 64-bit code. */
#if defined(__GNUC__)
__attribute__((noinline, unused))
#endif
static int32_t pk_rq_sat_wide(int32_t acc, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    return pk_sat(pk_requant(acc, mult, shift), lo, hi);
}

/* sat(pk_requant(acc, mult, shift), lo, hi), with int32 arithmetic on the common n >= 33 path (the
 * identity above). A multiplier of 1/2 or more (n <= 32; micro's input projection has one) reaches that
 * path too when acc * 2^(33 - n) fits int32: floor((acc mult + 2^(n-1)) / 2^n) is unchanged by scaling
 * the numerator and 2^n by 2^(33 - n). Only an acc too large for that takes the 64-bit path (and every
 * n < 33 where PK_X86_HOST). */
static inline int32_t pk_rq_sat(int32_t acc, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    int32_t n = 31 + shift, v;
    if (n < 33 && PK_X86_HOST) return pk_rq_sat_wide(acc, mult, shift, lo, hi);
    if (n < 33) {
        const int32_t k = 33 - n, up = (int32_t)((uint32_t)acc << (k & 31));
        if (k > 30 || (up >> k) != acc) return pk_rq_sat_wide(acc, mult, shift, lo, hi);
        acc = up;
        n = 33;
    }
    {
        const int32_t h = (int32_t)(((int64_t)acc * mult) >> 32);
        v = (h + ((int32_t)1 << (n - 33))) >> (n - 32);
        return v < lo ? lo : (v > hi ? hi : v);
    }
}

/* Two's-complement nibbles of one packed int4 byte (element 2i low, 2i+1 high). */
#define PK_LO4(u) ((int32_t)((uint32_t)(u) << 28) >> 28)
#define PK_HI4(u) ((int32_t)((uint32_t)(u) << 24) >> 28)

/* ---------------------------------------------------------------- window min-max normalization */

/* y[p][f] = round((x[f][p] - min) * QMAX / (max - min)) with one reciprocal per window:
 * recip = floor(QMAX * 2^32 / range); y = floor((d * recip + 2^31) / 2^32), d = x - min <= range, so
 * y <= QMAX. The product is split as d * (rh * 2^32 + rl) to stay in 32x32->64 multiplies. A constant
 * window (range 0) gives all zeros, as the float model's (x - min) / (0 + eps) does. Output scale 1/QMAX.
 * rv32imc cost (micro, 3420 values: 63,658 -> 34,329 instructions per window, measured):
 *   - min and max take the values in pairs: one compare orders the pair, then only the smaller can lower
 *     the min and only the larger raise the max (3 compares per 2 values instead of 4; two pairs per
 *     iteration measured 4,000 worse: gcc if-converts them into unconditional moves);
 *   - with d rl = hi 2^32 + lo (0 <= lo < 2^32), floor((d rl + 2^31) / 2^32) = hi + (lo >> 31): mulhu, mul,
 *     a shift and an add, no 64-bit carry chain; and when range > 2 QMAX (so rl < 2^31 and r2 = 2 rl fits
 *     32 bits), with M = floor(d r2 / 2^32) (mulhu): floor((M + 1) / 2) = floor((2 d rl + 2^32) / 2^33)
 *     = floor((d rl + 2^31) / 2^32) (nested floors), one multiply fewer (any rh, with rl < 2^31);
 *   - p outer, f inner, four f per iteration: contiguous stores, the loads x[f][p] .. x[f+3][p] at fixed
 *     offsets from one pointer;
 *   - rh = QMAX / range and rl = floor((QMAX mod range) 2^32 / range) by long division in 16-bit digits
 *     (range < 2^16 keeps each partial dividend r 2^16 below 2^32): divu/remu instead of a 64-bit division
 *     call, and rl apart from rh (from one 64-bit quotient, gcc folds rh == 0 back into the low product and
 *     multiplies by rh anyway). */
#define PK_NORM_LOW(d) ((uint32_t)(((uint64_t)(d) * rl) >> 32) + (((d) * rl) >> 31)) /* rl in scope */
#define PK_NORM_HALF(d) (((uint32_t)(((uint64_t)(d) * r2) >> 32) + 1) >> 1) /* r2 = 2 rl < 2^32 in scope */
#define PK_NORM_RH_LOW(d) ((d) * rh + PK_NORM_LOW(d))   /* range <= QMAX (rh >= 1): d rh <= QMAX */
#define PK_NORM_RH_HALF(d) ((d) * rh + PK_NORM_HALF(d))
/* One output row yr[f] = Q(x[f][p] - min), f < F, four f per iteration. */
#define PK_NORM_ROW(TY, Q)                                                                               \
    for (f = 0; f + 3 < F; f += 4, xc += 4 * P) {                                                        \
        const uint32_t d0 = (uint32_t)(xc[0] - lo), d1 = (uint32_t)(xc[P] - lo);                         \
        const uint32_t d2 = (uint32_t)(xc[2 * P] - lo), d3 = (uint32_t)(xc[3 * P] - lo);                 \
        yr[f] = (TY)Q(d0);                                                                               \
        yr[f + 1] = (TY)Q(d1);                                                                           \
        yr[f + 2] = (TY)Q(d2);                                                                           \
        yr[f + 3] = (TY)Q(d3);                                                                           \
    }                                                                                                    \
    for (; f < F; ++f, xc += P) {                                                                        \
        const uint32_t d = (uint32_t)(xc[0] - lo);                                                       \
        yr[f] = (TY)Q(d);                                                                                \
    }
/* x86-64 host (PK_X86_HOST), out of line and vectorized (PK_HOST_PASS): min and max in int16 lanes
 * (pminsw, pmaxsw); and for range > QMAX (rh = 0, so rl < 2^32; every real int8 window) the element pass
 * in 16-bit multiplies (pmullw, pmulhuw), 8 or 16 outputs per step along f (stores contiguous, loads
 * gathered). With rl = a 2^16 + b (a, b < 2^16) and d a = ah 2^16 + al (ah, al < 2^16):
 *   floor((d rl + 2^31) / 2^32) = floor((d a + 2^15 + floor(d b / 2^16)) / 2^16)    (nested floors)
 *                               = ah + floor((al + bh + 2^15) / 2^16),   bh = floor(d b / 2^16)
 * and with c = (al + bh) mod 2^16 the last term is [c < al] (the carry) + (c >> 15). The same integer as
 * the node's loops; micro (342 x 10): 4.2 -> 1.3 us per window (C timing harness). */
static inline PK_HOST_PASS void pk_host_minmax_i16(const int16_t *x, int32_t n, int32_t *lo, int32_t *hi)
{
    int16_t l = x[0], h = x[0];
    int32_t i;
    for (i = 1; i < n; ++i) {
        l = x[i] < l ? x[i] : l;
        h = x[i] > h ? x[i] : h;
    }
    *lo = l;
    *hi = h;
}

/* y[p][f] = Q(x[f][p]) as above, d = x - lo as uint16 (d <= range < 2^16); a, b, l come in as uint16
 * parameters so that gcc sees 16-bit operands (from a uint32 it folds the truncation away and multiplies
 * in 32 bits: pmuludq sequences on SSE2). */
#define PK_DEFINE_NORM_HOST(NAME, TY)                                                                    \
    static inline PK_HOST_PASS void NAME(const int16_t *x, int32_t F, int32_t P, uint16_t l, uint16_t a, \
                                         uint16_t b, TY *y)                                              \
    {                                                                                                    \
        int32_t f, p;                                                                                    \
        for (p = 0; p < P; ++p) {                                                                        \
            const int16_t *xc = x + p;                                                                   \
            TY *yr = y + p * F;                                                                          \
            for (f = 0; f < F; ++f) {                                                                    \
                const uint16_t d = (uint16_t)((uint16_t)xc[f * P] - l);                                  \
                const uint16_t ah = (uint16_t)((uint32_t)d * a >> 16), al = (uint16_t)((uint32_t)d * a); \
                const uint16_t bh = (uint16_t)((uint32_t)d * b >> 16), c = (uint16_t)(al + bh);          \
                yr[f] = (TY)(ah + (c < al) + (c >> 15));                                                 \
            }                                                                                            \
        }                                                                                                \
    }
PK_DEFINE_NORM_HOST(pk_host_norm_i8, int8_t)
PK_DEFINE_NORM_HOST(pk_host_norm_i16, int16_t)

#define PK_DEFINE_MINMAX_NORMALIZE(NAME, TY, HOST, QMAX)                                                 \
    static inline void NAME(const int16_t *x, int32_t F, int32_t P, TY *y)                               \
    {                                                                                                    \
        const int32_t n = F * P;                                                                         \
        int32_t lo = x[0], hi = x[0], i, f, p;                                                           \
        uint32_t range, rh, rl, rem;                                                                     \
        if (PK_X86_HOST) /* branch-free: vectorized min/max */                                           \
            pk_host_minmax_i16(x, n, &lo, &hi);                                                          \
        else                                                                                             \
            for (i = n & 1; i < n; i += 2) { /* x[0] is in lo, hi already: pairs from the odd remainder */ \
                const int32_t u = x[i], v = x[i + 1];                                                    \
                if (u < v) {                                                                             \
                    if (u < lo) lo = u;                                                                  \
                    if (v > hi) hi = v;                                                                  \
                } else {                                                                                 \
                    if (v < lo) lo = v;                                                                  \
                    if (u > hi) hi = u;                                                                  \
                }                                                                                        \
            }                                                                                            \
        if (hi == lo) {                                                                                  \
            for (i = 0; i < n; ++i) y[i] = 0;                                                            \
            return;                                                                                      \
        }                                                                                                \
        range = (uint32_t)(hi - lo);                                                                     \
        rh = (uint32_t)(QMAX) / range;                                                                   \
        rem = (uint32_t)(QMAX) % range << 16;                                                            \
        rl = rem / range << 16;                                                                          \
        rl |= (rem % range << 16) / range;                                                               \
        if (PK_X86_HOST && PK_HOST_GCC && rh == 0) {                                                     \
            HOST(x, F, P, (uint16_t)lo, (uint16_t)(rl >> 16), (uint16_t)rl, y);                         \
            return;                                                                                      \
        }                                                                                                \
        for (p = 0; p < P; ++p) {                                                                        \
            const int16_t *xc = x + p;                                                                   \
            TY *yr = y + p * F;                                                                          \
            if (rl < 0x80000000u) {                                                                      \
                const uint32_t r2 = rl << 1;                                                             \
                if (rh == 0) { /* range > 2 QMAX: the usual case for int8 */                             \
                    PK_NORM_ROW(TY, PK_NORM_HALF)                                                        \
                } else {                                                                                 \
                    PK_NORM_ROW(TY, PK_NORM_RH_HALF)                                                     \
                }                                                                                        \
            } else if (rh == 0) { /* QMAX < range <= 2 QMAX */                                           \
                PK_NORM_ROW(TY, PK_NORM_LOW)                                                             \
            } else {                                                                                     \
                PK_NORM_ROW(TY, PK_NORM_RH_LOW)                                                          \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_MINMAX_NORMALIZE(pk_minmax_normalize_i8, int8_t, pk_host_norm_i8, 127)
PK_DEFINE_MINMAX_NORMALIZE(pk_minmax_normalize_i16, int16_t, pk_host_norm_i16, 32767)

/* ---------------------------------------------------------------- linear (fully connected) */

/* Biases are int16 with a per-op power-of-two scale: the accumulator starts at bias[o] * 2^bias_shift
 * (bias_shift >= 0; the compiler picks the smallest that fits every bias of the op in int16, 0 when they
 * fit as they are, and proves the product fits int32). A multiply, not a shift: shifting a negative
 * value left is undefined in C; compilers emit the shift anyway. */
#define PK_BIAS(o) (bias ? (int32_t)bias[o] * ((int32_t)1 << bias_shift) : 0)
/* bias and requantization parameters of output rows o and o + 1 (the two-row kernels) */
#define PK_ROWPAIR_QPARAMS                                                                               \
    const int32_t b0 = PK_BIAS(o), b1 = PK_BIAS(o + 1);                                                  \
    const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                             \
    const int32_t qm1 = mult[per_row ? o + 1 : 0], qs1 = shift[per_row ? o + 1 : 0]

/* y[t][o] = sat(requant(bias[o] + sum_i x[t][i] * w[o][i])) for t < T, o < out.
 * Each weight row is read once per block of PK_TOKEN_BLOCK tokens whose accumulators stay in registers;
 * int4 weights are unpacked in the loop (never into RAM). int4 rows are (in + 1) / 2 bytes: an odd `in`
 * pads the last byte's high nibble (0). per_row != 0: mult/shift are per output row, else index 0.
 * bias may be 0 (no bias). */
#define PK_LINEAR_QPARAMS(o)                                                                             \
    const int32_t b = PK_BIAS(o);                                                                        \
    const int32_t qm = mult[per_row ? (o) : 0];                                                          \
    const int32_t qs = shift[per_row ? (o) : 0]

#define PK_LINEAR_STORE(tok, acc) y[(tok) * y_stride + o] = (TYPE_Y)pk_rq_sat((acc), qm, qs, out_min, out_max)

#define PK_DEFINE_LINEAR_W4(NAME, TX, TY)                                                                \
    static inline PK_NO_SCHED void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride, const uint8_t *w,      \
                            const int16_t *bias, int32_t bias_shift, int32_t out, const int32_t *mult, const int8_t *shift, \
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
                            const int16_t *bias, int32_t bias_shift, int32_t out, const int32_t *mult, const int8_t *shift, \
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

/* Four rows x ten tokens (the 10-token blocks when every token is in one): two lane registers per token,
 * rows o, o + 1 and o + 2, o + 3, so each activation load serves four rows and each unpacked weight word
 * ten tokens. rv32imc: about 128 instructions per 80 MACs in the loop (two rows: 75 per 40). */
#define PK_SWAR_PACK_AS(u0, u1, we, wo, both)                                                            \
    const uint32_t both = (uint32_t)(u0) | ((uint32_t)(u1) << 16);                                       \
    const uint32_t we = ((both & 0x000f000fu) ^ 0x00080008u) - 0x00080008u;                              \
    const uint32_t wo = (((both >> 4) & 0x000f000fu) ^ 0x00080008u) - 0x00080008u
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
        TYPE_Y *yt_ = y + (t + (j)) * y_stride + o;                                                      \
        yt_[0] = (TYPE_Y)pk_rq_sat(a##j##_0, qm0, qs0, out_min, out_max);                                \
        yt_[1] = (TYPE_Y)pk_rq_sat(a##j##_1, qm1, qs1, out_min, out_max);                                \
        yt_[2] = (TYPE_Y)pk_rq_sat(a##j##_2, qm2, qs2, out_min, out_max);                                \
        yt_[3] = (TYPE_Y)pk_rq_sat(a##j##_3, qm3, qs3, out_min, out_max);                                \
    } while (0)
#define PK_X10(M) M(0); M(1); M(2); M(3); M(4); M(5); M(6); M(7); M(8); M(9)
#define PK_SWAR4_ROWS                                                                                    \
    for (o = 0; o < o4; o += 4) {                                                                        \
        const uint8_t *wr = w + o * row_bytes; /* rows o + k at wr + k * row_bytes */                    \
        const int32_t b0 = PK_BIAS(o), b1 = PK_BIAS(o + 1), b2 = PK_BIAS(o + 2), b3 = PK_BIAS(o + 3);    \
        const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                         \
        const int32_t qm1 = mult[per_row ? o + 1 : 0], qs1 = shift[per_row ? o + 1 : 0];                 \
        const int32_t qm2 = mult[per_row ? o + 2 : 0], qs2 = shift[per_row ? o + 2 : 0];                 \
        const int32_t qm3 = mult[per_row ? o + 3 : 0], qs3 = shift[per_row ? o + 3 : 0];                 \
        for (t = 0; t < T; t += 10) {                                                                    \
            const int8_t *xp = x + t * x_stride;                                                         \
            PK_X10(PK_SWAR4_DECL);                                                                       \
            for (g = 0; g < pairs; g += PK_SWAR_GROUP) {                                                 \
                const int32_t g_end = g + PK_SWAR_GROUP < pairs ? g + PK_SWAR_GROUP : pairs;             \
                PK_X10(PK_SWAR4_LANES);                                                                  \
                for (i = g; i < g_end; ++i) {                                                            \
                    PK_SWAR_PACK_AS(wr[i], wr[row_bytes + i], we01, wo01, both01);                       \
                    PK_SWAR_PACK_AS(wr[2 * row_bytes + i], wr[3 * row_bytes + i], we23, wo23, both23);   \
                    PK_SWAR_MAC4(p0, q0, 0); PK_SWAR_MAC4(p1, q1, 1); PK_SWAR_MAC4(p2, q2, 2);           \
                    PK_SWAR_MAC4(p3, q3, 3); PK_SWAR_MAC4(p4, q4, 4); PK_SWAR_MAC4(p5, q5, 5);           \
                    PK_SWAR_MAC4(p6, q6, 6); PK_SWAR_MAC4(p7, q7, 7); PK_SWAR_MAC4(p8, q8, 8);           \
                    PK_SWAR_MAC4(p9, q9, 9);                                                             \
                }                                                                                        \
                PK_X10(PK_SWAR4_FLUSH);                                                                  \
            }                                                                                            \
            if (in & 1) {                                                                                \
                const int32_t v0 = PK_LO4(wr[pairs]), v1 = PK_LO4(wr[row_bytes + pairs]);                \
                const int32_t v2 = PK_LO4(wr[2 * row_bytes + pairs]), v3 = PK_LO4(wr[3 * row_bytes + pairs]); \
                PK_X10(PK_SWAR4_LAST);                                                                   \
            }                                                                                            \
            PK_X10(PK_SWAR4_STORE);                                                                      \
        }                                                                                                \
    }

#define PK_DEFINE_LINEAR_W4_I8(NAME, TY)                                                                 \
    static inline PK_SPECIALIZE void NAME(const int8_t *x, int32_t T, int32_t in, int32_t x_stride, const uint8_t *w,\
                            const int16_t *bias, int32_t bias_shift, int32_t out, const int32_t *mult, const int8_t *shift, \
                            int32_t per_row, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)  \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;                                        \
        const int32_t t_wide = T - T % (2 * PK_TOKEN_BLOCK);                                             \
        const int32_t t_blocked = t_wide + (T - t_wide) / PK_TOKEN_BLOCK * PK_TOKEN_BLOCK;               \
        /* rows in fours while every token is in a 10-token block, then in pairs, then one */           \
        const int32_t o4 = t_wide == T ? out - out % 4 : 0;                                              \
        int32_t o, t, g, i;                                                                              \
        PK_SWAR4_ROWS;                                                                                   \
        for (o = o4; o + 2 <= out; o += 2) {                                                             \
            const uint8_t *w0r = w + o * row_bytes, *w1r = w0r + row_bytes;                              \
            PK_ROWPAIR_QPARAMS;                                                                          \
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
            NAME##_plain(x, T, in, x_stride, w + o * row_bytes, bias ? bias + o : 0, bias_shift, 1,      \
                         per_row ? mult + o : mult, per_row ? shift + o : shift, per_row, out_min,       \
                         out_max, y + o, y_stride);                                                      \
    }

/* ---------------------------------------------------------------- linear: x86-64 host variant */

/* Host speed only (the virtual node, `pose-edge bench` hostUs, parity runs on a PC). The register-blocked
 * kernels above are shaped for rv32imc (no SIMD, few registers); on an x86-64 host they leave the vector
 * units idle. On x86-64 gcc/clang builds only, the fast pk_linear_* below replace them with loops a
 * compiler auto-vectorizes (int16 x int16 -> int32 multiply-add, pmaddwd / vpmaddwd):
 *   - x is copied once per call into int16 rows of n entries, n a multiple of 16 (zero padded): the loops
 *     never see int8 or int4 data, and gcc, seeing n's low bits are 0, gives the vectorized dot products
 *     no scalar tail. int4 rows are split (PK_VEC_UNPACK_W4: low nibbles, then high nibbles) and x is
 *     copied in the same order; a dot product does not depend on the order of its terms;
 *   - PK_VEC_RB = 4 weight rows at a time are unpacked into int16 rows of the same form (a partial last
 *     block pads with zero rows, whose outputs are not stored);
 *   - each pass computes 4 rows x 2 tokens = 8 dot products in one loop: each loaded x vector serves 4
 *     rows and each weight vector 2 tokens (vpmaddwd with a memory operand); before, 1 row x 2 tokens;
 *   - the 8 results are requantized together (PK_VEC_STORE, pk_rq_sat's int32 path vectorized).
 *   The horizontal sum of each product vector is still paid once per output and token: gcc only forms
 *   vpmaddwd for reductions, not for outputs kept in vector lanes (tried: gcc 12 widens with
 *   vpmullw/vpmulhw and shuffles instead). An AVX-512 clone (arch=x86-64-v4) was slower: 56 us vs 42.5.
 *   micro int4 hostUs (time_host, median): 61.0 -> 46.6 (blocking) -> 44.9 (requantization) -> 42.5
 *   (split int4 rows) -> about 41.5 (scaled multipliers, single tokens, in < 8).
 * Every product and sum is the same integer as in the kernels above and the compiler's bound
 * (sum |x| |w| + |bias| < 2^31) holds for every partial sum in any order, so results are bit-exact;
 * requantization is pk_rq_sat's arithmetic. With gcc the functions are also cloned for AVX2, picked at
 * load time (ifunc); other compilers vectorize at their own -O2 default. Shapes beyond the scratch
 * buffers (n > PK_VEC_MAX_IN or T n > PK_VEC_MAX_X) and in < 8 go through the _plain kernels. No
 * intrinsics, no heap: 16 KB of stack scratch, which a host has. rv32imc, xtensa and every other target
 * compile the #else branch: the kernels above, unchanged (so does a host build with -DPK_NO_HOST_VEC,
 * which the kernel tests use to run the node's kernels here). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(PK_NO_HOST_VEC)
#define PK_HOST_VEC 1
#if defined(__clang__)
#define PK_VEC_ATTR
#define PK_VEC_ATTR_V4
#else
#define PK_VEC_ATTR __attribute__((optimize("O2", "tree-vectorize"), target_clones("avx2", "default")))
/* With an AVX-512 clone as well: the LayerNorm's 32 x 32 -> 64-bit products gain from it (AVX-512VL/DQ's
 * 64-bit shifts and truncating packs on 256-bit vectors; 0.94 -> 0.70 us per micro LayerNorm, gcc 12,
 * AMD EPYC), unlike the linear kernels (above). x86-64-v4 in target_clones needs gcc 11. */
#if __GNUC__ >= 11
#define PK_VEC_ATTR_V4                                                                                   \
    __attribute__((optimize("O2", "tree-vectorize"), target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define PK_VEC_ATTR_V4 PK_VEC_ATTR
#endif
#endif
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
            xd[i] = xt[2 * i];                                                                           \
            xd[hp + i] = xt[2 * i + 1];                                                                  \
        }                                                                                                \
        for (i = in / 2; i < hp; ++i) xd[i] = xd[hp + i] = 0;                                            \
        if (in & 1) xd[h - 1] = xt[in - 1];                                                              \
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

/* Requantize and store acc[u RB + k], token t + u (u < nt), row ob + k (k < rb). The rows' bias and
 * requantization constants are looked up once per block, and pk_rq_sat's int32 path is written out over
 * the accumulators of a pass, a loop gcc vectorizes (vpsllvd, vpmuldq, vpsravd, min/max). A multiplier
 * of 1/2 or more (n = 31 + shift < 33, micro's input projection) takes that path as pk_rq_sat does on the
 * node: acc scaled by 2^lk, lk = 33 - n, then n = 33; if a scaled value does not fit int32 (never in
 * micro) or lk > 30, pk_rq_sat itself (`fast` = 0, or `bad_`). */
#define PK_VEC_STORE(t, nt)                                                                              \
    do {                                                                                                 \
        int32_t e_, u_, k_, bad_ = !fast;                                                                \
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
        for (u_ = 0; u_ < (nt); ++u_)                                                                    \
            for (k_ = 0; k_ < rb; ++k_) y[((t) + u_) * y_stride + ob + k_] = (TYPE_Y)res[u_ * PK_VEC_RB + k_]; \
    } while (0)

#define PK_DEFINE_LINEAR_VEC(NAME, TX, TY, WT, UNPACK, XCOPY, SPLIT)                                    \
    static inline PK_VEC_ATTR void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride, const WT *w, \
                                        const int16_t *bias, int32_t bias_shift, int32_t out, const int32_t *mult, \
                                        const int8_t *shift, int32_t per_row, int32_t out_min,           \
                                        int32_t out_max, TY *y, int32_t y_stride)                        \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        int16_t wv[PK_VEC_RB][PK_VEC_MAX_IN], xv[PK_VEC_MAX_X];                                          \
        int32_t acc[2 * PK_VEC_RB], res[2 * PK_VEC_RB], bq[2 * PK_VEC_RB], mq[2 * PK_VEC_RB];            \
        int32_t rq[2 * PK_VEC_RB], sq[2 * PK_VEC_RB], lk[2 * PK_VEC_RB], qs[PK_VEC_RB];                  \
        /* n: the row length, a multiple of 16 (so the dot products have no loop tails) */               \
        const int32_t h = (in + 1) >> 1, n = SPLIT ? ((h + 7) & ~7) * 2 : (in + 15) & ~15, hp = n / 2;  \
        int32_t ob, rb, t, i, j, k;                                                                      \
        /* in < 8: rows mostly padding; the plain loop is faster there (refine fc1, in = 2: 0.67 -> 0.55 us) */ \
        if (n > PK_VEC_MAX_IN || T * n > PK_VEC_MAX_X || in < 8) {                                       \
            NAME##_plain(x, T, in, x_stride, w, bias, bias_shift, out, mult, shift, per_row, out_min, out_max, y, \
                         y_stride);                                                                      \
            return;                                                                                      \
        }                                                                                                \
        (void)h;                                                                                         \
        (void)hp;                                                                                        \
        for (t = 0; t < T; ++t) {                                                                        \
            const TX *xt = x + t * x_stride;                                                             \
            int16_t *xd = xv + t * n;                                                                    \
            XCOPY;                                                                                       \
        }                                                                                                \
        for (ob = 0; ob < out; ob += PK_VEC_RB) {                                                        \
            const int16_t *w0 = wv[0], *w1 = wv[1], *w2 = wv[2], *w3 = wv[3];                            \
            int32_t fast = 1, scaled = 0;                                                                \
            rb = out - ob < PK_VEC_RB ? out - ob : PK_VEC_RB;                                            \
            for (k = 0; k < PK_VEC_RB; ++k) {                                                            \
                int16_t *d = wv[k];                                                                      \
                const int32_t o = ob + k;                                                                \
                if (k < rb) {                                                                            \
                    UNPACK;                                                                              \
                    bq[k] = PK_BIAS(o);                                                                  \
                    mq[k] = mult[per_row ? o : 0];                                                       \
                    qs[k] = shift[per_row ? o : 0];                                                      \
                } else { /* a zero row: its accumulators stay 0 and are not stored */                    \
                    for (j = 0; j < n; ++j) d[j] = 0;                                                    \
                    bq[k] = mq[k] = qs[k] = 0;                                                           \
                }                                                                                        \
                lk[k] = 31 + qs[k] < 33 ? 33 - (31 + qs[k]) : 0;                                         \
                scaled |= lk[k];                                                                         \
                fast &= lk[k] <= 30;                                                                     \
                rq[k] = fast ? (int32_t)1 << (31 + qs[k] + lk[k] - 33) : 0;                              \
                sq[k] = fast ? 31 + qs[k] + lk[k] - 32 : 0;                                              \
                lk[k + PK_VEC_RB] = lk[k];                                                               \
                bq[k + PK_VEC_RB] = bq[k];                                                               \
                mq[k + PK_VEC_RB] = mq[k];                                                               \
                rq[k + PK_VEC_RB] = rq[k];                                                               \
                sq[k + PK_VEC_RB] = sq[k];                                                               \
            }                                                                                            \
            for (t = 0; t + 1 < T; t += 2) {                                                             \
                const int16_t *x0 = xv + t * n, *x1 = x0 + n;                                            \
                int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;          \
                for (i = 0; i < n; ++i) {                                                                \
                    const int32_t p = x0[i], q = x1[i];                                                  \
                    a00 += p * w0[i]; a01 += p * w1[i]; a02 += p * w2[i]; a03 += p * w3[i];              \
                    a10 += q * w0[i]; a11 += q * w1[i]; a12 += q * w2[i]; a13 += q * w3[i];              \
                }                                                                                        \
                acc[0] = a00; acc[1] = a01; acc[2] = a02; acc[3] = a03;                                  \
                acc[4] = a10; acc[5] = a11; acc[6] = a12; acc[7] = a13;                                  \
                PK_VEC_STORE(t, 2);                                                                      \
            }                                                                                            \
            if (t < T) {                                                                                 \
                const int16_t *x0 = xv + t * n;                                                          \
                int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0;                                              \
                for (i = 0; i < n; ++i) {                                                                \
                    const int32_t p = x0[i];                                                             \
                    a00 += p * w0[i]; a01 += p * w1[i]; a02 += p * w2[i]; a03 += p * w3[i];              \
                }                                                                                        \
                acc[0] = a00; acc[1] = a01; acc[2] = a02; acc[3] = a03;                                  \
                PK_VEC_STORE(t, 1);                                                                      \
            }                                                                                            \
        }                                                                                                \
    }
#endif /* x86-64 host */

PK_DEFINE_LINEAR_W4(pk_linear_w4_i8_i8_plain, int8_t, int8_t)
PK_DEFINE_LINEAR_W4(pk_linear_w4_i8_i16_plain, int8_t, int16_t)
#ifdef PK_HOST_VEC
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i8_i8, int8_t, int8_t, uint8_t, PK_VEC_UNPACK_W4, PK_VEC_X_SPLIT, 1)
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i8_i16, int8_t, int16_t, uint8_t, PK_VEC_UNPACK_W4, PK_VEC_X_SPLIT, 1)
#else
PK_DEFINE_LINEAR_W4_I8(pk_linear_w4_i8_i8, int8_t)
PK_DEFINE_LINEAR_W4_I8(pk_linear_w4_i8_i16, int16_t)
#endif
/* int16 activations x int4 weights: products reach 2^18, too wide for 16-bit lanes, so the reuse comes from
 * registers instead: two output rows x ten tokens = 20 int32 accumulators. Per input i the two weights
 * w[o][i], w[o+1][i] are unpacked once (four shifts) and each activation load serves both rows, so the
 * inner loop costs one multiply and one add per MAC plus 1/2 load and 1/10 unpack per MAC (rv32imc,
 * 64 inputs: 2.8 instructions per MAC for the whole call, measured with bench/rv32-profile.ts).
 * Token j of a block is read at xp + j * x_stride from ONE pointer: on the node the call is inlined
 * (PK_SPECIALIZE) with constant sizes, so those are immediate offsets -- rv32 has no indexed loads, and
 * ten running pointers would not fit in the registers next to 20 accumulators. Tokens left after the
 * blocks of ten go in blocks of five, then one at a time; an odd last row through the plain kernel. */
#define PK_TOK2(a0, a1, j, k)                                                                            \
    do {                                                                                                 \
        const int32_t xv = xp[(j) * x_stride + (k)];                                                     \
        a0 += xv * v0;                                                                                   \
        a1 += xv * v1;                                                                                   \
    } while (0)
#define PK_TOK2_X5(k, base)                                                                              \
    PK_TOK2(a##base##0_0, a##base##0_1, base + 0, k); PK_TOK2(a##base##1_0, a##base##1_1, base + 1, k);  \
    PK_TOK2(a##base##2_0, a##base##2_1, base + 2, k); PK_TOK2(a##base##3_0, a##base##3_1, base + 3, k);  \
    PK_TOK2(a##base##4_0, a##base##4_1, base + 4, k)
/* accumulators of tokens base + 0..4: a<base><j>_<row> */
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
/* Pieces shared by the token blocks of the int16 x int4 and int8-weight kernels (NB5 = 1: five tokens,
 * 2: ten): the activation pointer and accumulators, one input column k for every token, the stores. */
#define PK_BLOCK_BEGIN                                                                                   \
    const TYPE_X *xp = x + t * x_stride;                                                                 \
    PK_ACC_X5(0);                                                                                        \
    PK_ACC_X5(5)
#define PK_TOK2_BLOCK(k, NB5)                                                                            \
    PK_TOK2_X5(k, 0);                                                                                    \
    if (NB5 == 2) { PK_TOK2_X5(k, 5); }
#define PK_BLOCK_END(NB5)                                                                                \
    PK_STORE_X5(t, 0);                                                                                   \
    if (NB5 == 2) { PK_STORE_X5(t, 5); }                                                                 \
    (void)a50_0; (void)a50_1; (void)a51_0; (void)a51_1; (void)a52_0; (void)a52_1; /* NB5 == 1 */         \
    (void)a53_0; (void)a53_1; (void)a54_0; (void)a54_1
/* input pair I (inputs 2I, 2I + 1, at xp + OFF and xp + OFF + 1) of rows o, o + 1 for the block */
#define PK_W4_I16_PAIR(NB5, I, OFF)                                                                      \
    do {                                                                                                 \
        const uint32_t u0 = w0r[I], u1 = w0r[row_bytes + (I)];                                           \
        int32_t v0 = PK_LO4(u0), v1 = PK_LO4(u1);                                                        \
        PK_TOK2_BLOCK(OFF, NB5)                                                                          \
        v0 = PK_HI4(u0);                                                                                 \
        v1 = PK_HI4(u1);                                                                                 \
        PK_TOK2_BLOCK(OFF + 1, NB5)                                                                      \
    } while (0)
/* one block of 5 * NB5 tokens (NB5 = 1 or 2) starting at token t */
#define PK_W4_I16_BLOCK(NB5)                                                                             \
    do {                                                                                                 \
        PK_BLOCK_BEGIN;                                                                                  \
        /* two input pairs per iteration: the loop's own instructions (pointer steps, bound, branch) */ \
        /* are paid once per 80 MACs instead of 40 */                                                    \
        for (i = 0; i + 2 <= pairs; i += 2) {                                                            \
            PK_W4_I16_PAIR(NB5, i, 0);                                                                   \
            PK_W4_I16_PAIR(NB5, i + 1, 2);                                                               \
            xp += 4;                                                                                     \
        }                                                                                                \
        if (pairs & 1) {                                                                                 \
            PK_W4_I16_PAIR(NB5, pairs - 1, 0);                                                           \
            xp += 2;                                                                                     \
        }                                                                                                \
        if (in & 1) {                                                                                    \
            const int32_t v0 = PK_LO4(w0r[pairs]), v1 = PK_LO4(w0r[row_bytes + pairs]);                 \
            PK_TOK2_BLOCK(0, NB5)                                                                        \
        }                                                                                                \
        PK_BLOCK_END(NB5);                                                                               \
    } while (0)

/* Single tokens (T < 5: the head after pooling) have nothing to share across tokens, so eight output rows
 * share each activation load instead, and the int4 unpacking is made cheaper: u ^ 0x88 turns both
 * two's-complement nibbles of a byte into offset binary w + 8 in [0, 15] (then lo = u & 15 and hi = u >> 4,
 * one instruction each instead of two shifts), and each sum is corrected once per output:
 * sum x (w + 8) - 8 sum x = sum x w, with sum x computed once per token. The offset sums can exceed the
 * int32 bound the compiler proves for sum x w, so they are accumulated as uint32: modulo 2^32 the corrected
 * value is exact, and it is in int32 range. rv32imc, head fc1 (64 -> 192): 6.5 -> 4.2 instructions per MAC. */
/* u = lo + 16 hi (offset binary), so xa lo + xb hi = xa u + (xb - 16 xa) hi: with zb = xb - 16 xa formed
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
        y[t * y_stride + r_] = (TYPE_Y)pk_rq_sat(acc_, mult[per_row ? r_ : 0], shift[per_row ? r_ : 0], \
                                                 out_min, out_max);                                      \
    } while (0)

#define PK_DEFINE_LINEAR_W4_I16_SINGLE(NAME, TX, TY)                                                     \
    static inline PK_SPECIALIZE void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride,          \
                                          const uint8_t *w, const int16_t *bias, int32_t bias_shift, int32_t out, \
                                          const int32_t *mult, const int8_t *shift, int32_t per_row,     \
                                          int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)     \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;                                        \
        const int32_t o8 = out - out % 8; /* precomputed tail start (-Waggressive-loop-optimizations) */ \
        int32_t o, t, i;                                                                                 \
        for (t = 0; t < T; ++t) {                                                                        \
            const TX *xr = x + t * x_stride;                                                             \
            uint32_t corr = 0; /* 8 sum x */                                                             \
            for (i = 0; i < in; ++i) corr += (uint32_t)(int32_t)xr[i];                                   \
            corr <<= 3;                                                                                  \
            for (o = 0; o < o8; o += 8) {                                                                \
                const uint8_t *wr = w + o * row_bytes;                                                   \
                uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;                 \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const int32_t xa = xr[2 * i], zb = xr[2 * i + 1] - 16 * xa;                          \
                    PK_OB_MAC(a0, 0); PK_OB_MAC(a1, 1); PK_OB_MAC(a2, 2); PK_OB_MAC(a3, 3);              \
                    PK_OB_MAC(a4, 4); PK_OB_MAC(a5, 5); PK_OB_MAC(a6, 6); PK_OB_MAC(a7, 7);              \
                }                                                                                        \
                if (in & 1) { /* the pad nibble (high) is left out */                                    \
                    const int32_t xa = xr[in - 1];                                                       \
                    PK_OB_LAST(a0, 0); PK_OB_LAST(a1, 1); PK_OB_LAST(a2, 2); PK_OB_LAST(a3, 3);          \
                    PK_OB_LAST(a4, 4); PK_OB_LAST(a5, 5); PK_OB_LAST(a6, 6); PK_OB_LAST(a7, 7);          \
                }                                                                                        \
                PK_OB_STORE(a0, 0); PK_OB_STORE(a1, 1); PK_OB_STORE(a2, 2); PK_OB_STORE(a3, 3);          \
                PK_OB_STORE(a4, 4); PK_OB_STORE(a5, 5); PK_OB_STORE(a6, 6); PK_OB_STORE(a7, 7);          \
            }                                                                                            \
            for (o = o8; o < out; ++o) {                                                                 \
                const uint8_t *wr = w + o * row_bytes;                                                   \
                uint32_t a0 = 0;                                                                         \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const int32_t xa = xr[2 * i], zb = xr[2 * i + 1] - 16 * xa;                          \
                    PK_OB_MAC(a0, 0);                                                                    \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    const int32_t xa = xr[in - 1];                                                       \
                    PK_OB_LAST(a0, 0);                                                                   \
                }                                                                                        \
                PK_OB_STORE(a0, 0);                                                                      \
            }                                                                                            \
        }                                                                                                \
    }

#define PK_DEFINE_LINEAR_W4_I16(NAME, TX, TY)                                                            \
    static inline PK_SPECIALIZE void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride,          \
                                          const uint8_t *w, const int16_t *bias, int32_t bias_shift, int32_t out, \
                                          const int32_t *mult, const int8_t *shift, int32_t per_row,     \
                                          int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)     \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        typedef TX TYPE_X;                                                                               \
        const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;                                        \
        /* precomputed block bounds (see the attention kernel on -Waggressive-loop-optimizations) */     \
        const int32_t t10 = T - T % 10, t5 = t10 + (T - t10) / 5 * 5;                                    \
        int32_t o, t, i;                                                                                 \
        if (T < 5) {                                                                                     \
            NAME##_single(x, T, in, x_stride, w, bias, bias_shift, out, mult, shift, per_row, out_min, out_max, y, \
                          y_stride);                                                                     \
            return;                                                                                      \
        }                                                                                                \
        for (o = 0; o + 2 <= out; o += 2) {                                                              \
            const uint8_t *w0r = w + o * row_bytes; /* row o + 1 follows at w0r + row_bytes */           \
            PK_ROWPAIR_QPARAMS;                                                                          \
            for (t = 0; t < t10; t += 10) PK_W4_I16_BLOCK(2);                                            \
            for (t = t10; t < t5; t += 5) PK_W4_I16_BLOCK(1);                                            \
            for (t = t5; t < T; ++t) {                                                                   \
                const TX *x0 = x + t * x_stride;                                                         \
                int32_t a00 = b0, a01 = b1;                                                              \
                for (i = 0; i < pairs; ++i) {                                                            \
                    const uint32_t u0 = w0r[i], u1 = w0r[row_bytes + i];                                 \
                    const int32_t xa = x0[2 * i], xb = x0[2 * i + 1];                                    \
                    a00 += xa * PK_LO4(u0) + xb * PK_HI4(u0);                                            \
                    a01 += xa * PK_LO4(u1) + xb * PK_HI4(u1);                                            \
                }                                                                                        \
                if (in & 1) {                                                                            \
                    a00 += x0[in - 1] * PK_LO4(w0r[pairs]);                                              \
                    a01 += x0[in - 1] * PK_LO4(w0r[row_bytes + pairs]);                                  \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01);                                                              \
            }                                                                                            \
        }                                                                                                \
        if (o < out) /* odd row count: the last row through the plain kernel */                          \
            NAME##_plain(x, T, in, x_stride, w + o * row_bytes, bias ? bias + o : 0, bias_shift, 1,      \
                         per_row ? mult + o : mult, per_row ? shift + o : shift, per_row, out_min,       \
                         out_max, y + o, y_stride);                                                      \
    }

PK_DEFINE_LINEAR_W4(pk_linear_w4_i16_i8_plain, int16_t, int8_t)
PK_DEFINE_LINEAR_W4(pk_linear_w4_i16_i16_plain, int16_t, int16_t)
#ifdef PK_HOST_VEC
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i16_i8, int16_t, int8_t, uint8_t, PK_VEC_UNPACK_W4, PK_VEC_X_SPLIT, 1)
PK_DEFINE_LINEAR_VEC(pk_linear_w4_i16_i16, int16_t, int16_t, uint8_t, PK_VEC_UNPACK_W4, PK_VEC_X_SPLIT, 1)
#else
PK_DEFINE_LINEAR_W4_I16_SINGLE(pk_linear_w4_i16_i8_single, int16_t, int8_t)
PK_DEFINE_LINEAR_W4_I16_SINGLE(pk_linear_w4_i16_i16_single, int16_t, int16_t)
PK_DEFINE_LINEAR_W4_I16(pk_linear_w4_i16_i8, int16_t, int8_t)
PK_DEFINE_LINEAR_W4_I16(pk_linear_w4_i16_i16, int16_t, int16_t)
#endif
/* int8 weights: two output rows per pass, so each activation load serves two rows (as for int16 x int4). */
#define PK_MAC1x2(a0, a1, xp)                                                                            \
    do {                                                                                                 \
        const int32_t xa = (xp)[i];                                                                      \
        a0 += xa * v0;                                                                                   \
        a1 += xa * v1;                                                                                   \
    } while (0)

/* one block of 5 * NB5 tokens from token t, rows o and o + 1 of int8 weights: two inputs per iteration */
#define PK_W8_BLOCK(NB5)                                                                                 \
    do {                                                                                                 \
        PK_BLOCK_BEGIN;                                                                                  \
        for (i = 0; i + 2 <= in; i += 2) {                                                               \
            int32_t v0 = w0r[i], v1 = w0r[in + i];                                                       \
            PK_TOK2_BLOCK(0, NB5)                                                                        \
            v0 = w0r[i + 1];                                                                             \
            v1 = w0r[in + i + 1];                                                                        \
            PK_TOK2_BLOCK(1, NB5)                                                                        \
            xp += 2;                                                                                     \
        }                                                                                                \
        if (in & 1) {                                                                                    \
            const int32_t v0 = w0r[in - 1], v1 = w0r[2 * in - 1];                                        \
            PK_TOK2_BLOCK(0, NB5)                                                                        \
        }                                                                                                \
        PK_BLOCK_END(NB5);                                                                               \
    } while (0)

/* int8 weights: the int16 x int4 kernel's blocking (two rows x ten tokens, one activation pointer, inlined
 * per call on rv32) without the unpacking. */
#define PK_DEFINE_LINEAR_W8_ROWPAIR(NAME, TX, TY)                                                        \
    static inline PK_SPECIALIZE void NAME(const TX *x, int32_t T, int32_t in, int32_t x_stride,          \
                                          const int8_t *w, const int16_t *bias, int32_t bias_shift,      \
                                          int32_t out, const int32_t *mult, const int8_t *shift,         \
                                          int32_t per_row, int32_t out_min, int32_t out_max, TY *y,      \
                                          int32_t y_stride)                                              \
    {                                                                                                    \
        typedef TY TYPE_Y;                                                                               \
        typedef TX TYPE_X;                                                                               \
        /* precomputed block bounds (see the attention kernel on -Waggressive-loop-optimizations) */     \
        const int32_t t10 = T - T % 10, t5 = t10 + (T - t10) / 5 * 5;                                    \
        int32_t o, t, i;                                                                                 \
        for (o = 0; o + 2 <= out; o += 2) {                                                              \
            const int8_t *w0r = w + o * in; /* row o + 1 follows at w0r + in */                          \
            PK_ROWPAIR_QPARAMS;                                                                          \
            for (t = 0; t < t10; t += 10) PK_W8_BLOCK(2);                                                \
            for (t = t10; t < t5; t += 5) PK_W8_BLOCK(1);                                                \
            for (t = t5; t < T; ++t) {                                                                   \
                const TX *x0 = x + t * x_stride;                                                         \
                int32_t a00 = b0, a01 = b1;                                                              \
                for (i = 0; i < in; ++i) {                                                               \
                    const int32_t v0 = w0r[i], v1 = w0r[in + i];                                         \
                    PK_MAC1x2(a00, a01, x0);                                                             \
                }                                                                                        \
                PK_SWAR_STORE(t, a00, a01);                                                              \
            }                                                                                            \
        }                                                                                                \
        if (o < out) /* odd row count: the last row through the plain kernel */                          \
            NAME##_plain(x, T, in, x_stride, w + o * in, bias ? bias + o : 0, bias_shift, 1,             \
                         per_row ? mult + o : mult, per_row ? shift + o : shift, per_row, out_min,       \
                         out_max, y + o, y_stride);                                                      \
    }

PK_DEFINE_LINEAR_W8(pk_linear_w8_i8_i8_plain, int8_t, int8_t)
PK_DEFINE_LINEAR_W8(pk_linear_w8_i8_i16_plain, int8_t, int16_t)
PK_DEFINE_LINEAR_W8(pk_linear_w8_i16_i8_plain, int16_t, int8_t)
PK_DEFINE_LINEAR_W8(pk_linear_w8_i16_i16_plain, int16_t, int16_t)
#ifdef PK_HOST_VEC
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i8_i8, int8_t, int8_t, int8_t, PK_VEC_UNPACK_W8, PK_VEC_X_ORDER, 0)
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i8_i16, int8_t, int16_t, int8_t, PK_VEC_UNPACK_W8, PK_VEC_X_ORDER, 0)
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i16_i8, int16_t, int8_t, int8_t, PK_VEC_UNPACK_W8, PK_VEC_X_ORDER, 0)
PK_DEFINE_LINEAR_VEC(pk_linear_w8_i16_i16, int16_t, int16_t, int8_t, PK_VEC_UNPACK_W8, PK_VEC_X_ORDER, 0)
#else
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i8_i8, int8_t, int8_t)
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i8_i16, int8_t, int16_t)
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i16_i8, int16_t, int8_t)
PK_DEFINE_LINEAR_W8_ROWPAIR(pk_linear_w8_i16_i16, int16_t, int16_t)
#endif

/* ---------------------------------------------------------------- element-wise */

/* y = sat(floor((a * mult_a + b * mult_b + 2^(n-1)) / 2^n)), n = 31 + shift: both inputs are brought to
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
 * kernel too big for gcc to inline, and the out-of-line copy with a run-time shift cost more). */
/* One element; a, b, y, the split multipliers a0 a1 b0 b1, k, rnd, r, out_min, out_max in scope. */
#define PK_ADD_STEP(TY, i)                                                                               \
    {                                                                                                    \
        const int32_t xa = a[i], xb = b[i];                                                              \
        const int32_t t1 = xa * a1 + xb * b1, t0 = xa * a0 + xb * b0;                                    \
        int32_t v = (((t1 + (t0 >> 16)) >> k) + rnd) >> r;                                               \
        if (v < out_min) v = out_min;                                                                    \
        else if (v > out_max) v = out_max;                                                               \
        y[i] = (TY)v;                                                                                    \
    }
#define PK_DEFINE_ADD(NAME, TA, TB, TY)                                                                  \
    static inline void NAME(const TA *a, const TB *b, int32_t n, int32_t mult_a, int32_t mult_b,         \
                            int32_t shift, int32_t out_min, int32_t out_max, TY *y)                      \
    {                                                                                                    \
        const int32_t sh = 31 + shift;                                                                   \
        int32_t i;                                                                                       \
        if (mult_a >= 0 && mult_b >= 0 && sh >= 17) {                                                    \
            /* m0 = ((m + 2^15 - 1) mod 2^16) - (2^15 - 1); m - m0 reaches 2^31, so in uint32 */         \
            int32_t a0 = (int32_t)(((uint32_t)mult_a + 0x7fffu) & 0xffffu) - 0x7fff;                     \
            int32_t b0 = (int32_t)(((uint32_t)mult_b + 0x7fffu) & 0xffffu) - 0x7fff;                     \
            int32_t a1 = (int32_t)(((uint32_t)mult_a - (uint32_t)a0) >> 16);                             \
            int32_t b1 = (int32_t)(((uint32_t)mult_b - (uint32_t)b0) >> 16);                             \
            const int32_t k = sh > 32 ? sh - 32 : 0, r = sh > 32 ? 16 : sh - 16;                         \
            PK_OPAQUE(a0); PK_OPAQUE(a1); PK_OPAQUE(b0); PK_OPAQUE(b1);                                  \
            const int32_t rnd = (int32_t)1 << (r - 1);                                                   \
            for (i = 0; i + 1 < n; i += 2) {                                                             \
                PK_ADD_STEP(TY, i)                                                                       \
                PK_ADD_STEP(TY, i + 1)                                                                   \
            }                                                                                            \
            if (i < n) PK_ADD_STEP(TY, i)                                                                \
            return;                                                                                      \
        }                                                                                                \
        {                                                                                                \
            const int64_t half = (int64_t)1 << (sh - 1);                                                 \
            for (i = 0; i < n; ++i)                                                                      \
                y[i] = (TY)pk_sat(((int64_t)a[i] * mult_a + (int64_t)b[i] * mult_b + half) >> sh,       \
                                  out_min, out_max);                                                     \
        }                                                                                                \
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

/* int16 input through a 257-point table sampled every 256 codes (table[i] = f at code -32768 + 256 i, in
 * output codes; the compiler keeps every entry inside the output type): u = x + 32768, i = u >> 8,
 * r = u & 255, y = table[i] + floor(((table[i+1] - table[i]) * r + 128) / 256).
 * Computed from the table's middle, tm = table + 128: u >> 8 = (x >> 8) + 128 and u & 255 = x & 255, so
 * tm[x >> 8] is table[i] without the + 32768; two values per iteration (rv32: 17 -> ~14 instructions). */
#define PK_LUT16_ONE(TY, XV, YP)                                                                         \
    do {                                                                                                 \
        const int32_t x_ = (XV);                                                                         \
        const int16_t *p_ = tm + (x_ >> 8);                                                              \
        const int32_t t0_ = p_[0];                                                                       \
        *(YP) = (TY)(t0_ + (((p_[1] - t0_) * (x_ & 255) + 128) >> 8));                                   \
    } while (0)

#define PK_DEFINE_LUT16_INTERP(NAME, TY)                                                                 \
    static inline void NAME(const int16_t *x, int32_t n, const int16_t *table, TY *y)                    \
    {                                                                                                    \
        const int16_t *tm = table + 128;                                                                 \
        int32_t i;                                                                                       \
        for (i = 0; i < (n & ~3); i += 4) {                                                              \
            PK_LUT16_ONE(TY, x[i], y + i);                                                               \
            PK_LUT16_ONE(TY, x[i + 1], y + i + 1);                                                       \
            PK_LUT16_ONE(TY, x[i + 2], y + i + 2);                                                       \
            PK_LUT16_ONE(TY, x[i + 3], y + i + 3);                                                       \
        }                                                                                                \
        for (; i < n; ++i) PK_LUT16_ONE(TY, x[i], y + i);                                                \
    }

#if defined(PK_HOST_VEC) && !defined(__clang__)
/* x86-64 host, gcc: table[i] and table[i+1] come from one unaligned 32-bit load (little-endian: table[i] in the
 * low half), so gcc vectorizes the loop (eight scalar loads inserted into a vector, vpmulld, one 16-byte
 * store) where the two int16 loads kept it scalar. The results go to a small stack block first: gcc does
 * not vectorize table loads next to stores that might alias them (y is not declared apart from table and
 * x), and the block's copy to y is a plain vector copy. The same integers as PK_LUT16_ONE. Measured (gcc 12,
 * AMD EPYC, 1280 values): 1.47 -> 0.64 us; clang 14 at -O2 (SSE2 only) does not gain (1.57 -> 1.67 us),
 * so it keeps the loop below. */
#define PK_LUT16_BLOCK 128
#define PK_DEFINE_LUT16_INTERP_VEC(NAME, TY)                                                             \
    static inline PK_VEC_ATTR void NAME(const int16_t *x, int32_t n, const int16_t *table, TY *y)        \
    {                                                                                                    \
        const int16_t *tm = table + 128;                                                                 \
        TY blk[PK_LUT16_BLOCK];                                                                          \
        int32_t i, j, m;                                                                                 \
        for (i = 0; i < n; i += PK_LUT16_BLOCK) {                                                        \
            m = n - i < PK_LUT16_BLOCK ? n - i : PK_LUT16_BLOCK;                                         \
            for (j = 0; j < m; ++j) {                                                                    \
                const int32_t x_ = x[i + j];                                                             \
                int32_t pr_, t0_;                                                                        \
                __builtin_memcpy(&pr_, tm + (x_ >> 8), sizeof pr_);                                      \
                t0_ = (int16_t)pr_;                                                                      \
                blk[j] = (TY)(t0_ + ((((pr_ >> 16) - t0_) * (x_ & 255) + 128) >> 8));                    \
            }                                                                                            \
            for (j = 0; j < m; ++j) y[i + j] = blk[j];                                                   \
        }                                                                                                \
    }
PK_DEFINE_LUT16_INTERP_VEC(pk_lut16_interp_i8, int8_t)
PK_DEFINE_LUT16_INTERP_VEC(pk_lut16_interp_i16, int16_t)
#else
PK_DEFINE_LUT16_INTERP(pk_lut16_interp_i8, int8_t)
PK_DEFINE_LUT16_INTERP(pk_lut16_interp_i16, int16_t)
#endif

/* ---------------------------------------------------------------- layer normalization */

/* floor(sqrt(v)) for 2^60 <= v < 2^62 (the LayerNorm's scaled variance), exact, in 40-55 rv32
 * instructions (measured; the former digit-by-digit loop over 64-bit values took 736):
 *   u = floor(v / 2^30) in [2^30, 2^32); x = floor(sqrt(u)) in [2^15, 2^16) by integer Newton from
 *   u / 2^17 + 32769 >= sqrt(u) (the chord u / 2^17 + 2^15 lies above sqrt on [2^30, 2^32]), decreasing
 *   until it stops; then with b = x 2^15 and rem = v - b^2 in [0, 2^48): s = floor(b + rem / (2 b)) is
 *   floor(sqrt(v)) or one more, as sqrt(b^2 + rem) lies in [b + rem/(2b) - (rem/(2b))^2/(2b), b + rem/(2b)]
 *   with rem/(2b) <= 2^15 + 1, so (rem/(2b))^2/(2b) <= 1/2; the last loop steps down to the floor. */
static inline uint32_t pk_isqrt_q60(uint64_t v)
{
    const uint32_t u = (uint32_t)(v >> 30);
    uint32_t x = (u >> 17) + 32769u, nx, s;
    for (;;) {
        nx = (x + u / x) >> 1;
        if (nx >= x) break;
        x = nx;
    }
    s = (x << 15) + (uint32_t)((v - ((uint64_t)(x * x) << 30)) >> 16) / x;
    while ((uint64_t)s * s > v) --s; /* at most once */
    return s;
}

/* floor(2^60 / s) for 2^30 <= s < 2^31, exact: = floor(2^61 / d) with d = 2 s >= 2^31 (normalized), by
 * two 32 / 16-bit digit steps with divu (Hacker's Delight divlu, the dividend's low word being 0); each
 * estimate q exceeds the true digit by at most 2 and the loops correct it. 30-45 rv32 instructions
 * (measured) instead of 69 in __udivdi3. */
static inline uint32_t pk_recip_q60(uint32_t s)
{
    const uint32_t d = s << 1, dh = d >> 16, dl = d & 0xffffu;
    uint32_t q1, q0, rhat, r;
    q1 = ((uint32_t)1 << 29) / dh;
    rhat = ((uint32_t)1 << 29) - q1 * dh;
    while (q1 > 0xffffu || q1 * dl > (rhat << 16)) {
        --q1;
        rhat += dh;
        if (rhat > 0xffffu) break;
    }
    r = 0u - q1 * d; /* 2^45 - q1 d (< d) modulo 2^32 */
    q0 = r / dh;
    rhat = r - q0 * dh;
    while (q0 > 0xffffu || q0 * dl > (rhat << 16)) {
        --q0;
        rhat += dh;
        if (rhat > 0xffffu) break;
    }
    return (q1 << 16) | q0;
}

/* The least a >= 0 with w 4^a >= 2^60, for 1 <= w < 2^62, on 32-bit words: with w = hi 2^32 + lo,
 * hi > 0: w 4^a >= 2^60 exactly when hi 4^a >= 2^28 (a <= 14: 2^60 is a multiple of 4^a 2^32, so lo cannot
 * make up a shortfall); hi = 0: a >= 15 (lo 4^14 < 2^60) and w 4^a >= 2^60 when lo 4^(a-15) >= 2^30.
 * (The 64-bit shift-and-compare loop it replaces took ~11 rv32 instructions per step.) */
static inline int32_t pk_ln_scale_q60(uint64_t w)
{
    const uint32_t hi = (uint32_t)(w >> 32);
    uint32_t m = hi != 0 ? hi : (uint32_t)w, lim = hi != 0 ? (uint32_t)1 << 28 : (uint32_t)1 << 30;
    int32_t a = hi != 0 ? 0 : 15;
    while (m < lim) {
        m <<= 2;
        ++a;
    }
    return a;
}

/* Per row of d values (d <= 128, eps_q < 2^56), with E = PK_LN_EPS_FRAC_I8 / _I16 by the input type:
 *   S = sum x;  c_i = d x_i - S  (= d (x_i - mean), exact);  V = sum c_i^2  (< 2^37 for int8, < 2^53 for int16);
 *   W = V 2^E + eps_q  (eps_q = round(eps d^3 2^E / s_x^2): eps with E fraction bits), W = max(W, 2^E)
 *   (W < 2^E only when V = 0, where every c_i is 0 anyway); a = the least a >= 0 with W 4^a >= 2^60;
 *   s = isqrt(W 4^a); R = floor(2^60 / s);
 *   t_i = round_half_up(c_i R / 2^(30 - E/2 - a))      (= z_i / sqrt(d) in Q30, z the normalized value)
 *   acc_i = round_half_up(t_i gamma_i / 2^pre_shift) + beta_i;   y_i = sat(requant(acc_i, mult, shift)).
 * gamma is int16 (scale s_g), beta int16 in accumulator units s_acc = 2^(pre_shift-30) sqrt(d) s_g: the
 * compiler takes the smallest pre_shift in [16, 32] at which every beta fits int16 (int16 halves beta's
 * flash; the coarser accumulator unit stays far below the output's LSB, docs/quantization.md). Then
 * |acc| <= 2^30 2^15 / 2^16 + 2^15 < 2^31.
 * How (same integers; rv32, micro's 10 x 64 blocks: 42,800 -> 21,100 instructions, libgcc calls included):
 *   - one pass for S and Q = sum x^2 (x^2 <= 2^30: two squares add in uint32), V = d (d Q - S^2) exactly;
 *   - a by pk_ln_scale_q60, s by pk_isqrt_q60 (W 4^a is in [2^60, 2^62)), R by pk_recip_q60: no 64-bit
 *     division, no 64-bit shift loop;
 *   - with k = a + E/2: c^2 2^E 4^a <= V 2^E 4^a <= W 4^a < 2^62, so ck = c 2^k fits int32, computed as
 *     x (d 2^k) - S 2^k modulo 2^32; t = floor((ck R + 2^29) / 2^30) = floor((ck 4R + 2^31) / 2^32), and
 *     with rn = 4R - 2^32 in [-2^31, 0] (R in [2^29, 2^30]): ck 4R = ck rn + ck 2^32, so t = hi + ck +
 *     (lo >> 31) for ck rn = hi 2^32 + lo (one mul and one mulh, no 64-bit shifts);
 *   - acc: floor((t gamma + 2^(p-1)) / 2^p) = floor((t G + 2^31) / 2^32) with G = gamma 2^(32-p), which
 *     fits int32 for p >= 16: again hi + (lo >> 31) of one 32 x 32 product. */
#define PK_LN_EPS_FRAC_I8 20
#define PK_LN_EPS_FRAC_I16 8

/* One element of the LayerNorm: y = sat(requant(acc)) from ck = c_i 2^k (see above). */
#define PK_LN_ELEMENT(TY, XV, G, B, YP)                                                                  \
    do {                                                                                                 \
        const int32_t ck_ = (int32_t)((uint32_t)(XV) * dk - sk);                                         \
        const int32_t tq_ = (int32_t)(((int64_t)ck_ * rn) >> 32) + ck_ +                                 \
                            (int32_t)(((uint32_t)ck_ * (uint32_t)rn) >> 31);                             \
        const int32_t g_ = (int32_t)((uint32_t)(G) << (32 - pre_shift));                                 \
        const int32_t acc_ = (int32_t)(((int64_t)tq_ * g_) >> 32) +                                      \
                             (int32_t)(((uint32_t)tq_ * (uint32_t)g_) >> 31) + (B);                      \
        *(YP) = (TY)pk_rq_sat(acc_, mult, shift, out_min, out_max);                                      \
    } while (0)

#define PK_DEFINE_LAYERNORM(NAME, TX, TY, E)                                                            \
    static inline void NAME(const TX *x, int32_t T, int32_t d, int32_t x_stride, int64_t eps_q,          \
                            const int16_t *gamma, const int16_t *beta, int32_t pre_shift, int32_t mult,  \
                            int32_t shift, int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)    \
    {                                                                                                    \
        int32_t t, i;                                                                                    \
        for (t = 0; t < T; ++t) {                                                                        \
            const TX *xr = x + t * x_stride;                                                             \
            TY *yr = y + t * y_stride;                                                                   \
            int32_t sum = 0, a, k, rn;                                                                   \
            uint32_t dk, sk, r, qlo = 0, qhi = 0, p;                                                     \
            uint64_t w;                                                                                  \
            for (i = 0; i + 1 < d; i += 2) { /* sum x^2 < 2^37 as qhi 2^32 + qlo */                      \
                const int32_t v0 = xr[i], v1 = xr[i + 1];                                                \
                sum += v0 + v1;                                                                          \
                p = (uint32_t)(v0 * v0) + (uint32_t)(v1 * v1);                                           \
                qlo += p;                                                                                \
                qhi += qlo < p;                                                                          \
            }                                                                                            \
            if (i < d) {                                                                                 \
                sum += xr[i];                                                                            \
                p = (uint32_t)(xr[i] * xr[i]);                                                           \
                qlo += p;                                                                                \
                qhi += qlo < p;                                                                          \
            }                                                                                            \
            w = (uint64_t)(d * ((int64_t)d * (int64_t)(((uint64_t)qhi << 32) | qlo) - (int64_t)sum * sum)); \
            w = (w << (E)) + (uint64_t)eps_q;                                                            \
            if (w < ((uint64_t)1 << (E))) w = (uint64_t)1 << (E);                                        \
            a = pk_ln_scale_q60(w);                                                                      \
            r = pk_recip_q60(pk_isqrt_q60(w << (2 * a)));                                               \
            rn = (int32_t)(r << 2); /* 4r - 2^32 (r in [2^29, 2^30]) */                                   \
            k = a + (E) / 2;                                                                             \
            dk = (uint32_t)d << k;                                                                       \
            sk = (uint32_t)sum << k;                                                                     \
            for (i = 0; i + 1 < d; i += 2) {                                                             \
                PK_LN_ELEMENT(TY, xr[i], gamma[i], beta[i], yr + i);                                     \
                PK_LN_ELEMENT(TY, xr[i + 1], gamma[i + 1], beta[i + 1], yr + i + 1);                     \
            }                                                                                            \
            if (i < d) PK_LN_ELEMENT(TY, xr[i], gamma[i], beta[i], yr + i);                              \
        }                                                                                                \
    }

#ifdef PK_HOST_VEC
/* x86-64 host form (PK_HOST_VEC): the same integers, in groups of PK_LN_ROWS rows: first every row's S, a
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
 * A multiplier of 1/2 or more (n < 33) or d > 128 goes to the node's loop (pk_layernorm_*_plain).
 * micro (10 x 64, int16, gcc 12, AMD EPYC): 2.9 -> 0.65 us per LayerNorm (time_host per-op profile). */
#define PK_LN_MAX_D 128
#define PK_LN_ROWS 16 /* rows per group (stack: 3 x 16 int32) */
#define PK_DEFINE_LAYERNORM_VEC(NAME, TX, TY, E)                                                        \
    static inline PK_VEC_ATTR_V4 void NAME(const TX *x, int32_t T, int32_t d, int32_t x_stride, int64_t eps_q, \
                                        const int16_t *gamma, const int16_t *beta, int32_t pre_shift,    \
                                        int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,   \
                                        TY *y, int32_t y_stride)                                         \
    {                                                                                                    \
        int32_t gq[PK_LN_MAX_D], bq[PK_LN_MAX_D], res[PK_LN_MAX_D], rs[PK_LN_ROWS], ks[PK_LN_ROWS], ss[PK_LN_ROWS]; \
        const int32_t n = 31 + shift;                                                                    \
        int32_t t, t0, i, rnd, sh;                                                                       \
        if (n < 33 || d > PK_LN_MAX_D) {                                                                 \
            NAME##_plain(x, T, d, x_stride, eps_q, gamma, beta, pre_shift, mult, shift, out_min, out_max, y, \
                         y_stride);                                                                      \
            return;                                                                                      \
        }                                                                                                \
        rnd = (int32_t)1 << (n - 33);                                                                    \
        sh = n - 32;                                                                                     \
        for (i = 0; i < d; ++i) {                                                                        \
            gq[i] = (int32_t)((uint32_t)gamma[i] << (32 - pre_shift));                                   \
            bq[i] = beta[i];                                                                             \
        }                                                                                                \
        for (t0 = 0; t0 < T; t0 += PK_LN_ROWS) {                                                         \
            const int32_t nt = T - t0 < PK_LN_ROWS ? T - t0 : PK_LN_ROWS;                                \
            for (t = 0; t < nt; ++t) {                                                                   \
                const TX *xr = x + (t0 + t) * x_stride;                                                  \
                int32_t sum = 0, a, b;                                                                   \
                int64_t q = 0;                                                                           \
                uint64_t w;                                                                              \
                for (i = 0; i < d; ++i) {                                                                \
                    const int32_t v = xr[i];                                                             \
                    sum += v;                                                                            \
                    q += v * v;                                                                          \
                }                                                                                        \
                w = (uint64_t)(d * ((int64_t)d * q - (int64_t)sum * sum));                               \
                w = (w << (E)) + (uint64_t)eps_q;                                                        \
                if (w < ((uint64_t)1 << (E))) w = (uint64_t)1 << (E);                                    \
                b = 63 - __builtin_clzll(w);                                                             \
                a = b >= 60 ? 0 : (61 - b) >> 1;                                                         \
                rs[t] = (int32_t)((uint32_t)(((uint64_t)1 << 60) / pk_isqrt_q60(w << (2 * a))) << 2);    \
                ks[t] = a + (E) / 2;                                                                     \
                ss[t] = sum;                                                                             \
            }                                                                                            \
            for (t = 0; t < nt; ++t) {                                                                   \
                const TX *xr = x + (t0 + t) * x_stride;                                                  \
                TY *yr = y + (t0 + t) * y_stride;                                                        \
                const int32_t rn = rs[t];                                                                \
                const uint32_t dk = (uint32_t)d << ks[t], sk = (uint32_t)ss[t] << ks[t];                 \
                for (i = 0; i < d; ++i) {                                                                \
                    const int32_t ck_ = (int32_t)((uint32_t)xr[i] * dk - sk);                            \
                    const int32_t tq_ = (int32_t)((uint64_t)((int64_t)ck_ * rn) >> 32) + ck_ +           \
                                        (int32_t)(((uint32_t)ck_ * (uint32_t)rn) >> 31);                 \
                    const int32_t acc_ = (int32_t)((uint64_t)((int64_t)tq_ * gq[i]) >> 32) +             \
                                         (int32_t)(((uint32_t)tq_ * (uint32_t)gq[i]) >> 31) + bq[i];     \
                    const int32_t v_ = ((int32_t)((uint64_t)((int64_t)acc_ * mult) >> 32) + rnd) >> sh;  \
                    res[i] = v_ < out_min ? out_min : (v_ > out_max ? out_max : v_);                     \
                }                                                                                        \
                for (i = 0; i < d; ++i) yr[i] = (TY)res[i];                                              \
            }                                                                                            \
        }                                                                                                \
    }
PK_DEFINE_LAYERNORM(pk_layernorm_i8_i8_plain, int8_t, int8_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM(pk_layernorm_i8_i16_plain, int8_t, int16_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM(pk_layernorm_i16_i8_plain, int16_t, int8_t, PK_LN_EPS_FRAC_I16)
PK_DEFINE_LAYERNORM(pk_layernorm_i16_i16_plain, int16_t, int16_t, PK_LN_EPS_FRAC_I16)
PK_DEFINE_LAYERNORM_VEC(pk_layernorm_i8_i8, int8_t, int8_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM_VEC(pk_layernorm_i8_i16, int8_t, int16_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM_VEC(pk_layernorm_i16_i8, int16_t, int8_t, PK_LN_EPS_FRAC_I16)
PK_DEFINE_LAYERNORM_VEC(pk_layernorm_i16_i16, int16_t, int16_t, PK_LN_EPS_FRAC_I16)
#else
PK_DEFINE_LAYERNORM(pk_layernorm_i8_i8, int8_t, int8_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM(pk_layernorm_i8_i16, int8_t, int16_t, PK_LN_EPS_FRAC_I8)
PK_DEFINE_LAYERNORM(pk_layernorm_i16_i8, int16_t, int8_t, PK_LN_EPS_FRAC_I16)
PK_DEFINE_LAYERNORM(pk_layernorm_i16_i16, int16_t, int16_t, PK_LN_EPS_FRAC_I16)
#endif

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
 * input; hd > 65536 takes that loop, and so does a PK_X86_HOST host (1.5 us faster there). */
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
    if (hd > 65536 || PK_X86_HOST) {
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
/* The host's softmax of G rows of T logits at once (x [G][T], row maxima mx [G], G T <= PK_ATT_HOST_TT), for
 * n = 31 + shift >= 32 (every real scale): pk_softmax_row_i32_inplace_mx's integers in flat passes over the
 * G T values, branch-free so that gcc vectorizes them (AVX2: table gathers, per-lane shifts), p in int16:
 *  - with d2 = 2 min(diff, 2^31 - 1) < 2^32, floor((diff mult + 2^(n-1)) / 2^n)
 *    = floor((floor(d2 mult / 2^32) + 2^(n-32)) / 2^(n-31))     (nested floors; one 32x32 high product);
 *  - ((t >> (ip + 5)) + 1) >> 1 = (t + 2^(ip+5)) >> (ip + 6)   (t < 2^30, ip <= 24: no wrap);
 *  - exponents past the table's range (v >= 25 2^16) give 0 as there: their lane computes on v = 0 and is
 *    masked (masks, not ?: selects: gcc 12 turned a select into a branch, knowing the table's entries,
 *    and then left the loop scalar);
 *  - each row's reciprocal is spread over its T entries for the last flat pass. */
#define PK_ATT_HOST_TT 1024 /* logits per softmax block: 3 x 4 KB + 2 KB of stack */
static inline PK_HOST_PASS void pk_host_softmax_rows(const int32_t *x, const int32_t *mx, int32_t G, int32_t T,
                                                     uint32_t mult, uint32_t round, int32_t s, int16_t *p)
{
    uint32_t e[PK_ATT_HOST_TT], r[PK_ATT_HOST_TT];
    const int32_t n = G * T;
    int32_t i, g, j;
    for (g = 0; g < G; ++g)
        for (j = 0; j < T; ++j) e[g * T + j] = (uint32_t)mx[g] - (uint32_t)x[g * T + j];
    for (i = 0; i < n; ++i) {
        const uint32_t d2 = e[i] > 0x7fffffffu ? 0xfffffffeu : e[i] << 1;
        const uint32_t v = ((uint32_t)(((uint64_t)d2 * mult) >> 32) + round) >> s;
        const uint32_t in_range = (uint32_t)((int32_t)(v - (25u << 16)) >> 31); /* v < 2^31: all ones iff v < 25 2^16 */
        const uint32_t vc = v & in_range;
        const uint32_t i0 = (vc >> 8) & 0xffu, ip = vc >> 16;
        const uint32_t t0 = pk_exp2_neg_q30[i0], t1 = pk_exp2_neg_q30[i0 + 1];
        const uint32_t t = t0 - (((t0 - t1) * (vc & 0xffu) + 128u) >> 8);
        e[i] = ((t + (1u << (ip + 5))) >> (ip + 6)) & in_range;
    }
    for (g = 0; g < G; ++g) {
        uint32_t sum = 0, recip;
        for (j = 0; j < T; ++j) sum += e[g * T + j];
        recip = (uint32_t)(((uint64_t)1 << 55) / sum);
        for (j = 0; j < T; ++j) r[g * T + j] = recip;
    }
    for (i = 0; i < n; ++i) {
        const uint32_t q = (uint32_t)(((uint64_t)e[i] * r[i] + ((uint64_t)1 << 39)) >> 40);
        p[i] = (int16_t)(q - (q >> 15));
    }
}

/* x86-64 host variant (PK_X86_HOST; out of line and vectorized by gcc, PK_HOST_PASS), the same integers:
 *  - logits as int32 dot products, which gcc turns into pmaddwd: int8 q, k directly (|q k| <= 2^14); int16 k
 *    split once per head into kh = k >> 8 in [-128, 127] and kl = k & 255, so that q.k = 256 q.kh + q.kl
 *    with |q.kh| <= hd 2^22 and |q.kl| <= hd 32768 255, both exact int32 sums for hd <= 256 (in any order,
 *    pairs included), combined in int64;
 *  - the softmax of all T query rows at once (T T <= PK_ATT_HOST_TT; one row at a time beyond), in
 *    pk_host_softmax_rows for n = 31 + sm_shift >= 32, else pk_softmax_row_i32_inplace_mx per row;
 *  - p_j in int16 (p_j <= 32767), the weighted sums 16 columns at a time in registers (widening 16-bit
 *    multiplies; the kernel's bound on sum_j p_j |v_jc| holds for every partial sum);
 *  - requantization (n = 31 + shift >= 33) with the signed high product from the unsigned one:
 *    floor(acc mult / 2^32) = floor(acc_u mult / 2^32) - [acc < 0] mult for acc_u = acc mod 2^32 and
 *    0 <= mult < 2^31 (vpmuludq), then pk_rq_sat's rounding and saturation; n < 33 through pk_rq_sat.
 * micro (T = 10, H = 2, hd = 32, int16): 5.0 -> 1.7 us per call (C timing harness, AVX2 clone). No scratch
 * argument: everything lives on the stack (about 20 KB). Shapes beyond it (hd > 256, T hd > PK_ATT_HOST_KD)
 * take the node's loops. */
#define PK_ATT_HOST_KD 2048 /* T hd of the split keys: 2 x 4 KB of stack */
#define PK_DEFINE_ATTENTION_HOST(NAME, TX, TY, SPLIT)                                                    \
    static inline PK_HOST_PASS void NAME(const TX *q, const TX *k, const TX *v, int32_t ld, int32_t T,   \
                                         int32_t H, int32_t hd, int32_t logit_shift, int32_t sm_mult,    \
                                         int32_t sm_shift, int32_t mult, int32_t shift, int32_t out_min, \
                                         int32_t out_max, TY *y, int32_t y_stride)                       \
    {                                                                                                    \
        int16_t kh[PK_ATT_HOST_KD], kl[PK_ATT_HOST_KD], pb[PK_ATT_HOST_TT];                              \
        int32_t acc[256], lg[PK_ATT_HOST_TT], mxr[128];                                                  \
        const int32_t half = logit_shift > 0 ? (int32_t)1 << (logit_shift - 1) : 0;                      \
        const int32_t n = 31 + shift, nsm = 31 + sm_shift;                                               \
        const int32_t G = T * T <= PK_ATT_HOST_TT ? T : 1; /* query rows per softmax block */            \
        int32_t h, t, t0, j, c;                                                                          \
        for (h = 0; h < H; ++h) {                                                                        \
            const int32_t col = h * hd;                                                                  \
            for (j = 0; j < T; ++j) {                                                                    \
                const TX *kr = k + j * ld + col;                                                         \
                int16_t *hr = kh + j * hd, *lr = kl + j * hd;                                            \
                for (c = 0; c < hd; ++c) {                                                               \
                    hr[c] = (int16_t)(SPLIT ? kr[c] >> 8 : kr[c]);                                       \
                    lr[c] = (int16_t)(kr[c] & 255);                                                      \
                }                                                                                        \
            }                                                                                            \
            for (t0 = 0; t0 < T; t0 += G) {                                                              \
                for (t = t0; t < t0 + G; ++t) { /* logits of G query rows and their maxima */            \
                    const TX *qr = q + t * ld + col;                                                     \
                    int32_t *lgr = lg + (t - t0) * T, mx = INT32_MIN;                                    \
                    for (j = 0; j < T; ++j) {                                                            \
                        const int16_t *hr = kh + j * hd, *lr = kl + j * hd;                              \
                        int32_t sh = 0, sl = 0, l;                                                       \
                        if (SPLIT) {                                                                     \
                            for (c = 0; c < hd; ++c) {                                                   \
                                sh += qr[c] * hr[c];                                                     \
                                sl += qr[c] * lr[c];                                                     \
                            }                                                                            \
                            l = (int32_t)(((int64_t)sh * 256 + sl + half) >> logit_shift);               \
                        } else {                                                                         \
                            for (c = 0; c < hd; ++c) sh += qr[c] * hr[c];                                \
                            l = (sh + half) >> logit_shift;                                              \
                        }                                                                                \
                        lgr[j] = l;                                                                      \
                        mx = l > mx ? l : mx;                                                            \
                    }                                                                                    \
                    mxr[t - t0] = mx;                                                                    \
                }                                                                                        \
                if (nsm >= 32) {                                                                         \
                    pk_host_softmax_rows(lg, mxr, G, T, (uint32_t)sm_mult, (uint32_t)1 << (nsm - 32), nsm - 31, \
                                         pb);                                                            \
                } else {                                                                                 \
                    for (t = 0; t < G; ++t) {                                                            \
                        pk_softmax_row_i32_inplace_mx(lg + t * T, T, mxr[t], sm_mult, sm_shift, lg + t * T); \
                        for (j = 0; j < T; ++j) pb[t * T + j] = (int16_t)lg[t * T + j];                  \
                    }                                                                                    \
                }                                                                                        \
                for (t = t0; t < t0 + G; ++t) { /* weighted sums of the value rows, requantized */       \
                    const int16_t *p = pb + (t - t0) * T;                                                \
                    const TX *vr = v + col;                                                              \
                    TY *yr = y + t * y_stride + col;                                                     \
                    for (c = 0; c + 16 <= hd; c += 16) {                                                 \
                        int32_t a[16], i;                                                                \
                        for (i = 0; i < 16; ++i) a[i] = p[0] * vr[c + i];                                \
                        for (j = 1; j < T; ++j) {                                                        \
                            const int16_t pj = p[j];                                                     \
                            const TX *vj = vr + j * ld + c;                                              \
                            for (i = 0; i < 16; ++i) a[i] += pj * vj[i];                                 \
                        }                                                                                \
                        for (i = 0; i < 16; ++i) acc[c + i] = a[i];                                      \
                    }                                                                                    \
                    for (; c < hd; ++c) {                                                                \
                        int32_t a = 0;                                                                   \
                        for (j = 0; j < T; ++j) a += p[j] * vr[j * ld + c];                              \
                        acc[c] = a;                                                                      \
                    }                                                                                    \
                    if (n >= 33) {                                                                       \
                        const int32_t r = (int32_t)1 << (n - 33), s = n - 32;                            \
                        const uint32_t m = (uint32_t)mult;                                               \
                        for (c = 0; c < hd; ++c) {                                                       \
                            const uint32_t hu = (uint32_t)(((uint64_t)(uint32_t)acc[c] * m) >> 32);      \
                            int32_t w = ((int32_t)(hu - (acc[c] < 0 ? m : 0u)) + r) >> s;                \
                            w = w < out_min ? out_min : w;                                               \
                            yr[c] = (TY)(w > out_max ? out_max : w);                                     \
                        }                                                                                \
                    } else {                                                                             \
                        for (c = 0; c < hd; ++c) yr[c] = (TY)pk_rq_sat(acc[c], mult, shift, out_min, out_max); \
                    }                                                                                    \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }
PK_DEFINE_ATTENTION_HOST(pk_attention_host_i8_i8, int8_t, int8_t, 0)
PK_DEFINE_ATTENTION_HOST(pk_attention_host_i8_i16, int8_t, int16_t, 0)
PK_DEFINE_ATTENTION_HOST(pk_attention_host_i16_i8, int16_t, int8_t, 1)
PK_DEFINE_ATTENTION_HOST(pk_attention_host_i16_i16, int16_t, int16_t, 1)

#define PK_DEFINE_ATTENTION(NAME, TX, TY, LOGITS, HOST)                                                  \
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
        if (PK_X86_HOST && hd <= 256 && T <= 128 && T * hd <= PK_ATT_HOST_KD) {                          \
            HOST(q, k, v, ld, T, H, hd, logit_shift, sm_mult, sm_shift, mult, shift, out_min, out_max,   \
                 y, y_stride);                                                                           \
            return;                                                                                      \
        }                                                                                                \
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

PK_DEFINE_ATTENTION(pk_attention_i8_i8, int8_t, int8_t, pk_attention_logits_i8, pk_attention_host_i8_i8)
PK_DEFINE_ATTENTION(pk_attention_i8_i16, int8_t, int16_t, pk_attention_logits_i8, pk_attention_host_i8_i16)
PK_DEFINE_ATTENTION(pk_attention_i16_i8, int16_t, int8_t, pk_attention_logits_i16, pk_attention_host_i16_i8)
PK_DEFINE_ATTENTION(pk_attention_i16_i16, int16_t, int16_t, pk_attention_logits_i16, pk_attention_host_i16_i16)

/* Temporal attention pooling: p = softmax over the T scores (sm_mult, sm_shift as in pk_softmax_row),
 * y_c = sat(requant(sum_t p_t x_tc, mult, shift)), real multiplier s_x / (2^15 s_y). scratch: T int32.
 * Columns in blocks of 8, 4, 2, then 1 sharing each load of p_t (micro, op 14, T = 10, d = 64, rv32imc:
 * 6,019 -> 3,581 instructions with the softmax). */
#define PK_POOL_STORE(TY, c, acc) y[c] = (TY)pk_rq_sat((acc), mult, shift, out_min, out_max)
/* The pass over the T tokens for one block of columns at xc: MAC adds pt times row t of x. */
#define PK_POOL_COLS(MAC)                                                                                \
    for (t = 0; t < T; ++t, xc += x_stride) {                                                            \
        const int32_t pt = scratch[t];                                                                   \
        MAC;                                                                                             \
    }
#define PK_DEFINE_ATTENTION_POOL(NAME, TX, TY)                                                           \
    static inline void NAME(const TX *x, int32_t T, int32_t d, int32_t x_stride, const int16_t *scores,  \
                            int32_t sm_mult, int32_t sm_shift, int32_t mult, int32_t shift,              \
                            int32_t out_min, int32_t out_max, int32_t *scratch, TY *y)                   \
    {                                                                                                    \
        const int32_t d8 = d - d % 8;                                                                    \
        int32_t t, c;                                                                                    \
        for (t = 0; t < T; ++t) scratch[t] = scores[t];                                                  \
        pk_softmax_row_i32_inplace(scratch, T, sm_mult, sm_shift, scratch);                              \
        for (c = 0; c < d8; c += 8) {                                                                    \
            const TX *xc = x + c;                                                                        \
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;                      \
            PK_POOL_COLS((s0 += pt * xc[0], s1 += pt * xc[1], s2 += pt * xc[2], s3 += pt * xc[3],        \
                          s4 += pt * xc[4], s5 += pt * xc[5], s6 += pt * xc[6], s7 += pt * xc[7]))       \
            PK_POOL_STORE(TY, c, s0); PK_POOL_STORE(TY, c + 1, s1);                                      \
            PK_POOL_STORE(TY, c + 2, s2); PK_POOL_STORE(TY, c + 3, s3);                                  \
            PK_POOL_STORE(TY, c + 4, s4); PK_POOL_STORE(TY, c + 5, s5);                                  \
            PK_POOL_STORE(TY, c + 6, s6); PK_POOL_STORE(TY, c + 7, s7);                                  \
        }                                                                                                \
        if (c + 4 <= d) {                                                                                \
            const TX *xc = x + c;                                                                        \
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                      \
            PK_POOL_COLS((s0 += pt * xc[0], s1 += pt * xc[1], s2 += pt * xc[2], s3 += pt * xc[3]))      \
            PK_POOL_STORE(TY, c, s0); PK_POOL_STORE(TY, c + 1, s1);                                      \
            PK_POOL_STORE(TY, c + 2, s2); PK_POOL_STORE(TY, c + 3, s3);                                  \
            c += 4;                                                                                      \
        }                                                                                                \
        if (c + 2 <= d) {                                                                                \
            const TX *xc = x + c;                                                                        \
            int32_t s0 = 0, s1 = 0;                                                                      \
            PK_POOL_COLS((s0 += pt * xc[0], s1 += pt * xc[1]))                                           \
            PK_POOL_STORE(TY, c, s0); PK_POOL_STORE(TY, c + 1, s1);                                      \
            c += 2;                                                                                      \
        }                                                                                                \
        if (c < d) {                                                                                     \
            const TX *xc = x + c;                                                                        \
            int32_t s0 = 0;                                                                              \
            PK_POOL_COLS(s0 += pt * xc[0])                                                               \
            PK_POOL_STORE(TY, c, s0);                                                                    \
        }                                                                                                \
    }

PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i8_i8, int8_t, int8_t)
PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i8_i16, int8_t, int16_t)
PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i16_i8, int16_t, int8_t)
PK_DEFINE_ATTENTION_POOL(pk_attention_pool_i16_i16, int16_t, int16_t)

/* ---------------------------------------------------------------- constant left matrix product */

/* y[i][c] = sat(requant(sum_j a[i][j] x[j][c], mult, shift)) for a constant int16 a [n][m] (e.g. the
 * normalized COCO-17 adjacency) and x [m][k]. Columns in blocks of 8, 4, 2, then 1, each block sharing the
 * loads of a; a zero a[i][j] skips its products (the 17x17 adjacency is 81% zeros; the scan over a row,
 * two j per iteration with one x pointer each, costs 4 instructions per zero on rv32imc, paid once per
 * block; with one pointer, gcc addressed the second row element by element). Sums are the same, term for
 * term. micro, rv32imc: op 21 (k = 16) 21,524 -> 8,243 instructions, op 18 (k = 2) 4,729 -> 2,095. */
#define PK_MMC_STORE(TY, c, acc) yr[c] = (TY)pk_rq_sat((acc), mult, shift, out_min, out_max)
/* The pass over row i of a for one block of columns (xc, xd: rows j, j + 1 of x at the block): MAC(p)
 * adds aj times the row at p. */
#define PK_MMC_ROW(MAC)                                                                                  \
    for (j = 0; j + 1 < m; j += 2, xc += 2 * k, xd += 2 * k) {                                           \
        int32_t aj = ar[j];                                                                              \
        if (aj != 0) MAC(xc);                                                                            \
        aj = ar[j + 1];                                                                                  \
        if (aj != 0) MAC(xd);                                                                            \
    }                                                                                                    \
    if (j < m) {                                                                                         \
        const int32_t aj = ar[j];                                                                        \
        if (aj != 0) MAC(xc);                                                                            \
    }
#define PK_MMC8(p) (s0 += aj * (p)[0], s1 += aj * (p)[1], s2 += aj * (p)[2], s3 += aj * (p)[3],         \
                    s4 += aj * (p)[4], s5 += aj * (p)[5], s6 += aj * (p)[6], s7 += aj * (p)[7])
#define PK_MMC4(p) (s0 += aj * (p)[0], s1 += aj * (p)[1], s2 += aj * (p)[2], s3 += aj * (p)[3])
#define PK_MMC2(p) (s0 += aj * (p)[0], s1 += aj * (p)[1])
#define PK_MMC1(p) (s0 += aj * (p)[0])
#define PK_DEFINE_MATMUL_CONST_LEFT(NAME, TX, TY)                                                        \
    static inline PK_NO_SCHED void NAME(const int16_t *a, const TX *x, int32_t n, int32_t m, int32_t k,  \
                                        int32_t mult, int32_t shift, int32_t out_min, int32_t out_max,   \
                                        TY *y)                                                           \
    {                                                                                                    \
        const int32_t k8 = k - k % 8; /* precomputed block end, as in the attention kernel */           \
        int32_t i, j, c;                                                                                 \
        for (i = 0; i < n; ++i) {                                                                        \
            const int16_t *ar = a + i * m;                                                               \
            TY *yr = y + i * k;                                                                          \
            for (c = 0; c < k8; c += 8) {                                                                \
                const TX *xc = x + c, *xd = xc + k;                                                      \
                int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;                  \
                PK_MMC_ROW(PK_MMC8)                                                                      \
                PK_MMC_STORE(TY, c, s0); PK_MMC_STORE(TY, c + 1, s1);                                    \
                PK_MMC_STORE(TY, c + 2, s2); PK_MMC_STORE(TY, c + 3, s3);                                \
                PK_MMC_STORE(TY, c + 4, s4); PK_MMC_STORE(TY, c + 5, s5);                                \
                PK_MMC_STORE(TY, c + 6, s6); PK_MMC_STORE(TY, c + 7, s7);                                \
            }                                                                                            \
            if (c + 4 <= k) {                                                                            \
                const TX *xc = x + c, *xd = xc + k;                                                      \
                int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                  \
                PK_MMC_ROW(PK_MMC4)                                                                      \
                PK_MMC_STORE(TY, c, s0); PK_MMC_STORE(TY, c + 1, s1);                                    \
                PK_MMC_STORE(TY, c + 2, s2); PK_MMC_STORE(TY, c + 3, s3);                                \
                c += 4;                                                                                  \
            }                                                                                            \
            if (c + 2 <= k) {                                                                            \
                const TX *xc = x + c, *xd = xc + k;                                                      \
                int32_t s0 = 0, s1 = 0;                                                                  \
                PK_MMC_ROW(PK_MMC2)                                                                      \
                PK_MMC_STORE(TY, c, s0); PK_MMC_STORE(TY, c + 1, s1);                                    \
                c += 2;                                                                                  \
            }                                                                                            \
            if (c < k) {                                                                                 \
                const TX *xc = x + c, *xd = xc + k;                                                      \
                int32_t s0 = 0;                                                                          \
                PK_MMC_ROW(PK_MMC1)                                                                      \
                PK_MMC_STORE(TY, c, s0);                                                                 \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i8_i8, int8_t, int8_t)
PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i8_i16, int8_t, int16_t)
PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i16_i8, int16_t, int8_t)
PK_DEFINE_MATMUL_CONST_LEFT(pk_matmul_const_left_i16_i16, int16_t, int16_t)

#endif /* POSE_KERNELS_H */
