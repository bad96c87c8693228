/*
 * pk_linear_avx2.h -- the x86-64 host's AVX2 forms of the linear kernels (included by pk_linear_x86.h).
 *
 * Host speed only (the virtual node, `pose-edge bench` hostUs, parity runs on a PC), chosen at run time on a
 * CPU with AVX2 (pk_avx2_ok, pk_avx2.h); other hosts, -DPK_NO_HOST_AVX2 builds and shapes past the stack
 * scratch take the auto-vectorized forms of pk_linear_x86.inc. The same integers as the reference.
 *
 * Why intrinsics: the auto-vectorized form keeps each output row's dot product in one vector and pays a
 * horizontal sum per output and token, multiplies int16 (pmaddwd: 16 products per instruction) and unpacks
 * every weight into int16 RAM on each call; gcc does not find the layout below in plain C. Here eight output
 * rows sit in the eight int32 lanes of one vector and the w4r4 layers multiply bytes (vpmaddubsw: 32 products):
 *   - per block of eight rows (two w4r4 groups), the weights are rewritten once per call into quads: for
 *     inputs 4q..4q+3, lane r holds row r's four offset-binary weights (w + 8, 0..15) as unsigned bytes
 *     (pk_r4_avx2_quads: nibble split, byte interleave, one shuffle, 32 bytes of words per step);
 *   - per token, input quad q (four int8 values) is broadcast to every lane and vpmaddubsw multiplies it with
 *     the block's quad: unsigned weights x signed inputs, each pair's sum at most 2 * 15 * 128 = 3840 in a
 *     16-bit lane; eight quads add up in those lanes (PK_R4A_CHUNK: at most 30720, no saturation) before
 *     vpmaddwd by ones widens them into the row's int32 lane: no horizontal sums, one widening per 8 quads;
 *   - five tokens share each weight quad (then single tokens); the offset comes off once per token:
 *     sum (w + 8) x = sum w x + 8 sum x;
 *   - int16 inputs (the wide forms) are split into a signed high byte and an unsigned low byte, x = 256 xh + xl:
 *     sum w x = 256 (sum (w + 8) xh - 8 sum xh) + sum w xl, the low bytes multiplied as the unsigned operand
 *     with the signed weights (w + 8 - 8, in -8..7: pairs at most 2 * 255 * 8 = 4080, eight quads 32640);
 *   - the rows' requantization is pk_avx2_rq_store8 (pk_rq_sat on the vector, pk_avx2.h).
 * Every sum is taken modulo 2^32 (vector adds wrap): the offset and the high-byte scaling may pass 2^31 on
 * the way, but the result is the exact sum, which the compiler proves fits int32 (sum |x| |w| + |bias|).
 * Small layers with row-layout weights take pk_linear_rows_avx2 (int16 products, below).
 * micro int4 hostUs (time_host, median, one core of an AMD EPYC): 45.0 us with the auto-vectorized forms,
 * 29 with the w4r4 form, 28.9 -> 26.1 with the host forms of pk_add and pk_quantize_i16, 24.6 with 32-byte
 * quad steps (the rewrite was 2.6 us of it), 24.2 with the small-layer form.
 */
#ifndef PK_LINEAR_AVX2_H
#define PK_LINEAR_AVX2_H

#if PK_HOST_AVX2

#define PK_R4A_MAX_QUADS 256  /* in <= 1024 */
#define PK_R4A_MAX_XQ 1024    /* T * quads: the int8 (or high byte) input quads of every token */
#define PK_R4A_MAX_T 256
/* Quads whose byte products add up in int16 lanes before one vpmaddwd widens them: a lane takes two
 * products per quad, at most 2 * 15 * 128 = 3840 (wide, low bytes: 2 * 255 * 8 = 4080), eight of them
 * 32640 <= 32767. */
#define PK_R4A_CHUNK 8

/* 32 bytes of a group's w4r4 words, pairs p..p+7 (past the row's h pairs: zero weights, nibbles of 8; a
 * missing group, r = 0: all zero weights). */
PK_AVX2_INLINE __m256i pk_r4_avx2_load8(const uint32_t *r, int32_t p, int32_t h)
{
    uint32_t t[8];
    int32_t k;
    if (r && p + 8 <= h) return _mm256_loadu_si256((const __m256i *)(const void *)(r + p));
    for (k = 0; k < 8; ++k) t[k] = r && p + k < h ? r[p + k] : 0x88888888u;
    return _mm256_loadu_si256((const __m256i *)(const void *)t);
}

/* Rows ob..ob+7 (groups ob/4 and ob/4 + 1) as nq weight quads (see above), four quads per step: wq must have
 * room for nq rounded up to 4. A w4r4 word holds rows 0, 2, 1, 3 of its group in bytes 0..3, input 2i in each
 * byte's low nibble. After the nibble split and byte interleave, 16-bit unit 4j + b of a 128-bit lane is
 * (low, high) of byte b, pair j of the lane's two; the shuffle gathers row r's units of the two pairs into
 * dword r (b = 0, 2, 1, 3 for r = 0..3); group ob/4 gives lanes 0..3 of each quad, the next group 4..7. */
PK_AVX2_INLINE void pk_r4_avx2_quads(const uint32_t *w, int32_t h, int32_t groups, int32_t ob, int32_t nq,
                                     __m256i *wq)
{
    const uint32_t *g0 = w + (ob >> 2) * h, *g1 = (ob >> 2) + 1 < groups ? g0 + h : 0;
    const __m256i m4 = _mm256_set1_epi8(15);
    const __m256i gather = _mm256_setr_epi8(0, 1, 8, 9, 4, 5, 12, 13, 2, 3, 10, 11, 6, 7, 14, 15,
                                            0, 1, 8, 9, 4, 5, 12, 13, 2, 3, 10, 11, 6, 7, 14, 15);
    int32_t q;
    for (q = 0; q < nq; q += 4) { /* eight pairs: quads q..q+3 (lane 0: pairs 2q..2q+3, lane 1: the next four) */
        const __m256i v0 = pk_r4_avx2_load8(g0, 2 * q, h), v1 = pk_r4_avx2_load8(g1, 2 * q, h);
        const __m256i l0 = _mm256_and_si256(v0, m4), h0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), m4);
        const __m256i l1 = _mm256_and_si256(v1, m4), h1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), m4);
        const __m256i a0 = _mm256_shuffle_epi8(_mm256_unpacklo_epi8(l0, h0), gather); /* quads q, q + 2 */
        const __m256i a1 = _mm256_shuffle_epi8(_mm256_unpacklo_epi8(l1, h1), gather);
        const __m256i b0 = _mm256_shuffle_epi8(_mm256_unpackhi_epi8(l0, h0), gather); /* quads q + 1, q + 3 */
        const __m256i b1 = _mm256_shuffle_epi8(_mm256_unpackhi_epi8(l1, h1), gather);
        wq[q] = _mm256_permute2x128_si256(a0, a1, 0x20);
        wq[q + 1] = _mm256_permute2x128_si256(b0, b1, 0x20);
        wq[q + 2] = _mm256_permute2x128_si256(a0, a1, 0x31);
        wq[q + 3] = _mm256_permute2x128_si256(b0, b1, 0x31);
    }
}

/* NT tokens from t: their eight-row sums (acc += quad(wq[q]) . xh[q] over the quads, each weight quad loaded
 * once for the NT tokens; WIDE: accl the low bytes' sums, xl against the signed weights), then each token's
 * outputs. A macro with constant NT and WIDE, so that the accumulators are registers. */
#define PK_R4A_TOKENS(NT, WIDE)                                                                          \
    do {                                                                                                 \
        __m256i acc_[NT], accl_[NT];                                                                     \
        int32_t q0_, q_, u_;                                                                             \
        _Pragma("GCC unroll 8") for (u_ = 0; u_ < (NT); ++u_) acc_[u_] = accl_[u_] = _mm256_setzero_si256(); \
        for (q0_ = 0; q0_ < nq; q0_ += PK_R4A_CHUNK) {                                                   \
            const int32_t qe_ = nq - q0_ < PK_R4A_CHUNK ? nq : q0_ + PK_R4A_CHUNK;                       \
            __m256i s_[NT], sl_[NT];                                                                     \
            _Pragma("GCC unroll 8") for (u_ = 0; u_ < (NT); ++u_) s_[u_] = sl_[u_] = _mm256_setzero_si256(); \
            for (q_ = q0_; q_ < qe_; ++q_) {                                                             \
                const __m256i wu_ = wq[q_];                                                              \
                _Pragma("GCC unroll 8") for (u_ = 0; u_ < (NT); ++u_)                                    \
                    s_[u_] = _mm256_add_epi16(s_[u_], _mm256_maddubs_epi16(wu_, _mm256_set1_epi32(xh[(t + u_) * nq + q_]))); \
                if (WIDE) {                                                                              \
                    const __m256i ws_ = _mm256_sub_epi8(wu_, _mm256_set1_epi8(8));                       \
                    _Pragma("GCC unroll 8") for (u_ = 0; u_ < (NT); ++u_)                                \
                        sl_[u_] = _mm256_add_epi16(sl_[u_], _mm256_maddubs_epi16(_mm256_set1_epi32(xl[(t + u_) * nq + q_]), ws_)); \
                }                                                                                        \
            }                                                                                            \
            _Pragma("GCC unroll 8") for (u_ = 0; u_ < (NT); ++u_) {                                      \
                acc_[u_] = _mm256_add_epi32(acc_[u_], _mm256_madd_epi16(s_[u_], ones));                  \
                if (WIDE) accl_[u_] = _mm256_add_epi32(accl_[u_], _mm256_madd_epi16(sl_[u_], ones));     \
            }                                                                                            \
        }                                                                                                \
        _Pragma("GCC unroll 8") for (u_ = 0; u_ < (NT); ++u_) {                                          \
            /* sum w x = acc - 8 sum x (wide: 256 times that, plus the low bytes' sum) */                \
            __m256i a_ = _mm256_sub_epi32(acc_[u_], _mm256_set1_epi32(8 * xs[t + u_]));                  \
            if (WIDE) a_ = _mm256_add_epi32(_mm256_slli_epi32(a_, 8), accl_[u_]);                        \
            pk_avx2_rq_store8(_mm256_add_epi32(a_, rq[4]), rq, fast, scaled, mult + (per_row ? ob : 0),    \
                             shift + (per_row ? ob : 0), per_row, out_min, out_max,                      \
                             (char *)y + ((t + u_) * y_stride + ob) * ysz, y16, rb);                     \
        }                                                                                                \
    } while (0)

/*
 * y[t][o] for the w4r4 weights w (h pairs per row) and the inputs as quads: xh[t nq + q] four int8 values
 * (the int8 inputs, or the high bytes of int16 ones), xl (the wide forms, else 0) the low bytes, xs[t] the
 * sum of token t's xh. y16: int16 outputs, else int8. Tokens in blocks of five (wide: two), then one.
 */
static PK_AVX2_FN void pk_linear_r4_avx2(const int32_t *xh, const int32_t *xl, const int32_t *xs, int32_t T,
                                         int32_t nq, const uint32_t *w, int32_t h, const int16_t *bias,
                                         int32_t bias_shift, int32_t out, const int32_t *mult, const int8_t *shift,
                                         int32_t per_row, int32_t out_min, int32_t out_max, void *y,
                                         int32_t y_stride, int32_t y16)
{
    __m256i wq[PK_R4A_MAX_QUADS + 3];
    const __m256i ones = _mm256_set1_epi16(1);
    const int32_t groups = (out + 3) >> 2, ysz = y16 ? 2 : 1;
    int32_t ob, t;
    for (ob = 0; ob < out; ob += 8) {
        const int32_t rb = out - ob < 8 ? out - ob : 8;
        __m256i rq[5];
        int32_t scaled;
        const int32_t fast = pk_avx2_rq_consts8(bias, bias_shift, mult, shift, per_row, ob, rb, rq, &scaled);
        pk_r4_avx2_quads(w, h, groups, ob, nq, wq);
        if (xl) {
            for (t = 0; t + 2 <= T; t += 2) PK_R4A_TOKENS(2, 1);
            for (; t < T; ++t) PK_R4A_TOKENS(1, 1);
        } else {
            for (t = 0; t + 5 <= T; t += 5) PK_R4A_TOKENS(5, 0);
            for (; t < T; ++t) PK_R4A_TOKENS(1, 0);
        }
    }
}

/*
 * Small layers with the row-layout weights (pk_linear_w4_*, pk_linear_w8_*; micro's refine block and pooling
 * score: in = 2, 16, 64): eight rows in the lanes of one vector as well, int16 products (vpmaddwd: a pair of
 * inputs per lane). The weights come in as wp[(b pairs + p) 16 + 2r + e] = w[8b + r][2p + e] (zero past `out`
 * and `in`), the inputs as xp[t pairs + p] = x[t][2p] | x[t][2p + 1] << 16. Products are at most 2^15 2^7, and
 * the sums the compiler's bound. (The auto-vectorized form needs in >= 8 and pays a horizontal sum per
 * output; the reference took 0.75 us for refine fc1's 544 products.)
 */
#define PK_ROWS_MAX_W 1024    /* out * in (pk_linear_x86.inc); the rows padded to 8 and pairs: at most 16 KB */
#define PK_ROWS_MAX_VECS 512  /* blocks * pairs */
#define PK_ROWS_MAX_X 1024    /* T * pairs */

static PK_AVX2_FN void pk_linear_rows_avx2(const int32_t *xp, int32_t T, int32_t pairs, const int16_t *wp,
                                           const int16_t *bias, int32_t bias_shift, int32_t out, const int32_t *mult,
                                           const int8_t *shift, int32_t per_row, int32_t out_min, int32_t out_max,
                                           void *y, int32_t y_stride, int32_t y16)
{
    const int32_t ysz = y16 ? 2 : 1;
    int32_t ob, t, p;
    for (ob = 0; ob < out; ob += 8) {
        const int32_t rb = out - ob < 8 ? out - ob : 8;
        const __m256i *wb = (const __m256i *)(const void *)(wp + (ob >> 3) * pairs * 16);
        __m256i rq[5];
        int32_t scaled;
        const int32_t fast = pk_avx2_rq_consts8(bias, bias_shift, mult, shift, per_row, ob, rb, rq, &scaled);
        for (t = 0; t < T; ++t) {
            const int32_t *xt = xp + t * pairs;
            __m256i acc = rq[4];
            for (p = 0; p < pairs; ++p)
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_loadu_si256(wb + p), _mm256_set1_epi32(xt[p])));
            pk_avx2_rq_store8(acc, rq, fast, scaled, mult + (per_row ? ob : 0), shift + (per_row ? ob : 0), per_row,
                              out_min, out_max, (char *)y + (t * y_stride + ob) * ysz, y16, rb);
        }
    }
}

/* The inputs of pk_linear_r4_avx2 in the caller's xh_, xl_ (wide_ only) and xs_, from its x (T rows of `in`
 * values of type XT, x_stride apart; XV: the value the kernel multiplies, e.g. the int8 copy of an int16),
 * zero padded to nq_ quads. */
#define PK_R4A_INPUTS(XT, XV)                                                                            \
    do {                                                                                                 \
        int32_t t_, i_;                                                                                  \
        for (t_ = 0; t_ < T; ++t_) {                                                                     \
            int8_t *hb_ = (int8_t *)(xh_ + t_ * nq_);                                                    \
            uint8_t *lb_ = (uint8_t *)(xl_ + t_ * nq_);                                                  \
            const XT *xt_ = x + t_ * x_stride;                                                           \
            int32_t s_ = 0;                                                                              \
            for (i_ = 0; i_ < in; ++i_) {                                                                \
                const int32_t v_ = XV(xt_[i_]);                                                          \
                hb_[i_] = (int8_t)(wide_ ? v_ >> 8 : v_);                                                \
                if (wide_) lb_[i_] = (uint8_t)(v_ & 255);                                                \
                s_ += wide_ ? v_ >> 8 : v_;                                                              \
            }                                                                                            \
            for (; i_ < 4 * nq_; ++i_) hb_[i_] = 0, lb_[i_] = 0;                                         \
            xs_[t_] = s_;                                                                                \
        }                                                                                                \
    } while (0)

#endif /* PK_HOST_AVX2 */

#endif /* PK_LINEAR_AVX2_H */
