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

#include "pose_kernels.h"

/* s[o] = sum_i w[o][i] x[i] for one raw packet x (int16, the model's input format). Two rows per pass:
 * every packet value is loaded once per row pair. */
static inline void pk_stream_project_w4(const int16_t *x, int32_t in, const uint8_t *w, int32_t out, int32_t *s)
{
    const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;
    int32_t o = 0, i;
    for (; o + 1 < out; o += 2) {
        const uint8_t *w0 = w + o * row_bytes, *w1 = w0 + row_bytes;
        int32_t a0 = 0, a1 = 0;
        for (i = 0; i < pairs; ++i) {
            const int32_t x0 = x[2 * i], x1 = x[2 * i + 1];
            const uint32_t u0 = w0[i], u1 = w1[i];
            a0 += x0 * PK_LO4(u0) + x1 * PK_HI4(u0);
            a1 += x0 * PK_LO4(u1) + x1 * PK_HI4(u1);
        }
        if (in & 1) {
            a0 += x[in - 1] * PK_LO4(w0[pairs]);
            a1 += x[in - 1] * PK_LO4(w1[pairs]);
        }
        s[o] = a0;
        s[o + 1] = a1;
    }
    for (; o < out; ++o) {
        const uint8_t *w0 = w + o * row_bytes;
        int32_t a0 = 0;
        for (i = 0; i < pairs; ++i) a0 += x[2 * i] * PK_LO4(w0[i]) + x[2 * i + 1] * PK_HI4(w0[i]);
        if (in & 1) a0 += x[in - 1] * PK_LO4(w0[pairs]);
        s[o] = a0;
    }
}

static inline void pk_stream_project_w8(const int16_t *x, int32_t in, const int8_t *w, int32_t out, int32_t *s)
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
 * y[t][o] = sat(requant(bias[o] + v)), v as above (0 for a constant window, like the normalization). */
#define PK_DEFINE_STREAM_WINDOW(NAME, TY)                                                                \
    static inline void NAME(const int32_t *ring, const int16_t *pmin, const int16_t *pmax, int32_t P,     \
                            int32_t first, int32_t out, int32_t qmax, const int32_t *rowsum,             \
                            const int32_t *bias, const int32_t *mult, const int8_t *shift, int32_t per_row, \
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
                const int32_t acc = (bias ? bias[o] : 0) + v;                                            \
                yt[o] = (TY)pk_rq_sat(acc, mult[per_row ? o : 0], shift[per_row ? o : 0], out_min, out_max); \
            }                                                                                            \
        }                                                                                                \
    }

PK_DEFINE_STREAM_WINDOW(pk_stream_window_i8, int8_t)
PK_DEFINE_STREAM_WINDOW(pk_stream_window_i16, int16_t)

#endif /* POSE_STREAM_H */
