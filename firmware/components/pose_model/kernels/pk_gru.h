/*
 * pk_gru.h -- one forward GRU layer (ONNX gate order z, r, h; both linear_before_reset forms; zero initial
 * state), int4 or int8 weights, int16 input (the compiler keeps a GRU's input int16), hidden state int16 Q15.
 *
 *   pk_gru_wW_i16(x [T][I], T, I, H, lbr, w [3H][I], wb int16, wb_shift, w_mult [3H], w_shift [3H], r [3H][H],
 *               r_mult [3H], r_shift [3H], rbn int16 [H] or 0, sig int16 [257], tanh_table int16 [257],
 *               scratch, y int16 [T][H] or 0, y_h int16 [H] or 0)
 *
 * Gate pre-activations are int16/int32 at G = 2^-11. xp[t] = sat16(rq(wb 2^wb_shift + W x_t)) for every step
 * first (the linear kernel, T tokens); per step hp = sat16(rq(R h)) (the linear kernel, one token, h Q15; the
 * rows of z and r, and of the candidate when lbr), then
 *   z = S(xp_z + hp_z), r = S(xp_r + hp_r)                                     (Q15)
 *   lbr 1: n = Th(xp_h + ((r (hp_h + rbn) + 2^14) >> 15))
 *   lbr 0: n = Th(xp_h + rq(R_h ((r h + 2^14) >> 15)))
 *   h' = n + ((z (h - n) + 2^14) >> 15)
 * S(v): u = clamp(v + 2^15, 0, 2^16 - 1), i = u >> 8: sig[i] + (((sig[i+1] - sig[i]) (u & 255) + 128) >> 8),
 * sig[k] = sigmoid(-16 + k/8) in Q15; Th(v): u = clamp(v + 2^14, 0, 2^15 - 1), i = u >> 7, steps of 128 codes,
 * tanh_table[k] = tanh(-8 + k/16). The compiler folds the recurrent biases that are not inside r (...) into wb.
 * scratch: int16 [T][3H] + [8H]. y[t] = h after step t; y_h = the last h. One form for every target (the
 * linear kernels inside are the target's). TS mirror: gru (src/compiler/kernels/gru/sim.ts).
 */
#ifndef PK_GRU_H
#define PK_GRU_H

#include "pk_base.h"
#include "pk_linear.h"

/* Sigmoid of a pre-activation at 2^-11, Q15, from its 257-point table over [-16, 16). */
static inline int32_t pk_gru_sigmoid(int32_t v, const int16_t *t)
{
    const int32_t u = v < -32768 ? 0 : v > 32767 ? 65535 : v + 32768, i = u >> 8, a = t[i];
    return a + (((t[i + 1] - a) * (u & 255) + 128) >> 8);
}

/* Tanh of a pre-activation at 2^-11, Q15, from its 257-point table over [-8, 8). */
static inline int32_t pk_gru_tanh(int32_t v, const int16_t *t)
{
    const int32_t u = v < -16384 ? 0 : v > 16383 ? 32767 : v + 16384, i = u >> 7, a = t[i];
    return a + (((t[i + 1] - a) * (u & 127) + 64) >> 7);
}

#define PK_FN pk_gru_w4_i16
#define PK_TX int16_t
#define PK_WT uint8_t
#define PK_W4 1
#define PK_LIN_X pk_linear_w4_i16_i16
#define PK_LIN_H pk_linear_w4_i16_i16
#include "pk_gru.inc"

#define PK_FN pk_gru_w8_i16
#define PK_TX int16_t
#define PK_WT int8_t
#define PK_W4 0
#define PK_LIN_X pk_linear_w8_i16_i16
#define PK_LIN_H pk_linear_w8_i16_i16
#include "pk_gru.inc"

#endif /* PK_GRU_H */
