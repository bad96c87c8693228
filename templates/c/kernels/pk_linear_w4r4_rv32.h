/*
 * pk_linear_w4r4_rv32.h -- the node's int8-activation linear kernels (pk_linear_w4r4_*, layout in pk_linear.h;
 * included by pk_linear_rv32.h).
 *
 * Fast by construction on rv32imc (no SIMD, no multiply-accumulate, 31 registers), whatever the compiler:
 *   - two output rows per 32-bit register, in 16-bit lanes ("SIMD within a register"): the w4r4 word of a
 *     pair of inputs holds four rows' weights so that (W >> 4h') & 0x000f000f is two rows' weights in two
 *     lanes, stored offset by 8 (u = w + 8), and P += x * that adds two products with one multiply and one
 *     add. The offset is taken out once per group of pairs: P - 8 (1 + 2^16) sum x is the sum with the true
 *     weights, modulo 2^32, whatever P's lanes did in between; sum x comes with the packed activations.
 *     The true lane sums stay within int16 over `group` pairs (the compiler chooses it: 128 sum |w| <= 32767
 *     for every row of every group), so the lanes then split exactly into the int32 accumulators;
 *   - four rows x five tokens per pass (pk_w4r4_dot4x5): 10 lane registers, four unpacked weight words,
 *     the activation and weight pointers and a few temporaries, 22 live values in all, well under the
 *     registers any compiler can allocate (27 even with a frame pointer); each activation load serves four
 *     rows and each unpacked weight five tokens. The activations are first packed (and, for int16 inputs,
 *     requantized to int8) into `scratch`, five tokens' pairs side by side, so that the loop reads them at
 *     fixed offsets from one pointer: no per-call specialization, one copy of the code for every call;
 *   - on rv32imc the loop is inline assembly (the C form below it is the same computation, compiled on every
 *     other target and kept as its reference): 59.5 instructions per 40 MACs (two pairs per iteration: 8
 *     to unpack a word, 10 per token and pair, 3 per iteration), the same with gcc or clang at -O2, -Os or
 *     -Og. Four rows x ten tokens would save 4 of them but needs 32 registers;
 *   - a single token (T < 5, the head after pooling) takes four rows per pass in plain C (14 live values).
 * The int32 accumulators of a pass live in memory (acc[20]) and are touched once per `group` pairs.
 * The wide forms (pk_linear_w4r4_wide_*, int16 activations as they are) are at the end: the blocking of
 * pk_linear_w4_i16_* on the w4r4 layout's offset-binary bytes (pk_linear_w4r4_wide_rv32.inc).
 */
#ifndef PK_LINEAR_W4R4_RV32_H
#define PK_LINEAR_W4R4_RV32_H

/* the two lanes of p added to the int32 accumulators of their rows (exactly, unsigned wrap-around) */
#define PK_W4R4_FLUSH(p, acc_lo, acc_hi)                                                                 \
    do {                                                                                                 \
        const int32_t lo_ = (int32_t)((p) << 16) >> 16;                                                  \
        (acc_lo) += lo_;                                                                                 \
        (acc_hi) += (int32_t)((p) - (uint32_t)lo_) >> 16;                                                \
    } while (0)

#define PK_W4R4_MASK 0x000f000fu
/* 8 in both lanes: the nibbles' offset, taken out once per group as sum(x) * PK_W4R4_OFFSET */
#define PK_W4R4_OFFSET 0x00080008u

#if defined(__riscv) && __riscv_xlen == 32 && !defined(PK_NO_ASM)
/* one token of the rv32 loop: inputs at byte offsets OA, OB of x into lanes P (rows 0, 1) and Q (rows 2, 3) */
#define PK_W4R4_ASM_TOKEN(OA, OB, P, Q)                                                                  \
    "lb %[xa], " #OA "(%[x])\n\t"                                                                        \
    "lb %[xb], " #OB "(%[x])\n\t"                                                                        \
    "mul %[t], %[xa], %[a]\n\t"                                                                          \
    "mul %[u], %[xb], %[b]\n\t"                                                                          \
    "add %[" #P "], %[" #P "], %[t]\n\t"                                                                 \
    "mul %[t], %[xa], %[c]\n\t"                                                                          \
    "add %[" #P "], %[" #P "], %[u]\n\t"                                                                 \
    "mul %[u], %[xb], %[d]\n\t"                                                                          \
    "add %[" #Q "], %[" #Q "], %[t]\n\t"                                                                 \
    "add %[" #Q "], %[" #Q "], %[u]\n\t"
/* one input pair: its word at byte offset OW of w, its five tokens' inputs from byte offset X0 of x */
#define PK_W4R4_ASM_PAIR(OW, X0, X1, X2, X3, X4, X5, X6, X7, X8, X9)                                    \
    "lw %[a], " #OW "(%[w])\n\t"                                                                         \
    "srli %[b], %[a], 4\n\t"                                                                             \
    "srli %[c], %[a], 8\n\t"                                                                             \
    "srli %[d], %[a], 12\n\t"                                                                            \
    "and %[a], %[a], %[mask]\n\t"                                                                        \
    "and %[b], %[b], %[mask]\n\t"                                                                        \
    "and %[c], %[c], %[mask]\n\t"                                                                        \
    "and %[d], %[d], %[mask]\n\t"                                                                        \
    PK_W4R4_ASM_TOKEN(X0, X1, p0, q0) PK_W4R4_ASM_TOKEN(X2, X3, p1, q1) PK_W4R4_ASM_TOKEN(X4, X5, p2, q2) \
    PK_W4R4_ASM_TOKEN(X6, X7, p3, q3) PK_W4R4_ASM_TOKEN(X8, X9, p4, q4)
#endif

/* acc[4 j + k] += sum over `pairs` input pairs of x[token j] * w[row k]. w: the row group's words; x: the packed
 * activations, 10 bytes per pair (tokens 0..4, two inputs each); s: per group of `group` pairs, each token's
 * sum of its inputs (five int32). The lanes are corrected and flushed once per group. */
static PK_NOINLINE PK_IRAM void pk_w4r4_dot4x5(const uint32_t *w, const int8_t *x, int32_t pairs, int32_t group,
                                       const int32_t *s, int32_t *acc)
{
    int32_t g;
    for (g = 0; g < pairs; g += group, w += group, x += 10 * group, s += 5) {
        const int32_t n = pairs - g < group ? pairs - g : group;
#if defined(__riscv) && __riscv_xlen == 32 && !defined(PK_NO_ASM)
        /* the lanes are zeroed inside: as outputs they count once towards gcc's limit of 30 asm operands (an
         * in-out operand counts twice); an odd pair count starts with one pair, then two per iteration */
        uint32_t p0, p1, p2, p3, p4, q0, q1, q2, q3, q4;
        const uint32_t *wp = w, *we = w + n;
        const int8_t *xp = x;
        const uint32_t mask = PK_W4R4_MASK, odd = (uint32_t)n & 1u;
        uint32_t a, b, c, d, xa, xb, t, u;
        __asm__ volatile("li %[p0], 0\n\tli %[p1], 0\n\tli %[p2], 0\n\tli %[p3], 0\n\tli %[p4], 0\n\t"
                         "li %[q0], 0\n\tli %[q1], 0\n\tli %[q2], 0\n\tli %[q3], 0\n\tli %[q4], 0\n\t"
                         "beqz %[odd], 2f\n\t"
                         PK_W4R4_ASM_PAIR(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
                         "addi %[w], %[w], 4\n\t"
                         "addi %[x], %[x], 10\n\t"
                         "2:\n\t"
                         "beq %[w], %[we], 3f\n\t"
                         "1:\n\t"
                         PK_W4R4_ASM_PAIR(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
                         PK_W4R4_ASM_PAIR(4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
                         "addi %[w], %[w], 8\n\t"
                         "addi %[x], %[x], 20\n\t"
                         "bne %[w], %[we], 1b\n\t"
                         "3:\n\t"
                         : [p0] "=&r"(p0), [p1] "=&r"(p1), [p2] "=&r"(p2), [p3] "=&r"(p3), [p4] "=&r"(p4),
                           [q0] "=&r"(q0), [q1] "=&r"(q1), [q2] "=&r"(q2), [q3] "=&r"(q3), [q4] "=&r"(q4),
                           [w] "+r"(wp), [x] "+r"(xp), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d),
                           [xa] "=&r"(xa), [xb] "=&r"(xb), [t] "=&r"(t), [u] "=&r"(u)
                         : [we] "r"(we), [mask] "r"(mask), [odd] "r"(odd)
                         : "memory");
#else
        uint32_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0;
        {
            const int8_t *xp = x;
            int32_t i;
            for (i = 0; i < n; ++i, xp += 10) {
                const uint32_t wd = w[i];
                const uint32_t a = wd & PK_W4R4_MASK, b = (wd >> 4) & PK_W4R4_MASK;
                const uint32_t c = (wd >> 8) & PK_W4R4_MASK, d = (wd >> 12) & PK_W4R4_MASK;
#define PK_W4R4_C_TOKEN(j, p, q)                                                                         \
    {                                                                                                    \
        const uint32_t xa_ = (uint32_t)(int32_t)xp[2 * (j)], xb_ = (uint32_t)(int32_t)xp[2 * (j) + 1];   \
        p += xa_ * a + xb_ * b;                                                                          \
        q += xa_ * c + xb_ * d;                                                                          \
    }
                PK_W4R4_C_TOKEN(0, p0, q0) PK_W4R4_C_TOKEN(1, p1, q1) PK_W4R4_C_TOKEN(2, p2, q2)
                PK_W4R4_C_TOKEN(3, p3, q3) PK_W4R4_C_TOKEN(4, p4, q4)
#undef PK_W4R4_C_TOKEN
            }
        }
#endif
        /* the offset: 8 (1 + 2^16) times each token's input sum, out of both lane registers */
#define PK_W4R4_SETTLE(j, p, q)                                                                          \
        {                                                                                                \
            const uint32_t off_ = (uint32_t)s[j] * PK_W4R4_OFFSET;                                       \
            p -= off_;                                                                                   \
            q -= off_;                                                                                   \
            PK_W4R4_FLUSH(p, acc[4 * (j)], acc[4 * (j) + 1]);                                           \
            PK_W4R4_FLUSH(q, acc[4 * (j) + 2], acc[4 * (j) + 3]);                                       \
        }
        PK_W4R4_SETTLE(0, p0, q0) PK_W4R4_SETTLE(1, p1, q1) PK_W4R4_SETTLE(2, p2, q2)
        PK_W4R4_SETTLE(3, p3, q3) PK_W4R4_SETTLE(4, p4, q4)
#undef PK_W4R4_SETTLE
    }
}

/* acc[k] += sum over `pairs` input pairs of x * w[row k], one token (x: its int8 inputs; s: its input sum per
 * group of `group` pairs), lanes corrected and flushed once per group */
static PK_NOINLINE PK_IRAM void pk_w4r4_dot4x1(const uint32_t *w, const int8_t *x, int32_t pairs, int32_t group,
                                       const int32_t *s, int32_t *acc)
{
    int32_t g, i;
    for (g = 0; g < pairs; g += group, ++s) {
        const int32_t e = pairs - g < group ? pairs : g + group;
        const uint32_t off = (uint32_t)*s * PK_W4R4_OFFSET;
        uint32_t p = 0, q = 0;
        for (i = g; i < e; ++i) {
            const uint32_t wd = w[i], xa = (uint32_t)(int32_t)x[2 * i], xb = (uint32_t)(int32_t)x[2 * i + 1];
            p += xa * (wd & PK_W4R4_MASK) + xb * ((wd >> 4) & PK_W4R4_MASK);
            q += xa * ((wd >> 8) & PK_W4R4_MASK) + xb * ((wd >> 12) & PK_W4R4_MASK);
        }
        p -= off;
        q -= off;
        PK_W4R4_FLUSH(p, acc[0], acc[1]);
        PK_W4R4_FLUSH(q, acc[2], acc[3]);
    }
}

/* sat(pk_requant(acc, mult, shift), lo, hi) with the constants of one row computed once (PK_RQ_ROW): pk_rq_sat's
 * int32 path, where a multiplier of 1/2 or more (n = 31 + shift < 33; the int8-input layers' are about 4)
 * scales acc by 2^k, k = 33 - n, when that fits int32 (the same integers: see pk_rq_sat), else pk_rq_sat.
 * Scalars, not a struct: gcc -Os copies small structs with memcpy. */
#if defined(__GNUC__)
#define PK_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define PK_ALWAYS_INLINE inline
#endif
#define PK_RQ_ROW(m_, s_, k_, rnd_, sh_, mult_, shift_)                                                  \
    const int32_t m_ = (mult_), s_ = (shift_), k_ = 31 + s_ < 33 ? 2 - s_ : 0;                          \
    const int32_t rnd_ = (int32_t)1 << (s_ + k_ - 2), sh_ = s_ + k_ - 1
static PK_ALWAYS_INLINE int32_t pk_rq_row(int32_t acc, int32_t m, int32_t s, int32_t k, int32_t rnd, int32_t sh,
                                           int32_t lo, int32_t hi)
{
    const int32_t up = (int32_t)((uint32_t)acc << (k & 31));
    if (k > 30 || (up >> k) != acc) return pk_rq_sat(acc, m, s, lo, hi);
    {
        const int32_t v = ((int32_t)(((int64_t)up * m) >> 32) + rnd) >> sh;
        return v < lo ? lo : (v > hi ? hi : v);
    }
}

/* the five tokens' accumulators of row k of a block, set to b */
#define PK_W4R4_INIT5(k, b) acc[k] = acc[4 + (k)] = acc[8 + (k)] = acc[12 + (k)] = acc[16 + (k)] = (b)
/* the five tokens' outputs of row k of a block: ak = acc + k, yk its token-0 output, the row's constants in scope */
#define PK_W4R4_STORE1(TY, j)                                                                            \
    *yk = (TY)pk_rq_row(ak[4 * (j)], m, s, kk, rnd, sh, out_min, out_max);                               \
    yk += y_stride
#define PK_W4R4_STORE5(TY)                                                                               \
    do {                                                                                                 \
        PK_W4R4_STORE1(TY, 0); PK_W4R4_STORE1(TY, 1); PK_W4R4_STORE1(TY, 2);                             \
        PK_W4R4_STORE1(TY, 3); PK_W4R4_STORE1(TY, 4);                                                    \
    } while (0)

#define PK_FN pk_linear_w4r4_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_XQ 0
#include "pk_linear_w4r4_rv32.inc"

#define PK_FN pk_linear_w4r4_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_XQ 0
#include "pk_linear_w4r4_rv32.inc"

#define PK_FN pk_linear_w4r4_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_XQ 1
#include "pk_linear_w4r4_rv32.inc"

#define PK_FN pk_linear_w4r4_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_XQ 1
#include "pk_linear_w4r4_rv32.inc"

/* ---------------------------------------------------------------- wide: int16 activations, w4r4 weights */

/* The byte of row k (0..3, of its group) in a w4r4 word: w[k][2i] + 8 in its low nibble, w[k][2i + 1] + 8 in
 * its high one (PK_W4R4_ROW_BIT(k) is a multiple of 8), read with one byte load. Little-endian targets only,
 * which rv32, xtensa and x86 all are. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pk_linear_w4r4_wide_*: the byte loads of w4r4 words assume a little-endian target"
#endif
#define PK_W4R4_BYTE(k) (PK_W4R4_ROW_BIT(k) >> 3)

/* 8 sum_i x[i], modulo 2^32: what the nibbles' offset (w + 8) adds to a row's sum over the token x */
static inline PK_IRAM uint32_t pk_w4r4_xsum8(const int16_t *x, int32_t in)
{
    uint32_t s = 0;
    int32_t i;
    for (i = 0; i < in; ++i) s += (uint32_t)(int32_t)x[i];
    return s << 3;
}

/* single token: input pair (xa, zb = xb - 16 xa) into row accumulator a from the byte at wb + off */
#define PK_R4W_MAC(a, off)                                                                               \
    do {                                                                                                 \
        const uint32_t u_ = wb[off];                                                                     \
        a += (uint32_t)(xa * (int32_t)u_) + (uint32_t)(zb * (int32_t)(u_ >> 4));                         \
    } while (0)
#define PK_R4W_LAST(a, off) a += (uint32_t)(xa * (int32_t)(wb[off] & 15u))
/* M (PK_R4W_MAC or PK_R4W_LAST) for the four rows of the group whose word bytes start at wb + off */
#define PK_R4W_GROUP(M, a0, a1, a2, a3, off)                                                             \
    M(a0, (off) + PK_W4R4_BYTE(0)); M(a1, (off) + PK_W4R4_BYTE(1));                                      \
    M(a2, (off) + PK_W4R4_BYTE(2)); M(a3, (off) + PK_W4R4_BYTE(3))
/* rows o and o + 1 (an odd last row: o twice, the second not stored): bias and requantization */
#define PK_R4W_QPARAMS                                                                                   \
    const int32_t o1_ = o + 1 < out ? o + 1 : o;                                                         \
    const int32_t b0 = PK_BIAS(o), b1 = PK_BIAS(o1_);                                                    \
    const int32_t qm0 = mult[per_row ? o : 0], qs0 = shift[per_row ? o : 0];                             \
    const int32_t qm1 = mult[per_row ? o1_ : 0], qs1 = shift[per_row ? o1_ : 0]
/* tokens base + 0..4 of the block: accumulators a<base><j>_<row> from bias - 8 sum x (c[]) */
#define PK_R4W_ACC_X5(base)                                                                              \
    int32_t a##base##0_0 = b0 - c[base + 0], a##base##0_1 = b1 - c[base + 0];                            \
    int32_t a##base##1_0 = b0 - c[base + 1], a##base##1_1 = b1 - c[base + 1];                            \
    int32_t a##base##2_0 = b0 - c[base + 2], a##base##2_1 = b1 - c[base + 2];                            \
    int32_t a##base##3_0 = b0 - c[base + 3], a##base##3_1 = b1 - c[base + 3];                            \
    int32_t a##base##4_0 = b0 - c[base + 4], a##base##4_1 = b1 - c[base + 4]
/* the input pair whose row-o byte is wp[OW] (row o + 1: wp[OW + 2]), inputs at xp + OX, xp + OX + 1, for the
 * tokens of the block (COL: PK_TOK2_COL5 or PK_TOK2_COL10, pk_linear_rv32.h) */
#define PK_R4W_PAIR(COL, OW, OX)                                                                         \
    do {                                                                                                 \
        const uint32_t u0 = wp[OW], u1 = wp[(OW) + 2];                                                   \
        int32_t v0 = (int32_t)(u0 & 15u), v1 = (int32_t)(u1 & 15u);                                      \
        COL(OX);                                                                                         \
        v0 = (int32_t)(u0 >> 4);                                                                         \
        v1 = (int32_t)(u1 >> 4);                                                                         \
        COL((OX) + 1);                                                                                   \
    } while (0)
/* every input of the block's tokens against rows o, o + 1: two pairs per iteration (as pk_linear_w4_i16_*),
 * an odd last pair, an odd last input (its pair's high nibble is the zero pad) */
#define PK_R4W_COLUMNS(COL)                                                                              \
    do {                                                                                                 \
        for (i = 0; i + 2 <= full; i += 2) {                                                             \
            PK_R4W_PAIR(COL, 0, 0);                                                                      \
            PK_R4W_PAIR(COL, 4, 2);                                                                      \
            xp += 4;                                                                                     \
            wp += 8;                                                                                     \
        }                                                                                                \
        if (full & 1) {                                                                                  \
            PK_R4W_PAIR(COL, 0, 0);                                                                      \
            xp += 2;                                                                                     \
            wp += 4;                                                                                     \
        }                                                                                                \
        if (in & 1) {                                                                                    \
            const int32_t v0 = wp[0] & 15, v1 = wp[2] & 15;                                              \
            COL(0);                                                                                      \
        }                                                                                                \
    } while (0)
#define PK_R4W_STORE2(tok, acc_lo, acc_hi)                                                               \
    y[(tok) * y_stride + o] = (PK_TY)pk_rq_sat((acc_lo), qm0, qs0, out_min, out_max);                    \
    if (o + 1 < out) y[(tok) * y_stride + o + 1] = (PK_TY)pk_rq_sat((acc_hi), qm1, qs1, out_min, out_max)
#define PK_R4W_STORE_X5(tok, base)                                                                       \
    PK_R4W_STORE2(tok + base + 0, a##base##0_0, a##base##0_1);                                           \
    PK_R4W_STORE2(tok + base + 1, a##base##1_0, a##base##1_1);                                           \
    PK_R4W_STORE2(tok + base + 2, a##base##2_0, a##base##2_1);                                           \
    PK_R4W_STORE2(tok + base + 3, a##base##3_0, a##base##3_1);                                           \
    PK_R4W_STORE2(tok + base + 4, a##base##4_0, a##base##4_1)

#define PK_FN pk_linear_w4r4_wide_i8
#define PK_FN_SINGLE pk_linear_w4r4_wide_i8_single
#define PK_FN_PLAIN pk_linear_w4r4_wide_i8_plain
#define PK_TY int8_t
#include "pk_linear_w4r4_wide_rv32.inc"

#define PK_FN pk_linear_w4r4_wide_i16
#define PK_FN_SINGLE pk_linear_w4r4_wide_i16_single
#define PK_FN_PLAIN pk_linear_w4r4_wide_i16_plain
#define PK_TY int16_t
#include "pk_linear_w4r4_wide_rv32.inc"

#endif /* PK_LINEAR_W4R4_RV32_H */
