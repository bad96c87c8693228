/*
 * pk_maxpool.h -- max pooling over planes [planes][H][W] (1-D: H = KH = OH = 1), int8 or int16 in and out.
 *
 *   pk_maxpool_X_Y(x, planes, H, W, KH, KW, SH, SW, DH, DW, PH, PW, OH, OW, mult, shift, out_min, out_max, y)
 *
 * y[c][oh][ow] = pk_rq_sat(max over kh < KH, kw < KW of x[c][oh SH - PH + kh DH][ow SW - PW + kw DW], mult, shift,
 * out_min, out_max), positions outside the input ignored (the compiler makes every window hold one: pads are
 * smaller than the window). PH, PW are the begin pads; the end pads are implied by OH, OW. At the input's scale
 * the requantization is the identity (mult 2^30, shift -1). One form for every target. TS mirror: maxpool
 * (src/compiler/kernels/max-pool/index.ts).
 */
#ifndef PK_MAXPOOL_H
#define PK_MAXPOOL_H

#include "pk_base.h"

#define PK_FN pk_maxpool_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_maxpool.inc"

#define PK_FN pk_maxpool_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_maxpool.inc"

#define PK_FN pk_maxpool_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_maxpool.inc"

#define PK_FN pk_maxpool_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_maxpool.inc"

#endif /* PK_MAXPOOL_H */
