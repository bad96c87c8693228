/* Test driver for templates/c/pose_kernels.h: reads cases (whitespace-separated integers, each case
 * introduced by a kernel name) from stdin and prints each case's output buffer on one line. The tests in
 * this directory write the same cases through the TypeScript mirror and require identical lines.
 * Output buffers are pre-filled with a sentinel (see SENTINEL) so writes outside the expected elements
 * show up as differences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "all_kernels.h"

#define SENTINEL 0x55

static long long rd(void)
{
    long long v;
    if (scanf("%lld", &v) != 1) {
        fprintf(stderr, "driver: malformed input\n");
        exit(2);
    }
    return v;
}

static void *alloc(long long n, size_t size)
{
    void *p = malloc((size_t)(n > 0 ? n : 1) * size);
    if (!p) exit(3);
    memset(p, SENTINEL, (size_t)(n > 0 ? n : 1) * size);
    return p;
}

#define READER(NAME, T)                                                                                  \
    static T *NAME(long long n)                                                                          \
    {                                                                                                    \
        T *a = (T *)alloc(n, sizeof(T));                                                                 \
        long long i;                                                                                     \
        for (i = 0; i < n; ++i) a[i] = (T)rd();                                                          \
        return a;                                                                                        \
    }
READER(rd_i8, int8_t)
READER(rd_u8, uint8_t)
READER(rd_i16, int16_t)
READER(rd_i32, int32_t)
READER(rd_u32, uint32_t)

#define PRINTER(NAME, T)                                                                                 \
    static void NAME(const T *a, long long n)                                                            \
    {                                                                                                    \
        long long i;                                                                                     \
        for (i = 0; i < n; ++i) printf(i ? " %ld" : "%ld", (long)a[i]);                                  \
        printf("\n");                                                                                    \
    }
PRINTER(pr_i8, int8_t)
PRINTER(pr_i16, int16_t)

/* x: i8/i16 input buffers; y: i8/i16 output buffers (type chosen by the case name's suffixes). */
#define RD_X(tag, n) (tag == 8 ? (void *)rd_i8(n) : (void *)rd_i16(n))
#define NEW_Y(tag, n) alloc(n, tag == 8 ? 1 : 2)
#define PR_Y(tag, y, n) (tag == 8 ? pr_i8((const int8_t *)(y), n) : pr_i16((const int16_t *)(y), n))

static int bits_of(const char *s) { return strcmp(s, "i8") == 0 ? 8 : 16; }

static void run_linear(int wbits, int xb, int yb)
{
    const int32_t T = (int32_t)rd(), in = (int32_t)rd(), xs = (int32_t)rd(), out = (int32_t)rd();
    const int32_t per_row = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd(), ys = (int32_t)rd();
    const long long xn = (long long)(T - 1) * xs + in, yn = (long long)(T - 1) * ys + out;
    void *x = RD_X(xb, xn);
    void *w = wbits == 4 ? (void *)rd_u8((long long)out * ((in + 1) / 2)) : (void *)rd_i8((long long)out * in);
    const int has_bias = (int)rd();
    int16_t *bias = has_bias ? rd_i16(out) : 0;
    const int32_t bias_shift = (int32_t)rd();
    const long long nq = rd();
    int32_t *mult = rd_i32(nq);
    int8_t *shift = rd_i8(nq);
    void *y = NEW_Y(yb, yn);
#define LIN(W, X, Y, TX, TY, TW)                                                                         \
    if (wbits == W && xb == X && yb == Y)                                                                \
        pk_linear_w##W##_i##X##_i##Y((const TX *)x, T, in, xs, (const TW *)w, bias, bias_shift, out, mult, shift,    \
                                     per_row, lo, hi, (TY *)y, ys);
    LIN(4, 8, 8, int8_t, int8_t, uint8_t)
    LIN(4, 8, 16, int8_t, int16_t, uint8_t)
    LIN(4, 16, 8, int16_t, int8_t, uint8_t)
    LIN(4, 16, 16, int16_t, int16_t, uint8_t)
    LIN(8, 8, 8, int8_t, int8_t, int8_t)
    LIN(8, 8, 16, int8_t, int16_t, int8_t)
    LIN(8, 16, 8, int16_t, int8_t, int8_t)
    LIN(8, 16, 16, int16_t, int16_t, int8_t)
    PR_Y(yb, y, yn);
    free(x); free(w); free(bias); free(mult); free(shift); free(y);
}

/* w4r4 weights (int8 inputs, or int16 requantized to int8; xb 0: the wide forms, int16 as it is); plain != 0:
 * the reference pk_..._plain */
static void run_linear_r4(int xb, int yb, int plain)
{
    const int32_t T = (int32_t)rd(), in = (int32_t)rd(), xs = (int32_t)rd(), out = (int32_t)rd();
    const int32_t per_row = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd(), ys = (int32_t)rd();
    const int32_t group = (int32_t)rd(), xqm = (int32_t)rd(), xqs = (int32_t)rd();
    const long long xn = (long long)(T - 1) * xs + in, yn = (long long)(T - 1) * ys + out;
    const int xbits = xb ? xb : 16;
    void *x = RD_X(xbits, xn);
    uint32_t *w = rd_u32((long long)((out + 3) / 4) * ((in + 1) / 2));
    const int has_bias = (int)rd();
    int16_t *bias = has_bias ? rd_i16(out) : 0;
    const int32_t bias_shift = (int32_t)rd();
    const long long nq = rd();
    int32_t *mult = rd_i32(nq);
    int8_t *shift = rd_i8(nq);
    void *y = NEW_Y(yb, yn);
    void *scratch = alloc(PK_W4R4_SCRATCH(T, in, group), 1);
#define LIN_R4(X, Y, TY, SUF)                                                                            \
    if (xb == X && yb == Y && X == 8)                                                                    \
        pk_linear_w4r4_i8_i##Y##SUF((const int8_t *)x, T, in, xs, w, bias, bias_shift, out, mult, shift,   \
                                    per_row, lo, hi, (TY *)y, ys, group, scratch);                       \
    if (xb == X && yb == Y && X == 16)                                                                   \
        pk_linear_w4r4_i16_i##Y##SUF((const int16_t *)x, xqm, xqs, T, in, xs, w, bias, bias_shift, out,   \
                                     mult, shift, per_row, lo, hi, (TY *)y, ys, group, scratch);      \
    if (xb == 0 && yb == Y && X == 16)                                                                   \
        pk_linear_w4r4_wide_i##Y##SUF((const int16_t *)x, T, in, xs, w, bias, bias_shift, out, mult,     \
                                      shift, per_row, lo, hi, (TY *)y, ys);
    if (plain) {
        LIN_R4(8, 8, int8_t, _plain)
        LIN_R4(8, 16, int16_t, _plain)
        LIN_R4(16, 8, int8_t, _plain)
        LIN_R4(16, 16, int16_t, _plain)
    } else {
        LIN_R4(8, 8, int8_t, )
        LIN_R4(8, 16, int16_t, )
        LIN_R4(16, 8, int8_t, )
        LIN_R4(16, 16, int16_t, )
    }
    PR_Y(yb, y, yn);
    free(x); free(w); free(bias); free(mult); free(shift); free(y); free(scratch);
}

static void run_add(int ab, int bb, int yb)
{
    const int32_t n = (int32_t)rd(), ma = (int32_t)rd(), mb = (int32_t)rd(), sh = (int32_t)rd();
    const int32_t lo = (int32_t)rd(), hi = (int32_t)rd();
    void *a = RD_X(ab, n), *b = RD_X(bb, n), *y = NEW_Y(yb, n);
#define ADD(A, B, Y, TA, TB, TY)                                                                         \
    if (ab == A && bb == B && yb == Y)                                                                   \
        pk_add_i##A##_i##B##_i##Y((const TA *)a, (const TB *)b, n, ma, mb, sh, lo, hi, (TY *)y);
    ADD(8, 8, 8, int8_t, int8_t, int8_t)
    ADD(8, 8, 16, int8_t, int8_t, int16_t)
    ADD(8, 16, 8, int8_t, int16_t, int8_t)
    ADD(8, 16, 16, int8_t, int16_t, int16_t)
    ADD(16, 8, 8, int16_t, int8_t, int8_t)
    ADD(16, 8, 16, int16_t, int8_t, int16_t)
    ADD(16, 16, 8, int16_t, int16_t, int8_t)
    ADD(16, 16, 16, int16_t, int16_t, int16_t)
    PR_Y(yb, y, n);
    free(a); free(b); free(y);
}

static void run_layernorm(int xb, int yb)
{
    const int32_t T = (int32_t)rd(), d = (int32_t)rd(), xs = (int32_t)rd(), ys = (int32_t)rd();
    const int64_t eps_q = (int64_t)rd();
    const int32_t pre = (int32_t)rd(), m = (int32_t)rd(), sh = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd();
    const long long xn = (long long)(T - 1) * xs + d, yn = (long long)(T - 1) * ys + d;
    void *x = RD_X(xb, xn);
    int16_t *g = rd_i16(d);
    int16_t *b = rd_i16(d);
    void *y = NEW_Y(yb, yn);
#define LN(X, Y, TX, TY)                                                                                 \
    if (xb == X && yb == Y)                                                                              \
        pk_layernorm_i##X##_i##Y((const TX *)x, T, d, xs, eps_q, g, b, pre, m, sh, lo, hi, (TY *)y, ys);
    LN(8, 8, int8_t, int8_t)
    LN(8, 16, int8_t, int16_t)
    LN(16, 8, int16_t, int8_t)
    LN(16, 16, int16_t, int16_t)
    PR_Y(yb, y, yn);
    free(x); free(g); free(b); free(y);
}

static void run_attention(int xb, int yb)
{
    const int32_t T = (int32_t)rd(), H = (int32_t)rd(), hd = (int32_t)rd(), ld = (int32_t)rd();
    const int32_t ls = (int32_t)rd(), smm = (int32_t)rd(), sms = (int32_t)rd(), m = (int32_t)rd();
    const int32_t sh = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd(), ys = (int32_t)rd();
    const long long qn = (long long)T * ld, yn = (long long)(T - 1) * ys + H * hd;
    void *qkv = RD_X(xb, qn);
    const int32_t d = H * hd;
    int32_t *scratch = (int32_t *)alloc(T, sizeof(int32_t));
    void *y = NEW_Y(yb, yn);
#define ATT(X, Y, TX, TY)                                                                                \
    if (xb == X && yb == Y)                                                                              \
        pk_attention_i##X##_i##Y((const TX *)qkv, (const TX *)qkv + d, (const TX *)qkv + 2 * d, ld, T, H, \
                                 hd, ls, smm, sms, m, sh, lo, hi, scratch, (TY *)y, ys);
    ATT(8, 8, int8_t, int8_t)
    ATT(8, 16, int8_t, int16_t)
    ATT(16, 8, int16_t, int8_t)
    ATT(16, 16, int16_t, int16_t)
    PR_Y(yb, y, yn);
    free(qkv); free(scratch); free(y);
}

static void run_pool(int xb, int yb)
{
    const int32_t T = (int32_t)rd(), d = (int32_t)rd(), xs = (int32_t)rd(), smm = (int32_t)rd();
    const int32_t sms = (int32_t)rd(), m = (int32_t)rd(), sh = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd();
    void *x = RD_X(xb, (long long)(T - 1) * xs + d);
    int16_t *scores = rd_i16(T);
    int32_t *scratch = (int32_t *)alloc(T, sizeof(int32_t));
    void *y = NEW_Y(yb, d);
#define POOL(X, Y, TX, TY)                                                                               \
    if (xb == X && yb == Y)                                                                              \
        pk_attention_pool_i##X##_i##Y((const TX *)x, T, d, xs, scores, smm, sms, m, sh, lo, hi, scratch, (TY *)y);
    POOL(8, 8, int8_t, int8_t)
    POOL(8, 16, int8_t, int16_t)
    POOL(16, 8, int16_t, int8_t)
    POOL(16, 16, int16_t, int16_t)
    PR_Y(yb, y, d);
    free(x); free(scores); free(scratch); free(y);
}

static void run_matmul(int xb, int yb)
{
    const int32_t n = (int32_t)rd(), m = (int32_t)rd(), k = (int32_t)rd(), mu = (int32_t)rd();
    const int32_t sh = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd();
    int16_t *a = rd_i16((long long)n * m);
    void *x = RD_X(xb, (long long)m * k);
    void *y = NEW_Y(yb, (long long)n * k);
#define MM(X, Y, TX, TY)                                                                                 \
    if (xb == X && yb == Y) pk_matmul_const_left_i##X##_i##Y(a, (const TX *)x, n, m, k, mu, sh, lo, hi, (TY *)y);
    MM(8, 8, int8_t, int8_t)
    MM(8, 16, int8_t, int16_t)
    MM(16, 8, int16_t, int8_t)
    MM(16, 16, int16_t, int16_t)
    PR_Y(yb, y, (long long)n * k);
    free(a); free(x); free(y);
}

int main(void)
{
    char name[64], t1[8], t2[8], t3[8];
    while (scanf("%63s", name) == 1) {
        if (strcmp(name, "requant") == 0) {
            const int32_t acc = (int32_t)rd(), m = (int32_t)rd(), s = (int32_t)rd();
            printf("%lld\n", (long long)pk_requant(acc, m, s));
        } else if (strcmp(name, "rqsat") == 0) {
            const int32_t acc = (int32_t)rd(), m = (int32_t)rd(), s = (int32_t)rd();
            const int32_t lo = (int32_t)rd(), hi = (int32_t)rd();
            printf("%ld\n", (long)pk_rq_sat(acc, m, s, lo, hi));
        } else if (strcmp(name, "minmax") == 0) {
            const int yb = (int)rd();
            const int32_t F = (int32_t)rd(), P = (int32_t)rd();
            int16_t *x = rd_i16((long long)F * P);
            void *y = NEW_Y(yb, (long long)F * P);
            if (yb == 8) pk_minmax_normalize_i8(x, F, P, (int8_t *)y);
            else pk_minmax_normalize_i16(x, F, P, (int16_t *)y);
            PR_Y(yb, y, (long long)F * P);
            free(x); free(y);
        } else if (sscanf(name, "linear_w4r4_wide_%3[i0-9]", t2) == 1) {
            run_linear_r4(0, bits_of(t2), strstr(name, "_plain") != 0);
        } else if (sscanf(name, "linear_w4r4_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_linear_r4(bits_of(t1), bits_of(t2), strstr(name, "_plain") != 0);
        } else if (sscanf(name, "linear_w4_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_linear(4, bits_of(t1), bits_of(t2));
        } else if (sscanf(name, "linear_w8_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_linear(8, bits_of(t1), bits_of(t2));
        } else if (sscanf(name, "add_%3[i0-9]_%3[i0-9]_%3[i0-9]", t1, t2, t3) == 3) {
            run_add(bits_of(t1), bits_of(t2), bits_of(t3));
        } else if (strcmp(name, "quantize") == 0) {
            const int32_t n = (int32_t)rd(), mu = (int32_t)rd(), sh = (int32_t)rd(), lo = (int32_t)rd(), hi = (int32_t)rd();
            int16_t *x = rd_i16(n);
            int8_t *y = (int8_t *)NEW_Y(8, n);
            pk_quantize_i16(x, n, mu, sh, lo, hi, y);
            PR_Y(8, y, n);
            free(x); free(y);
        } else if (strcmp(name, "relu") == 0) {
            const int xb = (int)rd();
            const int32_t n = (int32_t)rd();
            void *x = RD_X(xb, n);
            if (xb == 8) pk_relu_i8((const int8_t *)x, n, (int8_t *)x);
            else pk_relu_i16((const int16_t *)x, n, (int16_t *)x);
            PR_Y(xb, x, n);
            free(x);
        } else if (strcmp(name, "lut8") == 0) {
            const int yb = (int)rd();
            const int32_t n = (int32_t)rd();
            void *table = RD_X(yb, 256);
            int8_t *x = rd_i8(n);
            void *y = NEW_Y(yb, n);
            if (yb == 8) pk_lut8_i8(x, n, (const int8_t *)table, (int8_t *)y);
            else pk_lut8_i16(x, n, (const int16_t *)table, (int16_t *)y);
            PR_Y(yb, y, n);
            free(table); free(x); free(y);
        } else if (strcmp(name, "lut16") == 0) {
            const int yb = (int)rd();
            const int32_t n = (int32_t)rd();
            int16_t *table = rd_i16(257);
            int16_t *x = rd_i16(n);
            void *y = NEW_Y(yb, n);
            if (yb == 8) pk_lut16_interp_i8(x, n, table, (int8_t *)y);
            else pk_lut16_interp_i16(x, n, table, (int16_t *)y);
            PR_Y(yb, y, n);
            free(table); free(x); free(y);
        } else if (strcmp(name, "isqrt_q60") == 0) {
            const long long n = rd();
            long long i;
            for (i = 0; i < n; ++i) printf(i ? " %lu" : "%lu", (unsigned long)pk_isqrt_q60((uint64_t)rd()));
            printf("\n");
        } else if (strcmp(name, "ln_scale_q60") == 0) {
            const long long n = rd();
            long long i;
            for (i = 0; i < n; ++i) printf(i ? " %ld" : "%ld", (long)pk_ln_scale_q60((uint64_t)rd()));
            printf("\n");
        } else if (strcmp(name, "recip_q60") == 0) {
            const long long n = rd();
            long long i;
            for (i = 0; i < n; ++i) printf(i ? " %lu" : "%lu", (unsigned long)pk_recip_q60((uint32_t)rd()));
            printf("\n");
        } else if (sscanf(name, "layernorm_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_layernorm(bits_of(t1), bits_of(t2));
        } else if (strcmp(name, "softmax") == 0) {
            const int xb = (int)rd();
            const int32_t n = (int32_t)rd(), m = (int32_t)rd(), s = (int32_t)rd();
            int16_t *p = (int16_t *)alloc(n, 2);
            if (xb == 16) {
                int16_t *x = rd_i16(n);
                pk_softmax_row_i16(x, n, m, s, p);
                free(x);
            } else {
                int32_t *x = rd_i32(n);
                pk_softmax_row_i32(x, n, m, s, p);
                free(x);
            }
            pr_i16(p, n);
            free(p);
        } else if (sscanf(name, "attention_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_attention(bits_of(t1), bits_of(t2));
        } else if (sscanf(name, "pool_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_pool(bits_of(t1), bits_of(t2));
        } else if (sscanf(name, "matmul_%3[i0-9]_%3[i0-9]", t1, t2) == 2) {
            run_matmul(bits_of(t1), bits_of(t2));
        } else {
            fprintf(stderr, "driver: unknown kernel %s\n", name);
            return 2;
        }
    }
    return 0;
}
