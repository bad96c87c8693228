/* Test driver of templates/c/pose_stream.h: reads cases as whitespace-separated integers on stdin and prints
 * one line of results per case (test/workflows/bench/stream-kernels.test.ts writes the cases and checks the lines
 * against the TypeScript mirror). Case kinds:
 *   1 in out  x[in] w4[out * ((in + 1) / 2)]                          -> s[out]   (pk_stream_project_w4)
 *   2 in out  x[in] w8[out * in]                                      -> s[out]   (pk_stream_project_w8)
 *   3 P out first qmax per_row has_bias out_min out_max ybits
 *     ring[P * out] pmin[P] pmax[P] rowsum[out] bias[out if has_bias] mult[n] shift[n], n = per_row ? out : 1
 *                                                                     -> y[P * out] (pk_stream_window_i8/i16) */
#include <stdio.h>
#include <stdlib.h>

#include "pose_stream.h"

static long next(void)
{
    long v;
    if (scanf("%ld", &v) != 1) exit(0);
    return v;
}

static void *alloc(size_t n) { return calloc(n ? n : 1, 1); }

int main(void)
{
    for (;;) {
        const long kind = next();
        if (kind == 1 || kind == 2) {
            const int32_t in = (int32_t)next(), out = (int32_t)next();
            const int32_t wlen = kind == 1 ? out * ((in + 1) / 2) : out * in;
            int16_t *x = alloc(sizeof *x * (size_t)in);
            uint8_t *w = alloc((size_t)wlen);
            int32_t *s = alloc(sizeof *s * (size_t)out);
            for (int32_t i = 0; i < in; ++i) x[i] = (int16_t)next();
            for (int32_t i = 0; i < wlen; ++i) w[i] = (uint8_t)next();
            if (kind == 1) pk_stream_project_w4(x, in, w, out, s);
            else pk_stream_project_w8(x, in, (const int8_t *)w, out, s);
            for (int32_t o = 0; o < out; ++o) printf(o ? " %ld" : "%ld", (long)s[o]);
            printf("\n");
            free(x); free(w); free(s);
        } else if (kind == 3) {
            const int32_t P = (int32_t)next(), out = (int32_t)next(), first = (int32_t)next(), qmax = (int32_t)next();
            const int32_t per_row = (int32_t)next(), has_bias = (int32_t)next(), bias_shift = (int32_t)next();
            const int32_t out_min = (int32_t)next(), out_max = (int32_t)next(), ybits = (int32_t)next();
            const int32_t nq = per_row ? out : 1;
            int32_t *ring = alloc(sizeof *ring * (size_t)(P * out)), *rowsum = alloc(sizeof *rowsum * (size_t)out);
            int16_t *bias = alloc(sizeof *bias * (size_t)out);
            int32_t *mult = alloc(sizeof *mult * (size_t)nq);
            int16_t *pmin = alloc(sizeof *pmin * (size_t)P), *pmax = alloc(sizeof *pmax * (size_t)P);
            int8_t *shift = alloc((size_t)nq);
            for (int32_t i = 0; i < P * out; ++i) ring[i] = (int32_t)next();
            for (int32_t i = 0; i < P; ++i) pmin[i] = (int16_t)next();
            for (int32_t i = 0; i < P; ++i) pmax[i] = (int16_t)next();
            for (int32_t i = 0; i < out; ++i) rowsum[i] = (int32_t)next();
            if (has_bias) for (int32_t i = 0; i < out; ++i) bias[i] = (int16_t)next();
            for (int32_t i = 0; i < nq; ++i) mult[i] = (int32_t)next();
            for (int32_t i = 0; i < nq; ++i) shift[i] = (int8_t)next();
            if (ybits == 8) {
                int8_t *y = alloc((size_t)(P * out));
                pk_stream_window_i8(ring, pmin, pmax, P, first, out, qmax, rowsum, has_bias ? bias : 0, bias_shift, mult, shift, per_row, out_min, out_max, y, out);
                for (int32_t i = 0; i < P * out; ++i) printf(i ? " %d" : "%d", y[i]);
                free(y);
            } else {
                int16_t *y = alloc(sizeof *y * (size_t)(P * out));
                pk_stream_window_i16(ring, pmin, pmax, P, first, out, qmax, rowsum, has_bias ? bias : 0, bias_shift, mult, shift, per_row, out_min, out_max, y, out);
                for (int32_t i = 0; i < P * out; ++i) printf(i ? " %d" : "%d", y[i]);
                free(y);
            }
            printf("\n");
            free(ring); free(rowsum); free(bias); free(mult); free(pmin); free(pmax); free(shift);
        } else {
            return 2;
        }
    }
}
