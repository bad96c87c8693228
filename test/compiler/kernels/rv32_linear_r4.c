/* The w4r4 linear kernels (the node's form: the inline-assembly loop on rv32imc) on cases read from stdin, for
 * linear-r4.test.ts to run under qemu-riscv32 and compare with the TS mirror. Binary, little-endian int32:
 * per case xb yb T in x_stride out per_row out_min out_max y_stride group xq_mult xq_shift has_bias
 * bias_shift nq wide (1: the wide forms, int16 x as it is), then x, w, bias (if any), mult, shift; the output elements are written back as int32. No
 * stdio, no malloc: static buffers, the batch program's I/O layer (firmware/linux/rv32/rv32_io.c). */
#include <stdint.h>

#include "all_kernels.h"
#include "batch_io.h"

#define CAP 16384
static int32_t in_buf[CAP];
static int8_t x8[CAP];
static int16_t x16[CAP];
static uint32_t w[CAP];
static int16_t bias[1024];
static int32_t mult[1024];
static int8_t shift[1024];
static int8_t y8[CAP];
static int16_t y16[CAP];
static int32_t scratch[CAP / 4];
static int32_t out_buf[CAP];

static int rd(int32_t *v, int32_t n)
{
    uint8_t *p = (uint8_t *)v;
    long want = (long)n * 4, got = 0;
    while (got < want) {
        long r = io_read(p + got, (size_t)(want - got));
        if (r <= 0) return got == 0 ? 0 : -1;
        got += r;
    }
    return 1;
}

int main(void)
{
    for (;;) {
        int32_t h[17], i, n;
        int r = rd(h, 17);
        if (r == 0) return 0;
        if (r < 0) return 3;
        {
            const int32_t xb = h[0], yb = h[1], T = h[2], in = h[3], xs = h[4], out = h[5], per_row = h[6];
            const int32_t lo = h[7], hi = h[8], ys = h[9], group = h[10], xqm = h[11], xqs = h[12];
            const int32_t has_bias = h[13], bias_shift = h[14], nq = h[15], wide = h[16];
            const int32_t xn = (T - 1) * xs + in, yn = (T - 1) * ys + out;
            const int32_t wn = (out + 3) / 4 * ((in + 1) / 2);
            if (xn > CAP || wn > CAP || yn > CAP || out > 1024 || nq > 1024 || PK_W4R4_SCRATCH(T, in, group) > CAP) return 4;
            if (rd(in_buf, xn) != 1) return 3;
            for (i = 0; i < xn; ++i) {
                x8[i] = (int8_t)in_buf[i];
                x16[i] = (int16_t)in_buf[i];
            }
            if (rd((int32_t *)w, wn) != 1) return 3;
            if (has_bias) {
                if (rd(in_buf, out) != 1) return 3;
                for (i = 0; i < out; ++i) bias[i] = (int16_t)in_buf[i];
            }
            if (rd(mult, nq) != 1 || rd(in_buf, nq) != 1) return 3;
            for (i = 0; i < nq; ++i) shift[i] = (int8_t)in_buf[i];
            for (i = 0; i < yn; ++i) {
                y8[i] = 0x55; /* the sentinel bytes of the TS side */
                y16[i] = 0x5555;
            }
            if (wide && yb == 8)
                pk_linear_w4r4_wide_i8(x16, T, in, xs, w, has_bias ? bias : 0, bias_shift, out, mult, shift, per_row, lo, hi, y8, ys);
            if (wide && yb == 16)
                pk_linear_w4r4_wide_i16(x16, T, in, xs, w, has_bias ? bias : 0, bias_shift, out, mult, shift, per_row, lo, hi, y16, ys);
            if (!wide && xb == 8 && yb == 8)
                pk_linear_w4r4_i8_i8(x8, T, in, xs, w, has_bias ? bias : 0, bias_shift, out, mult, shift, per_row, lo, hi, y8, ys, group, scratch);
            if (!wide && xb == 8 && yb == 16)
                pk_linear_w4r4_i8_i16(x8, T, in, xs, w, has_bias ? bias : 0, bias_shift, out, mult, shift, per_row, lo, hi, y16, ys, group, scratch);
            if (!wide && xb == 16 && yb == 8)
                pk_linear_w4r4_i16_i8(x16, xqm, xqs, T, in, xs, w, has_bias ? bias : 0, bias_shift, out, mult, shift, per_row, lo, hi, y8, ys, group, scratch);
            if (!wide && xb == 16 && yb == 16)
                pk_linear_w4r4_i16_i16(x16, xqm, xqs, T, in, xs, w, has_bias ? bias : 0, bias_shift, out, mult, shift, per_row, lo, hi, y16, ys, group, scratch);
            n = yn;
            for (i = 0; i < n; ++i) out_buf[i] = yb == 8 ? y8[i] : y16[i];
            if (io_write(out_buf, (size_t)n * 4) != (long)n * 4) return 4;
        }
    }
}
