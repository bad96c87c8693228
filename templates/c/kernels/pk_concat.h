/*
 * pk_concat.h -- Concat of up to four activations along one axis, int8 or int16 (all inputs one type).
 *
 *   pk_concat_X_Y(x0, x1, x2, x3, outer, c0, c1, c2, c3, m0, m1, m2, m3, s0, s1, s2, s3, out_min, out_max, y)
 *
 * For each of the `outer` output rows, input i's c_i values of that row (x_i + row c_i), requantized:
 * y = pk_rq_sat(x, m_i, s_i, out_min, out_max) (the identity at the output's scale: m 2^30, s -1). An unused
 * input has c_i = 0 (and may be 0). One form for every target. TS mirror: concat
 * (src/compiler/kernels/concat/index.ts).
 */
#ifndef PK_CONCAT_H
#define PK_CONCAT_H

#include "pk_base.h"

#define PK_FN pk_concat_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_concat.inc"

#define PK_FN pk_concat_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_concat.inc"

#define PK_FN pk_concat_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_concat.inc"

#define PK_FN pk_concat_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_concat.inc"

#endif /* PK_CONCAT_H */
