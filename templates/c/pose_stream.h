/*
 * pose_stream.h -- streaming kernels of the pose-edge generated component (used only when the component
 * was compiled with --streaming; see docs/performance.md, "Streaming inference").
 *
 * The graph starts with a min-max normalization over the whole window followed by a linear projection of
 * each packet to a token. The projection is affine in the normalized input:
 *     sum_i W[o][i] (x[i] - min) / range = (S[o] - min * R[o]) / range,  S = W x,  R[o] = sum_i W[o][i],
 * so each raw packet is projected once when it arrives (pk_stream_project_*, int32 S per output) and each
 * window only corrects the kept projections with its min and range (pk_stream_window_*).
 *
 * Arithmetic (mirrored bit for bit by src/compiler/sim/stream.ts): recip = floor(qmax 2^32 / range), the
 * window normalization's own reciprocal; v = floor(((S - min R) * recip + 2^31) / 2^32); the token's
 * accumulator is bias + v, requantized and saturated like the window linear (pk_rq_sat). The window path
 * rounds every normalized input to an integer first; this path rounds once, so its accumulator differs from
 * the window path's by at most (sum_i |W[o][i]| + 1) / 2 (each of the in roundings moves the sum by at most
 * |W|/2, the final one by 1/2). The compiler proves the int32/int64 ranges used here (src/compiler/stream-plan.ts):
 * sum |W| * 32768 < 2^31 (S), sum |W| * qmax < 2^31 (the product stays below 2^63, v fits int32 with the bias).
 */
#ifndef POSE_STREAM_H
#define POSE_STREAM_H

#include <stdint.h>

/* PK_BIAS, PK_LO4 and the attribute macros: the linear kernels and their base. */
#include "kernels/pk_base.h"
#include "kernels/pk_linear.h"

/* s[o] = sum_i w[o][i] x[i] for one raw packet x (int16, the model's input format). Each weight is used
 * once per packet, so the cost is in unpacking: the nibbles are read as offset binary, (u ^ 0x88) holding
 * w + 8 in [0, 15] per nibble (one xor and one shift per byte, no sign extension: see the loop), and
 * s = sum x (w + 8) - 8 sum x with the packet sum computed once. Four rows per pass share each pair of
 * loaded packet values. |sum x (w + 8)| <= in * 15 * 32768 < 2^31 for in < 4369. */
static inline PK_NO_SCHED PK_IRAM void pk_stream_project_w4(const int16_t *x, int32_t in, const uint8_t *w, int32_t out, int32_t *s)
{
    const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;
    const uint8_t *wr = w; /* row o; a running pointer keeps gcc from reasoning about o * row_bytes */
    const int32_t out4 = out & ~3;
    int32_t o, i, xsum = 0;
    for (i = 0; i < 2 * pairs; ++i) xsum += x[i];
    xsum *= 8;
    for (o = 0; o < out4; o += 4) {
        const uint8_t *w0 = wr, *w1 = w0 + row_bytes, *w2 = w1 + row_bytes, *w3 = w2 + row_bytes;
        int32_t a0 = -xsum, a1 = -xsum, a2 = -xsum, a3 = -xsum;
        const int16_t *xp = x;
        for (i = 0; i < pairs; ++i, xp += 2) {
            /* v = 16 hi + lo, so x0 lo + x1 hi = x0 v + (x1 - 16 x0) hi: no mask per byte */
            const int32_t x0 = xp[0], x1 = xp[1] - 16 * xp[0];
            const uint32_t v0 = w0[i] ^ 0x88u, v1 = w1[i] ^ 0x88u, v2 = w2[i] ^ 0x88u, v3 = w3[i] ^ 0x88u;
            a0 += x0 * (int32_t)v0 + x1 * (int32_t)(v0 >> 4);
            a1 += x0 * (int32_t)v1 + x1 * (int32_t)(v1 >> 4);
            a2 += x0 * (int32_t)v2 + x1 * (int32_t)(v2 >> 4);
            a3 += x0 * (int32_t)v3 + x1 * (int32_t)(v3 >> 4);
        }
        if (in & 1) {
            const int32_t xl = x[in - 1];
            a0 += xl * PK_LO4(w0[pairs]);
            a1 += xl * PK_LO4(w1[pairs]);
            a2 += xl * PK_LO4(w2[pairs]);
            a3 += xl * PK_LO4(w3[pairs]);
        }
        s[o] = a0;
        s[o + 1] = a1;
        s[o + 2] = a2;
        s[o + 3] = a3;
        wr = w3 + row_bytes;
    }
    for (o = out4; o < out; ++o, wr += row_bytes) {
        const uint8_t *w0 = wr;
        int32_t a0 = -xsum;
        for (i = 0; i < pairs; ++i) {
            const uint32_t v0 = w0[i] ^ 0x88u;
            a0 += x[2 * i] * (int32_t)(v0 & 15u) + x[2 * i + 1] * (int32_t)(v0 >> 4);
        }
        if (in & 1) a0 += x[in - 1] * PK_LO4(w0[pairs]);
        s[o] = a0;
    }
}

/* The same for w4r4 weights (pk_linear.h: four rows per word, offset-binary nibbles, rows padded to a
 * multiple of four, an odd `in` padded with a zero weight): the byte of row k in the word of pair i holds
 * w[k][2i] + 8 and w[k][2i + 1] + 8 as (lo + 16 hi), exactly the offset-binary byte above. */
static inline PK_IRAM void pk_stream_project_w4r4(const int16_t *x, int32_t in, const uint32_t *w, int32_t out, int32_t *s)
{
    const int32_t pairs = (in + 1) >> 1, full = in >> 1;
    int32_t o, i, k, xsum = 0;
    for (i = 0; i < 2 * full; ++i) xsum += x[i];
    xsum *= 8;
    for (o = 0; o < out; o += 4, w += pairs) {
        int32_t a[4];
        a[0] = a[1] = a[2] = a[3] = -xsum;
        for (i = 0; i < full; ++i) {
            const uint32_t wd = w[i];
            const int32_t x0 = x[2 * i], x1 = x[2 * i + 1] - 16 * x[2 * i];
            const uint32_t v0 = wd & 255u, v1 = (wd >> 16) & 255u, v2 = (wd >> 8) & 255u, v3 = wd >> 24;
            a[0] += x0 * (int32_t)v0 + x1 * (int32_t)(v0 >> 4);
            a[1] += x0 * (int32_t)v1 + x1 * (int32_t)(v1 >> 4);
            a[2] += x0 * (int32_t)v2 + x1 * (int32_t)(v2 >> 4);
            a[3] += x0 * (int32_t)v3 + x1 * (int32_t)(v3 >> 4);
        }
        if (in & 1)
            for (k = 0; k < 4; ++k) a[k] += x[in - 1] * PK_W4R4_AT(w[full], k, 0);
        for (k = 0; k < 4 && o + k < out; ++k) s[o + k] = a[k];
    }
}

static inline PK_IRAM void pk_stream_project_w8(const int16_t *x, int32_t in, const int8_t *w, int32_t out, int32_t *s)
{
    int32_t o = 0, i;
    for (; o + 1 < out; o += 2) {
        const int8_t *w0 = w + o * in, *w1 = w0 + in;
        int32_t a0 = 0, a1 = 0;
        for (i = 0; i < in; ++i) {
            const int32_t xi = x[i];
            a0 += xi * w0[i];
            a1 += xi * w1[i];
        }
        s[o] = a0;
        s[o + 1] = a1;
    }
    for (; o < out; ++o) {
        const int8_t *w0 = w + o * in;
        int32_t a0 = 0;
        for (i = 0; i < in; ++i) a0 += x[i] * w0[i];
        s[o] = a0;
    }
}

/* The window's tokens from the ring of projected packets. ring[slot][out] holds S of each kept packet,
 * pmin/pmax[slot] its smallest and largest raw value; token t (oldest first) is slot (first + t) % P.
 * y[t][o] = sat(requant(bias[o] 2^bias_shift + v)), v as above (0 for a constant window, like the
 * normalization); the bias as in the linear kernels (PK_BIAS). */
#define PK_DEFINE_STREAM_WINDOW(NAME, TY)                                                                \
    static inline PK_IRAM void NAME(const int32_t *ring, const int16_t *pmin, const int16_t *pmax, int32_t P,     \
                            int32_t first, int32_t out, int32_t qmax, const int32_t *rowsum,             \
                            const int16_t *bias, int32_t bias_shift, const int32_t *mult,                \
                            const int8_t *shift, int32_t per_row,                                        \
                            int32_t out_min, int32_t out_max, TY *y, int32_t y_stride)                   \
    {                                                                                                    \
        int32_t lo = pmin[0], hi = pmax[0], t, o;                                                        \
        int64_t recip = 0;                                                                               \
        for (t = 1; t < P; ++t) {                                                                        \
            lo = pmin[t] < lo ? pmin[t] : lo;                                                            \
            hi = pmax[t] > hi ? pmax[t] : hi;                                                            \
        }                                                                                                \
        if (hi != lo) recip = (int64_t)((((uint64_t)(uint32_t)qmax) << 32) / (uint32_t)(hi - lo));       \
        for (t = 0; t < P; ++t) {                                                                        \
            const int32_t *s = ring + ((first + t) % P) * out;                                           \
            TY *yt = y + t * y_stride;                                                                   \
            for (o = 0; o < out; ++o) {                                                                  \
                const int64_t d = (int64_t)s[o] - (int64_t)lo * rowsum[o];                               \
                const int32_t v = (int32_t)((d * recip + INT64_C(0x80000000)) >> 32);                    \
                const int32_t acc = PK_BIAS(o) + v;                                                      \
                yt[o] = (TY)pk_rq_sat(acc, mult[per_row ? o : 0], shift[per_row ? o : 0], out_min, out_max); \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_STREAM_WINDOW(pk_stream_window_i8, int8_t)
PK_DEFINE_STREAM_WINDOW(pk_stream_window_i16, int16_t)

#endif /* POSE_STREAM_H */
