/*
 * pk_attention_rv32.h -- the node's pk_attention_logits_i16 (PK_TARGET_X86 = 0; included by pk_attention.h):
 * the logits of int16 q and k as exact sums of int32 pieces. The x86-64 host sums in int64 instead
 * (pk_attention_x86.h), the same integers.
 */
#ifndef PK_ATTENTION_RV32_H
#define PK_ATTENTION_RV32_H

/* int16 q, k: one product reaches 2^30 and hd = 32 of them 2^35. An int64 accumulator costs mul, mulh,
 * add, sltu, add, add per MAC on rv32; exact int32 pieces cost mul, mul, sub, add, srai, add per pair of
 * MACs (plus the k loads: 4.45 instructions per MAC in all, measured on micro int4):
 *  - per pair of columns, m = (-q0) k0 - q1 k1 = -(q0 k0 + q1 k1) lies in [-2^31, 2^31 - 2^16] because
 *    -q0 is in [-32767, 32768]: always an exact int32 (the sum itself would reach 2^31 at q = k = -32768);
 *  - per key, lo = sum m mod 2^32 and hi = sum (m >> 16). With M = sum m = hi 2^16 + r, where
 *    r = sum (m & 0xffff) lies in [0, 65535 ceil(hd/2)] < 2^31 (hd <= 65536), r = (lo - hi 2^16) mod 2^32,
 *    so the sum q.k = -M and its logit come out exactly (pk_attention_logit16).
 * Five keys per pass share the query loads (T = 10: two passes). Results equal the int64 loop for every
 * input; hd > 65536 takes that loop, and so does the x86-64 host (pk_attention_x86.h: 1.5 us faster there). */
static inline PK_IRAM int32_t pk_attention_logit16(uint32_t lo, int32_t hi, int32_t logit_shift)
{
    const int32_t r = (int32_t)(lo - ((uint32_t)hi << 16));
    if (logit_shift <= 16) {
        /* floor((-(hi 2^16 + r) + half) / 2^ls) = -hi 2^(16-ls) + floor((half - r) / 2^ls), mod 2^32 */
        const int32_t half = logit_shift > 0 ? (int32_t)1 << (logit_shift - 1) : 0;
        return (int32_t)(((0u - (uint32_t)hi) << (16 - logit_shift)) + (uint32_t)((half - r) >> logit_shift));
    }
    return (int32_t)((((int64_t)1 << (logit_shift - 1)) - ((int64_t)hi * 65536 + r)) >> logit_shift);
}

/* m = a k_c - b k_c+1 for a = -q_c, b = q_c+1, added to the key's (lo, hi) (or starting them: _SET);
 * PK_ATT_ONE: m = a k_c for a last odd column */
#define PK_ATT_PAIR(KR, LO, HI, A, B, C) m = (A) * (KR)[C] - (B) * (KR)[(C) + 1]; LO += (uint32_t)m; HI += m >> 16;
#define PK_ATT_PAIR_SET(KR, LO, HI, A, B, C) m = (A) * (KR)[C] - (B) * (KR)[(C) + 1]; LO = (uint32_t)m; HI = m >> 16;
#define PK_ATT_ONE(KR, LO, HI, A, C) m = (A) * (KR)[C]; LO += (uint32_t)m; HI += m >> 16;
#define PK_ATT_STORE(J, LO, HI) m = pk_attention_logit16(LO, HI, logit_shift); scratch[J] = m; mx = m > mx ? m : mx;

static inline PK_IRAM int32_t pk_attention_logits_i16(const int16_t *qr, const int16_t *k, int32_t ld, int32_t T,
                                              int32_t hd, int32_t logit_shift, int32_t *scratch)
{
    /* precomputed tail starts, as in pk_attention_*; two column pairs per iteration */
    const int32_t hd4 = hd - hd % 4, hd2 = hd - hd % 2, T5 = T - T % 5;
    int32_t j, c, mx = INT32_MIN;
    if (hd > 65536) {
        const int64_t half = logit_shift > 0 ? (int64_t)1 << (logit_shift - 1) : 0;
        for (j = 0; j < T; ++j) {
            const int16_t *k0 = k + j * ld;
            int64_t acc = 0;
            for (c = 0; c < hd; ++c) acc += (int64_t)qr[c] * k0[c];
            scratch[j] = (int32_t)((acc + half) >> logit_shift);
            mx = scratch[j] > mx ? scratch[j] : mx;
        }
        return mx;
    }
    for (j = 0; j < T5; j += 5) {
        const int16_t *k0 = k + j * ld, *k1 = k0 + ld, *k2 = k1 + ld, *k3 = k2 + ld, *k4 = k3 + ld;
        uint32_t lo0, lo1, lo2, lo3, lo4;
        int32_t hi0, hi1, hi2, hi3, hi4, m;
        if (hd4 > 0) { /* the first column quad starts the sums: no zeroing, no first adds */
            const int32_t a = -(int32_t)qr[0], b = qr[1], a2 = -(int32_t)qr[2], b2 = qr[3];
            PK_ATT_PAIR_SET(k0, lo0, hi0, a, b, 0) PK_ATT_PAIR(k0, lo0, hi0, a2, b2, 2)
            PK_ATT_PAIR_SET(k1, lo1, hi1, a, b, 0) PK_ATT_PAIR(k1, lo1, hi1, a2, b2, 2)
            PK_ATT_PAIR_SET(k2, lo2, hi2, a, b, 0) PK_ATT_PAIR(k2, lo2, hi2, a2, b2, 2)
            PK_ATT_PAIR_SET(k3, lo3, hi3, a, b, 0) PK_ATT_PAIR(k3, lo3, hi3, a2, b2, 2)
            PK_ATT_PAIR_SET(k4, lo4, hi4, a, b, 0) PK_ATT_PAIR(k4, lo4, hi4, a2, b2, 2)
        } else {
            lo0 = lo1 = lo2 = lo3 = lo4 = 0;
            hi0 = hi1 = hi2 = hi3 = hi4 = 0;
        }
        for (c = 4; c < hd4; c += 4) {
            const int32_t a = -(int32_t)qr[c], b = qr[c + 1], a2 = -(int32_t)qr[c + 2], b2 = qr[c + 3];
            PK_ATT_PAIR(k0, lo0, hi0, a, b, c) PK_ATT_PAIR(k0, lo0, hi0, a2, b2, c + 2)
            PK_ATT_PAIR(k1, lo1, hi1, a, b, c) PK_ATT_PAIR(k1, lo1, hi1, a2, b2, c + 2)
            PK_ATT_PAIR(k2, lo2, hi2, a, b, c) PK_ATT_PAIR(k2, lo2, hi2, a2, b2, c + 2)
            PK_ATT_PAIR(k3, lo3, hi3, a, b, c) PK_ATT_PAIR(k3, lo3, hi3, a2, b2, c + 2)
            PK_ATT_PAIR(k4, lo4, hi4, a, b, c) PK_ATT_PAIR(k4, lo4, hi4, a2, b2, c + 2)
        }
        if (hd2 > hd4) {
            const int32_t a = -(int32_t)qr[hd4], b = qr[hd4 + 1];
            PK_ATT_PAIR(k0, lo0, hi0, a, b, hd4) PK_ATT_PAIR(k1, lo1, hi1, a, b, hd4)
            PK_ATT_PAIR(k2, lo2, hi2, a, b, hd4) PK_ATT_PAIR(k3, lo3, hi3, a, b, hd4)
            PK_ATT_PAIR(k4, lo4, hi4, a, b, hd4)
        }
        if (hd > hd2) {
            const int32_t a = -(int32_t)qr[hd2];
            PK_ATT_ONE(k0, lo0, hi0, a, hd2) PK_ATT_ONE(k1, lo1, hi1, a, hd2) PK_ATT_ONE(k2, lo2, hi2, a, hd2)
            PK_ATT_ONE(k3, lo3, hi3, a, hd2) PK_ATT_ONE(k4, lo4, hi4, a, hd2)
        }
        PK_ATT_STORE(j, lo0, hi0) PK_ATT_STORE(j + 1, lo1, hi1) PK_ATT_STORE(j + 2, lo2, hi2)
        PK_ATT_STORE(j + 3, lo3, hi3) PK_ATT_STORE(j + 4, lo4, hi4)
    }
    for (j = T5; j < T; ++j) {
        const int16_t *k0 = k + j * ld;
        uint32_t lo0 = 0;
        int32_t hi0 = 0, m;
        for (c = 0; c < hd2; c += 2) {
            PK_ATT_PAIR(k0, lo0, hi0, -(int32_t)qr[c], qr[c + 1], c)
        }
        if (hd > hd2) {
            PK_ATT_ONE(k0, lo0, hi0, -(int32_t)qr[hd2], hd2)
        }
        PK_ATT_STORE(j, lo0, hi0)
    }
    return mx;
}

#undef PK_ATT_PAIR
#undef PK_ATT_PAIR_SET
#undef PK_ATT_ONE
#undef PK_ATT_STORE

#endif /* PK_ATTENTION_RV32_H */
