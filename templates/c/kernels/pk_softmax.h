/*
 * pk_softmax.h -- softmax of one row, the helper of the attention kernels (and a kernel of its own).
 *
 *   pk_softmax_row_i16 / pk_softmax_row_i32(x, n, mult, shift, p int16)      Q0.15 probabilities, n <= 128
 *   pk_softmax_row_i32_inplace(x int32, n, mult, shift, p int32)             same values; p may be x
 *
 * (mult, shift) encodes s * log2(e) * 2^16 for logits of scale s. One form for every target; the x86-64
 * host's attention has its own softmax of many rows at once (pk_attention_x86.h). TS mirrors: softmaxRow,
 * expQ24.
 */
#ifndef PK_SOFTMAX_H
#define PK_SOFTMAX_H

#include "pk_base.h"

/* round(2^30 * 2^(-k/256)), k = 0..256 */
static const uint32_t pk_exp2_neg_q30[257] PK_DRAM = {
    1073741824u, 1070838486u, 1067942999u, 1065055341u, 1062175491u, 1059303428u, 1056439131u, 1053582579u,
    1050733751u, 1047892626u, 1045059183u, 1042233401u, 1039415261u, 1036604740u, 1033801819u, 1031006477u,
    1028218693u, 1025438448u, 1022665720u, 1019900489u, 1017142735u, 1014392438u, 1011649578u, 1008914134u,
    1006186087u, 1003465416u, 1000752102u, 998046124u, 995347464u, 992656100u, 989972014u, 987295185u,
    984625594u, 981963222u, 979308048u, 976660054u, 974019220u, 971385527u, 968758955u, 966139485u,
    963527098u, 960921775u, 958323496u, 955732243u, 953147997u, 950570738u, 948000448u, 945437108u,
    942880699u, 940331203u, 937788600u, 935252872u, 932724001u, 930201967u, 927686753u, 925178340u,
    922676710u, 920181844u, 917693724u, 915212331u, 912737649u, 910269657u, 907808339u, 905353676u,
    902905651u, 900464244u, 898029440u, 895601218u, 893179563u, 890764456u, 888355878u, 885953814u,
    883558244u, 881169153u, 878786521u, 876410331u, 874040567u, 871677210u, 869320244u, 866969651u,
    864625413u, 862287515u, 859955938u, 857630665u, 855311680u, 852998965u, 850692504u, 848392279u,
    846098274u, 843810471u, 841528855u, 839253408u, 836984114u, 834720956u, 832463917u, 830212982u,
    827968132u, 825729353u, 823496627u, 821269938u, 819049271u, 816834607u, 814625932u, 812423229u,
    810226483u, 808035676u, 805850792u, 803671817u, 801498734u, 799331526u, 797170178u, 795014675u,
    792865000u, 790721137u, 788583072u, 786450787u, 784324269u, 782203500u, 780088465u, 777979150u,
    775875538u, 773777614u, 771685363u, 769598769u, 767517817u, 765442492u, 763372778u, 761308661u,
    759250125u, 757197155u, 755149737u, 753107854u, 751071493u, 749040637u, 747015274u, 744995386u,
    742980960u, 740971982u, 738968435u, 736970306u, 734977579u, 732990241u, 731008277u, 729031671u,
    727060411u, 725094480u, 723133865u, 721178552u, 719228525u, 717283772u, 715344277u, 713410026u,
    711481005u, 709557200u, 707638598u, 705725183u, 703816941u, 701913860u, 700015924u, 698123120u,
    696235434u, 694352853u, 692475362u, 690602947u, 688735596u, 686873293u, 685016026u, 683163781u,
    681316545u, 679474303u, 677637043u, 675804750u, 673977412u, 672155015u, 670337545u, 668524990u,
    666717336u, 664914570u, 663116678u, 661323648u, 659535466u, 657752119u, 655973594u, 654199878u,
    652430958u, 650666822u, 648907455u, 647152846u, 645402981u, 643657847u, 641917433u, 640181724u,
    638450708u, 636724373u, 635002706u, 633285695u, 631573326u, 629865587u, 628162466u, 626463950u,
    624770026u, 623080683u, 621395908u, 619715688u, 618040012u, 616368866u, 614702239u, 613040119u,
    611382493u, 609729349u, 608080675u, 606436459u, 604796689u, 603161352u, 601530438u, 599903933u,
    598281827u, 596664106u, 595050760u, 593441776u, 591837143u, 590236848u, 588640881u, 587049229u,
    585461881u, 583878825u, 582300049u, 580725543u, 579155293u, 577589290u, 576027521u, 574469975u,
    572916640u, 571367506u, 569822560u, 568281792u, 566745190u, 565212742u, 563684439u, 562160268u,
    560640218u, 559124278u, 557612438u, 556104685u, 554601009u, 553101399u, 551605844u, 550114332u,
    548626854u, 547143398u, 545663953u, 544188508u, 542717053u, 541249576u, 539786068u, 538326517u,
    536870912u
};

/* exp(-diff * s) in Q24 for diff >= 0, where (mult, shift) encodes s * log2(e) * 2^16: v = requant(diff)
 * is -log2 of the result in Q16; 2^(-frac) by linear interpolation in the 257-entry table (Q30), then
 * shifted right by the integer part with rounding. diff is clamped to 2^31 - 1 (the compiler checks that
 * this is already far beyond exp underflow for the scale at hand). pk_exp_q24_u31 takes the clamped diff. */
static inline PK_IRAM uint32_t pk_exp_q24_u31(uint32_t diff, int32_t mult, int32_t shift)
{
    const int32_t n = 31 + shift;
    const uint32_t *tp;
    uint32_t v, t;
    if (n >= 32) {
        /* diff, mult < 2^31: with diff mult = hi 2^32 + lo, requant = hi + (lo >> 31) for n = 32 and
         * (hi + 2^(n-33)) >> (n-32) for n >= 33 (pk_requant's identity); v < 2^30. 32-bit on rv32. */
        const uint64_t prod = (uint64_t)diff * (uint32_t)mult;
        const uint32_t hi = (uint32_t)(prod >> 32);
        v = n == 32 ? hi + ((uint32_t)prod >> 31) : (hi + ((uint32_t)1 << (n - 33))) >> (n - 32);
    } else {
        const int64_t w = pk_requant((int32_t)diff, mult, shift);
        if (w >= ((int64_t)25 << 16)) return 0;
        v = (uint32_t)w;
    }
    if (v >= (uint32_t)25 << 16) return 0;
    tp = pk_exp2_neg_q30 + ((v >> 8) & 0xffu);
    t = tp[0] - (((tp[0] - tp[1]) * (v & 0xffu) + 128u) >> 8);
    /* floor((t + 2^(ip+5)) / 2^(ip+6)) for ip = v >> 16, as ((t >> (ip+5)) + 1) >> 1 */
    return ((t >> ((v >> 16) + 5)) + 1u) >> 1;
}

static inline PK_IRAM uint32_t pk_exp_q24(int64_t diff, int32_t mult, int32_t shift)
{
    return pk_exp_q24_u31((uint32_t)(diff > 0x7fffffff ? 0x7fffffff : diff), mult, shift);
}

/* p_j = min(32767, floor((e_j R + 2^39) / 2^40)), e_j = pk_exp_q24(max - x_j), R = floor(2^55 / sum e):
 * one divide per row, probabilities in Q0.15. n <= 128 keeps sum e <= 2^31. The int16-output variants
 * evaluate each exp twice (no scratch); the in-place int32 variant (attention, pooling) keeps e_j in p. */
static inline PK_IRAM void pk_softmax_row_i16(const int16_t *x, int32_t n, int32_t mult, int32_t shift, int16_t *p)
{
    int64_t mx = x[0];
    uint32_t sum = 0, recip;
    int32_t j;
    for (j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
    for (j = 0; j < n; ++j) sum += pk_exp_q24(mx - x[j], mult, shift);
    recip = (uint32_t)(((uint64_t)1 << 55) / sum);
    for (j = 0; j < n; ++j) {
        const uint64_t e = pk_exp_q24(mx - x[j], mult, shift);
        const uint32_t q = (uint32_t)((e * recip + ((uint64_t)1 << 39)) >> 40);
        p[j] = (int16_t)(q > 32767u ? 32767u : q);
    }
}

static inline PK_IRAM void pk_softmax_row_i32(const int32_t *x, int32_t n, int32_t mult, int32_t shift, int16_t *p)
{
    int64_t mx = x[0];
    uint32_t sum = 0, recip;
    int32_t j;
    for (j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
    for (j = 0; j < n; ++j) sum += pk_exp_q24(mx - x[j], mult, shift);
    recip = (uint32_t)(((uint64_t)1 << 55) / sum);
    for (j = 0; j < n; ++j) {
        const uint64_t e = pk_exp_q24(mx - x[j], mult, shift);
        const uint32_t q = (uint32_t)((e * recip + ((uint64_t)1 << 39)) >> 40);
        p[j] = (int16_t)(q > 32767u ? 32767u : q);
    }
}

/* Same values as pk_softmax_row_i32; p may be x. 32-bit max and differences: mx - x_j is exact in
 * uint32 (it lies in [0, 2^32 - 1]). e_j <= sum e (n <= 128: no wrap) gives e_j R <= 2^55, so q <= 2^15
 * and min(32767, q) = q - (q >> 15). The _mx variant takes the row's maximum (the attention finds it
 * while it writes the logits). */
static inline PK_IRAM void pk_softmax_row_i32_inplace_mx(const int32_t *x, int32_t n, int32_t mx, int32_t mult, int32_t shift,
                                                 int32_t *p)
{
    uint32_t sum = 0, recip;
    int32_t j;
    for (j = 0; j < n; ++j) {
        const uint32_t diff = (uint32_t)mx - (uint32_t)x[j];
        const uint32_t e = pk_exp_q24_u31(diff > 0x7fffffffu ? 0x7fffffffu : diff, mult, shift);
        p[j] = (int32_t)e;
        sum += e;
    }
    recip = (uint32_t)(((uint64_t)1 << 55) / sum);
    for (j = 0; j < n; ++j) {
        const uint32_t q = (uint32_t)(((uint64_t)(uint32_t)p[j] * recip + ((uint64_t)1 << 39)) >> 40);
        p[j] = (int32_t)(q - (q >> 15));
    }
}

static inline PK_IRAM void pk_softmax_row_i32_inplace(const int32_t *x, int32_t n, int32_t mult, int32_t shift, int32_t *p)
{
    int32_t mx = x[0], j;
    for (j = 1; j < n; ++j) mx = x[j] > mx ? x[j] : mx;
    pk_softmax_row_i32_inplace_mx(x, n, mx, mult, shift, p);
}

#endif /* PK_SOFTMAX_H */
