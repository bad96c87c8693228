/*
 * pk_conv.h -- convolution, 1-D and 2-D, in the ONNX layout: x [N][C][H][W], y [N][O][OH][OW] (1-D: H = KH =
 * OH = 1), int4 or int8 weights, int8 or int16 activations in and out.
 *
 *   pk_conv_wW_X_Y(x, N, C, H, W, w, bias int16, bias_shift, O, groups, KH, KW, SH, SW, DH, DW, PH, PW, OH, OW,
 *                  mult, shift, per_row, out_min, out_max, block, scratch, y)      W in {4, 8}; X, Y in {i8, i16}
 *
 * y[n][o][oh][ow] = sat(requant(bias[o] 2^bias_shift + sum_{c < C/groups, kh, kw} x[n][g C/groups + c][ih][iw]
 *                   w[o][c][kh][kw]), out_min, out_max),  g = o / (O/groups), ih = oh SH - PH + kh DH,
 *                   iw = ow SW - PW + kw DW, terms outside the input (the padding) are 0.
 * w: one row per output channel, in the order (c, kh, kw) of the ONNX weight; int4 rows start on a byte
 * (pk_linear.h's layout). mult/shift per output channel when per_row, else [0]. PH, PW are the begin pads;
 * the end pads are implied by OH, OW (asymmetric padding needs nothing else).
 *
 * block > 0: the receptive fields of `block` consecutive output positions (over n, oh, ow) are gathered into
 * rows of K = C/groups KH KW values in scratch (zeros for the padding), the linear kernel of the same types
 * (pk_linear.h, whichever form the target takes) multiplies them by the group's weight rows, and the [block]
 * [O/groups] results are scattered into y. scratch: block K inputs, padded to 4 bytes, then block O/groups
 * outputs. block == 0 (depthwise: one input and one output channel per group): a direct loop, no scratch
 * (taps unpacked once per channel when K <= PK_DW_TAPS, windows inside the input summed unchecked).
 * Every partial sum is the same integer in any order (the compiler proves sum |x| |w| + |bias| < 2^31).
 * One form for every target (the linear kernel inside is the target's). TS mirror: conv
 * (src/compiler/kernels/conv/sim.ts).
 */
#ifndef PK_CONV_H
#define PK_CONV_H

#include "pk_base.h"
#include "pk_linear.h"

/* Depthwise windows of at most this many taps get their weights unpacked once per channel. */
#define PK_DW_TAPS 16

#define PK_FN pk_conv_w4_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_WT uint8_t
#define PK_W4 1
#define PK_LINEAR pk_linear_w4_i8_i8
#include "pk_conv.inc"

#define PK_FN pk_conv_w4_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_WT uint8_t
#define PK_W4 1
#define PK_LINEAR pk_linear_w4_i8_i16
#include "pk_conv.inc"

#define PK_FN pk_conv_w4_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_WT uint8_t
#define PK_W4 1
#define PK_LINEAR pk_linear_w4_i16_i8
#include "pk_conv.inc"

#define PK_FN pk_conv_w4_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_WT uint8_t
#define PK_W4 1
#define PK_LINEAR pk_linear_w4_i16_i16
#include "pk_conv.inc"

#define PK_FN pk_conv_w8_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#define PK_WT int8_t
#define PK_W4 0
#define PK_LINEAR pk_linear_w8_i8_i8
#include "pk_conv.inc"

#define PK_FN pk_conv_w8_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#define PK_WT int8_t
#define PK_W4 0
#define PK_LINEAR pk_linear_w8_i8_i16
#include "pk_conv.inc"

#define PK_FN pk_conv_w8_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#define PK_WT int8_t
#define PK_W4 0
#define PK_LINEAR pk_linear_w8_i16_i8
#include "pk_conv.inc"

#define PK_FN pk_conv_w8_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#define PK_WT int8_t
#define PK_W4 0
#define PK_LINEAR pk_linear_w8_i16_i16
#include "pk_conv.inc"

#endif /* PK_CONV_H */
