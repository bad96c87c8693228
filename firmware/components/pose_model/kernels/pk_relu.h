/*
 * pk_relu.h -- pk_relu_i8 / _i16(x, n, y): y = max(x, 0); y may alias x. One form for every target.
 * TS mirror: relu. (A ReLU after a requantizing op is fused into it instead: out_min = 0.)
 */
#ifndef PK_RELU_H
#define PK_RELU_H

#include "pk_base.h"

static inline PK_IRAM void pk_relu_i8(const int8_t *x, int32_t n, int8_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = x[i] < 0 ? (int8_t)0 : x[i];
}

static inline PK_IRAM void pk_relu_i16(const int16_t *x, int32_t n, int16_t *y)
{
    int32_t i;
    for (i = 0; i < n; ++i) y[i] = x[i] < 0 ? (int16_t)0 : x[i];
}

#endif /* PK_RELU_H */
