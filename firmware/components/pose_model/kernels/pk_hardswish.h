/*
 * pk_hardswish.h -- HardSwish, x * clamp(x / 6 + 1/2, 0, 1), int8 or int16 in and out.
 *
 *   pk_hardswish_X_Y(x, n, gate_mult, gate_shift, mult, shift, out_min, out_max, y)
 *
 * g = clamp(pk_requant(x, gate_mult, gate_shift) + 2^14, 0, 2^15)   (the gate in Q15: gate_mult/shift are
 * s_x 2^15 / 6), y = pk_rq_sat(x g, mult, shift, out_min, out_max)  (mult/shift: s_x 2^-15 / s_y; |x g| <= 2^30).
 * One form for every target. TS mirror: hardswish (src/compiler/kernels/hardswish/index.ts).
 */
#ifndef PK_HARDSWISH_H
#define PK_HARDSWISH_H

#include "pk_base.h"

#define PK_FN pk_hardswish_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_hardswish.inc"

#define PK_FN pk_hardswish_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_hardswish.inc"

#define PK_FN pk_hardswish_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_hardswish.inc"

#define PK_FN pk_hardswish_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_hardswish.inc"

#endif /* PK_HARDSWISH_H */
