/*
 * pk_avx2.h -- what the x86-64 host's AVX2 kernel forms share (included by pk_base.h on PK_TARGET_X86).
 *
 * Host speed only (the virtual node, `pose-edge bench` hostUs, parity runs on a PC). Some host forms are
 * written with AVX2 intrinsics where gcc does not find the vector form itself (pk_linear_avx2.h, the constant
 * left product in pk_matmul_const.inc); each is chosen at run time on a CPU with AVX2 (pk_avx2_ok) and
 * otherwise, or in a -DPK_NO_HOST_AVX2 build, the host takes the form it had without them. Here: the check,
 * the attributes, and pk_rq_sat over the eight int32 lanes of one vector (eight output rows or columns):
 * the int32 path of pk_rq_sat (vpmuldq for the high words, vpsravd), with multipliers of 1/4 or more (n < 33)
 * scaled as the node's pk_rq_sat scales them, and pk_rq_sat itself, lane by lane, for a lane off that path.
 */
#ifndef PK_AVX2_H
#define PK_AVX2_H

#include "pk_base.h"

#if PK_TARGET_X86 && !defined(PK_NO_HOST_AVX2)
#define PK_HOST_AVX2 1
#include <immintrin.h>

#define PK_AVX2_FN __attribute__((target("avx2"), noinline))
#define PK_AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))

/* The CPU has AVX2 (gcc and clang keep the answer in a variable libgcc / compiler-rt set at load time). */
static inline int pk_avx2_ok(void)
{
    return __builtin_cpu_supports("avx2");
}

/* Rows ob..ob+rb-1's requantization constants as vectors (rq[0..3] as pk_avx2_rq_store8 takes them, rq[4] the
 * accumulators' start, bias[o] 2^bias_shift); rows past `out` repeat row ob: computed, never stored. Returns
 * whether every row takes the int32 path (the n < 33 scaling at most 30 bits); *scaled: whether any scales. */
PK_AVX2_INLINE int32_t pk_avx2_rq_consts8(const int16_t *bias, int32_t bias_shift, const int32_t *mult,
                                          const int8_t *shift, int32_t per_row, int32_t ob, int32_t rb,
                                          __m256i *rq, int32_t *scaled)
{
    __m256i qs, lk, b;
    if (rb == 8 && per_row) {
        rq[0] = _mm256_loadu_si256((const __m256i *)(const void *)(mult + ob));
        qs = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(shift + ob)));
    } else if (!per_row) {
        rq[0] = _mm256_set1_epi32(mult[0]);
        qs = _mm256_set1_epi32(shift[0]);
    } else {
        int32_t m[8], s[8], k;
        for (k = 0; k < 8; ++k) m[k] = mult[ob + (k < rb ? k : 0)], s[k] = shift[ob + (k < rb ? k : 0)];
        rq[0] = _mm256_loadu_si256((const __m256i *)(const void *)m);
        qs = _mm256_loadu_si256((const __m256i *)(const void *)s);
    }
    if (!bias) {
        b = _mm256_setzero_si256();
    } else if (rb == 8) {
        b = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(bias + ob)));
    } else {
        int16_t bb[8];
        int32_t k;
        for (k = 0; k < 8; ++k) bb[k] = bias[ob + (k < rb ? k : 0)];
        b = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)bb));
    }
    rq[4] = _mm256_mullo_epi32(b, _mm256_set1_epi32((int32_t)1 << bias_shift)); /* PK_BIAS */
    /* n = 31 + shift; lk = 33 - n where n < 33, else 0; then n + lk >= 33 */
    lk = _mm256_max_epi32(_mm256_sub_epi32(_mm256_set1_epi32(2), qs), _mm256_setzero_si256());
    qs = _mm256_add_epi32(qs, lk);
    rq[1] = _mm256_sllv_epi32(_mm256_set1_epi32(1), _mm256_sub_epi32(qs, _mm256_set1_epi32(2)));
    rq[2] = _mm256_sub_epi32(qs, _mm256_set1_epi32(1));
    rq[3] = lk;
    *scaled = !_mm256_testz_si256(lk, lk);
    return _mm256_movemask_epi8(_mm256_cmpgt_epi32(lk, _mm256_set1_epi32(30))) == 0;
}

/* y[k] = pk_rq_sat(a[k], ...) for the first rb of eight lanes (int16 y if y16, else int8), with the constants
 * of pk_avx2_rq_consts8 (rq[0] the multipliers, rq[1] the rounding terms, rq[2] the shifts, rq[3] the n < 33
 * scalings; fast, scaled as it returns them); mult and shift (from the block's first row if per_row) serve
 * pk_rq_sat itself, which every lane takes when one leaves the int32 path. */
PK_AVX2_INLINE void pk_avx2_rq_store8(__m256i a, const __m256i *rq, int32_t fast, int32_t scaled,
                                      const int32_t *mult, const int8_t *shift, int32_t per_row, int32_t out_min,
                                      int32_t out_max, void *y, int32_t y16, int32_t rb)
{
    int32_t v[8], k;
    __m256i r = a;
    int32_t bad = !fast;
    if (fast && scaled) { /* a scaled value must come back unchanged */
        const __m256i up = _mm256_sllv_epi32(a, rq[3]);
        bad = _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_srav_epi32(up, rq[3]), a)) != -1;
        r = up;
    }
    if (bad) { /* pk_rq_sat itself, lane by lane */
        _mm256_storeu_si256((__m256i *)(void *)v, a);
        for (k = 0; k < rb; ++k) {
            const int32_t z = pk_rq_sat(v[k], mult[per_row ? k : 0], shift[per_row ? k : 0], out_min, out_max);
            if (y16) ((int16_t *)y)[k] = (int16_t)z;
            else ((int8_t *)y)[k] = (int8_t)z;
        }
        return;
    }
    {
        const __m256i pe = _mm256_mul_epi32(r, rq[0]);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(r, 32), _mm256_srli_epi64(rq[0], 32));
        const __m256i hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xaa);
        __m128i w16;
        r = _mm256_srav_epi32(_mm256_add_epi32(hi, rq[1]), rq[2]);
        r = _mm256_max_epi32(_mm256_min_epi32(r, _mm256_set1_epi32(out_max)), _mm256_set1_epi32(out_min));
        w16 = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
        if (rb == 8 && y16) {
            _mm_storeu_si128((__m128i *)y, w16);
        } else if (rb == 8) {
            _mm_storel_epi64((__m128i *)y, _mm_packs_epi16(w16, w16));
        } else {
            _mm256_storeu_si256((__m256i *)(void *)v, r);
            for (k = 0; k < rb; ++k) {
                if (y16) ((int16_t *)y)[k] = (int16_t)v[k];
                else ((int8_t *)y)[k] = (int8_t)v[k];
            }
        }
    }
}

#else
#define PK_HOST_AVX2 0
#endif /* PK_TARGET_X86 && !PK_NO_HOST_AVX2 */

#endif /* PK_AVX2_H */
