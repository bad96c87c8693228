/* Calls every kernel of pose_kernels.h with run-time arguments, so the cross-compilers type-check, warn
 * about and generate code for all of them (static inline functions nobody calls are not compiled). One
 * small function per kernel: a single function inlining them all takes the compilers several times longer. */
#include "all_kernels.h"

struct pk_args {
    const int8_t *x8;
    const int16_t *x16;
    const int32_t *x32;
    const uint8_t *w4;
    const int8_t *w8;
    const int16_t *a16;
    const int32_t *bias;
    const int16_t *b16;
    const int32_t *mult;
    const int8_t *shift;
    int8_t *y8;
    int16_t *y16;
    int32_t *scratch;
    int32_t T, in, out, d, s, m, lo, hi;
    int64_t e;
};

#define PK_INSTANCE(NAME, CALL)                                                                          \
    void pk_inst_##NAME(const struct pk_args *a);                                                        \
    void pk_inst_##NAME(const struct pk_args *a) { (void)a; CALL; }

PK_INSTANCE(requant, a->y8[0] = (int8_t)pk_rq_sat(a->T, a->m, a->s, a->lo, a->hi))
PK_INSTANCE(minmax_i8, pk_minmax_normalize_i8(a->x16, a->in, a->T, a->y8))
PK_INSTANCE(minmax_i16, pk_minmax_normalize_i16(a->x16, a->in, a->T, a->y16))

#define LIN(W, X, Y, WP)                                                                                 \
    PK_INSTANCE(linear_w##W##_i##X##_i##Y,                                                               \
                pk_linear_w##W##_i##X##_i##Y(a->x##X, a->T, a->in, a->in, a->WP, a->b16, a->s, a->out, a->mult,   \
                                             a->shift, 1, a->lo, a->hi, a->y##Y, a->out))
LIN(4, 8, 8, w4) LIN(4, 8, 16, w4) LIN(4, 16, 8, w4) LIN(4, 16, 16, w4)
LIN(8, 8, 8, w8) LIN(8, 8, 16, w8) LIN(8, 16, 8, w8) LIN(8, 16, 16, w8)

#define ADD(A, B, Y)                                                                                     \
    PK_INSTANCE(add_i##A##_i##B##_i##Y,                                                                  \
                pk_add_i##A##_i##B##_i##Y(a->x##A, a->x##B, a->d, a->m, a->m, a->s, a->lo, a->hi, a->y##Y))
ADD(8, 8, 8) ADD(8, 8, 16) ADD(8, 16, 8) ADD(8, 16, 16) ADD(16, 8, 8) ADD(16, 8, 16) ADD(16, 16, 8) ADD(16, 16, 16)

PK_INSTANCE(relu_i8, pk_relu_i8(a->x8, a->d, a->y8))
PK_INSTANCE(relu_i16, pk_relu_i16(a->x16, a->d, a->y16))
PK_INSTANCE(lut8_i8, pk_lut8_i8(a->x8, a->d, a->w8, a->y8))
PK_INSTANCE(lut8_i16, pk_lut8_i16(a->x8, a->d, a->a16, a->y16))
PK_INSTANCE(lut16_i8, pk_lut16_interp_i8(a->x16, a->d, a->a16, a->y8))
PK_INSTANCE(lut16_i16, pk_lut16_interp_i16(a->x16, a->d, a->a16, a->y16))

#define LN(X, Y)                                                                                         \
    PK_INSTANCE(layernorm_i##X##_i##Y,                                                                   \
                pk_layernorm_i##X##_i##Y(a->x##X, a->T, a->d, a->d, a->e, a->a16, a->a16, a->in, a->m, a->s,  \
                                         a->lo, a->hi, a->y##Y, a->d))
LN(8, 8) LN(8, 16) LN(16, 8) LN(16, 16)

PK_INSTANCE(softmax_i16, pk_softmax_row_i16(a->x16, a->T, a->m, a->s, a->y16))
PK_INSTANCE(softmax_i32, pk_softmax_row_i32(a->x32, a->T, a->m, a->s, a->y16))
PK_INSTANCE(softmax_i32_inplace, pk_softmax_row_i32_inplace(a->x32, a->T, a->m, a->s, a->scratch))

#define ATT(X, Y)                                                                                        \
    PK_INSTANCE(attention_i##X##_i##Y,                                                                   \
                pk_attention_i##X##_i##Y(a->x##X, a->x##X + a->d, a->x##X + 2 * a->d, 3 * a->d, a->T, 2,     \
                                         a->d / 2, a->in, a->m, a->s, a->m, a->s, a->lo, a->hi, a->scratch,  \
                                         a->y##Y, a->d))
ATT(8, 8) ATT(8, 16) ATT(16, 8) ATT(16, 16)

#define POOL(X, Y)                                                                                       \
    PK_INSTANCE(pool_i##X##_i##Y,                                                                        \
                pk_attention_pool_i##X##_i##Y(a->x##X, a->T, a->d, a->d, a->x16, a->m, a->s, a->m, a->s,     \
                                              a->lo, a->hi, a->scratch, a->y##Y))
POOL(8, 8) POOL(8, 16) POOL(16, 8) POOL(16, 16)

#define MM(X, Y)                                                                                         \
    PK_INSTANCE(matmul_i##X##_i##Y,                                                                      \
                pk_matmul_const_left_i##X##_i##Y(a->a16, a->x##X, a->out, a->out, a->d, a->m, a->s, a->lo,   \
                                                 a->hi, a->y##Y))
MM(8, 8) MM(8, 16) MM(16, 8) MM(16, 16)
