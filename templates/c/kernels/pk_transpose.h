/*
 * pk_transpose.h -- a transpose as data movement, int8 or int16 in and out.
 *
 *   pk_transpose_X_Y(x, d0, d1, d2, d3, s0, s1, s2, s3, mult, shift, out_min, out_max, y)
 *
 * y[i0][i1][i2][i3] = pk_rq_sat(x[i0 s0 + i1 s1 + i2 s2 + i3 s3], mult, shift, out_min, out_max) for i_k < d_k:
 * the compiler drops the size-1 axes of the permutation, merges axes that stay adjacent and pads in front
 * with d = 1. At the input's scale the requantization is the identity (mult 2^30, shift -1). One form for every
 * target. TS mirror: transpose (src/compiler/kernels/transpose/index.ts).
 */
#ifndef PK_TRANSPOSE_H
#define PK_TRANSPOSE_H

#include "pk_base.h"

#define PK_FN pk_transpose_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_transpose.inc"

#define PK_FN pk_transpose_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_transpose.inc"

#define PK_FN pk_transpose_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_transpose.inc"

#define PK_FN pk_transpose_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_transpose.inc"

#endif /* PK_TRANSPOSE_H */
