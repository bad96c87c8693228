/*
 * pk_avgpool.h -- average pooling over planes [planes][H][W] (1-D: H = KH = OH = 1; global average pooling is
 * the window of the whole plane), int8 or int16 in and out.
 *
 *   pk_avgpool_X_Y(x, planes, H, W, KH, KW, SH, SW, PH, PW, PHE, PWE, OH, OW, include_pad, count_min, mult, shift,
 *                  out_min, out_max, y)
 *
 * The window of (oh, ow) spans rows [h0, h1) = [oh SH - PH, min(h0 + KH, H + PHE)) and likewise columns; its sum
 * s is over the input positions in it, its divisor `count` the number of those positions, or with include_pad
 * (h1 - h0) (w1 - w0) (as onnxruntime and PyTorch). y = pk_rq_sat(s, mult[count - count_min],
 * shift[count - count_min], out_min, out_max): the compiler tabulates s_in / (count s_out) for every divisor
 * that occurs. One form for every target. TS mirror: avgpool (src/compiler/kernels/avg-pool/index.ts).
 */
#ifndef PK_AVGPOOL_H
#define PK_AVGPOOL_H

#include "pk_base.h"

#define PK_FN pk_avgpool_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_avgpool.inc"

#define PK_FN pk_avgpool_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_avgpool.inc"

#define PK_FN pk_avgpool_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_avgpool.inc"

#define PK_FN pk_avgpool_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_avgpool.inc"

#endif /* PK_AVGPOOL_H */
