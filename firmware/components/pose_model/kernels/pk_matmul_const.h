/*
 * pk_matmul_const.h -- product with a constant left matrix: pk_matmul_const_left_X_Y, X, Y in {i8, i16}.
 *
 *   pk_matmul_const_left_X_Y(a int16 [n][m], x [m][k], n, m, k, mult, shift, out_min, out_max, y [n][k])
 *
 * y[i][c] = sat(requant(sum_j a[i][j] x[j][c], mult, shift)) for a constant int16 a [n][m] (e.g. the
 * normalized COCO-17 adjacency) and x [m][k]. Columns in blocks of 8, 4, 2, then 1, each block sharing the
 * loads of a; a zero a[i][j] skips its products (the 17x17 adjacency is 81% zeros; the scan over a row,
 * two j per iteration with one x pointer each, costs 4 instructions per zero on rv32imc, paid once per
 * block; with one pointer, gcc addressed the second row element by element). Sums are the same, term for
 * term. micro, rv32imc: op 21 (k = 16) 21,524 -> 8,243 instructions, op 18 (k = 2) 4,729 -> 2,095.
 * One form for every target (pk_matmul_const.inc). TS mirror: matmulConstLeft.
 */
#ifndef PK_MATMUL_CONST_H
#define PK_MATMUL_CONST_H

#include "pk_base.h"

/* the requantized store of column c of the row yr (PK_TY: the output type) */
#define PK_MMC_STORE(c, acc) yr[c] = (PK_TY)pk_rq_sat((acc), mult, shift, out_min, out_max)
/* The pass over row i of a for one block of columns (xc, xd: rows j, j + 1 of x at the block): MAC(p)
 * adds aj times the row at p. */
#define PK_MMC_ROW(MAC)                                                                                  \
    for (j = 0; j + 1 < m; j += 2, xc += 2 * k, xd += 2 * k) {                                           \
        int32_t aj = ar[j];                                                                              \
        if (aj != 0) MAC(xc);                                                                            \
        aj = ar[j + 1];                                                                                  \
        if (aj != 0) MAC(xd);                                                                            \
    }                                                                                                    \
    if (j < m) {                                                                                         \
        const int32_t aj = ar[j];                                                                        \
        if (aj != 0) MAC(xc);                                                                            \
    }
#define PK_MMC8(p) (s0 += aj * (p)[0], s1 += aj * (p)[1], s2 += aj * (p)[2], s3 += aj * (p)[3],         \
                    s4 += aj * (p)[4], s5 += aj * (p)[5], s6 += aj * (p)[6], s7 += aj * (p)[7])
#define PK_MMC4(p) (s0 += aj * (p)[0], s1 += aj * (p)[1], s2 += aj * (p)[2], s3 += aj * (p)[3])
#define PK_MMC2(p) (s0 += aj * (p)[0], s1 += aj * (p)[1])
#define PK_MMC1(p) (s0 += aj * (p)[0])

#define PK_FN pk_matmul_const_left_i8_i8
#define PK_TX int8_t
#define PK_TY int8_t
#include "pk_matmul_const.inc"

#define PK_FN pk_matmul_const_left_i8_i16
#define PK_TX int8_t
#define PK_TY int16_t
#include "pk_matmul_const.inc"

#define PK_FN pk_matmul_const_left_i16_i8
#define PK_TX int16_t
#define PK_TY int8_t
#include "pk_matmul_const.inc"

#define PK_FN pk_matmul_const_left_i16_i16
#define PK_TX int16_t
#define PK_TY int16_t
#include "pk_matmul_const.inc"

#endif /* PK_MATMUL_CONST_H */
