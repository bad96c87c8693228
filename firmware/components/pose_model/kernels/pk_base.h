/*
 * pk_base.h -- what every kernel header shares: the target (chosen here, once), the compiler attributes of
 * each target, saturation and requantization.
 *
 * Plain C99 with <stdint.h> only: no float, no malloc, no stdio. Relies on two implementation-defined
 * behaviours every supported compiler (gcc, clang) has: arithmetic right shift of negative values and
 * modulo conversion to signed types (checked below). docs/fixed-point.md states the arithmetic exactly.
 */
#ifndef PK_BASE_H
#define PK_BASE_H

#include <stdint.h>

/* Compile-time checks of the implementation-defined behaviours relied upon (see above). */
typedef char pk_check_arith_shift[((-8) >> 1) == -4 ? 1 : -1];
typedef char pk_check_int64_arith_shift[(((int64_t)-8) >> 1) == -4 ? 1 : -1];
typedef char pk_check_modulo_conversion[(int32_t)(uint32_t)0xfffffff8u == -8 ? 1 : -1];

/* ---------------------------------------------------------------- the target */

/* PK_TARGET_X86 = 1: an x86-64 host build with gcc or clang (the virtual node, `pose-edge bench` hostUs,
 * parity runs on a PC). Each pk_<op>.h then includes its pk_<op>_x86.h: forms that keep the host's vector
 * units busy, with the same integers. Where the node's rewrites only cost on such a host, the host keeps the
 * plain forms: 64-bit products and sums (native there) and a branch-free min/max scan.
 * PK_TARGET_X86 = 0: the node. rv32imc (ESP32-C3), where the speed is measured, and every other target
 * (xtensa, clang for RISC-V) compile the pk_<op>_rv32.h forms, or the reference where an op has no other.
 * -DPK_NO_HOST_VEC builds the node's forms on an x86-64 host, which is how the kernel tests check them.
 * This is the only place a form is chosen; the attribute macros below change no integer and no loop. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(PK_NO_HOST_VEC)
#define PK_TARGET_X86 1
#else
#define PK_TARGET_X86 0
#endif

/* gcc, not clang, on the x86-64 host: a few x86 forms are written for gcc's vectorizer, and clang (which
 * vectorizes at -O2 by itself) measured faster with the reference form (pk_normalize_x86.h, pk_lut.h). */
#if PK_TARGET_X86 && !defined(__clang__)
#define PK_X86_GCC 1
#else
#define PK_X86_GCC 0
#endif

/* ---------------------------------------------------------------- placement on the node (ESP-IDF) */

/* The ESP32-C3 runs code and reads constant data from external flash through one 16 KB cache: the kernels'
 * code and the model's weights do not fit it together, so each inference streams them in again, one line
 * fill per 32 bytes (docs/performance.md: c3CacheMisses, c3LatencyMs). On ESP-IDF (ESP_PLATFORM) every
 * kernel function goes to IRAM (PK_IRAM) and the model's constants to DRAM (PK_DRAM, pose_weights.c), as
 * IRAM_ATTR and DRAM_ATTR place them: sections .iram1.<n> and .dram1.<n>, which ESP-IDF's linker maps to
 * on-chip SRAM (one section each, so unused ones are dropped). Cost: those bytes of SRAM (the budget is in
 * docs/performance.md); -DPOSE_MODEL_IN_FLASH keeps everything in flash (a firmware short of SRAM). Other
 * builds (the host, the tests) leave placement to their default sections. */
#if defined(ESP_PLATFORM) && !defined(POSE_MODEL_IN_FLASH)
#define PK_STR_(x) #x
#define PK_STR(x) PK_STR_(x)
#define PK_IRAM __attribute__((section(".iram1.pk" PK_STR(__COUNTER__))))
#define PK_DRAM __attribute__((section(".dram1.pk" PK_STR(__COUNTER__))))
#else
#define PK_IRAM
#define PK_DRAM
#endif

/* ---------------------------------------------------------------- attributes, rv32imc (gcc) */

/* gcc's first instruction scheduler (on at -O2 for RISC-V) hoists the activation loads of the
 * register-blocked loops ahead of their uses and spills: +40% instructions on rv32imc (measured, see
 * docs/fixed-point.md). The big loops turn it off for themselves, and so do the generated functions that
 * the linear kernels are inlined into (an inlined callee's optimize attribute is dropped); other
 * compilers ignore this. */
/* The same functions also use IRA's priority colouring: with the default (Chaitin-Briggs) gcc 12 spilled
 * the accumulators of the int16 linear loops (20 in registers, two rows x ten tokens); priority colouring
 * keeps them: 3.45 -> 3.2 instructions per MAC on those layers (bench/rv32-profile.ts). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__riscv)
#define PK_NO_SCHED __attribute__((optimize("O2", "no-schedule-insns", "ira-algorithm=priority")))
/* gcc's SLP vectorizer (on at -O2 since gcc 12) packs pairs of int16 results into one 32-bit store with
 * shifts and masks (sll, srl, and, or, sw instead of two sh): the attention turns it off as well, -1,100
 * instructions per call (measured, micro int4). */
#define PK_NO_SCHED_NO_SLP                                                                               \
    __attribute__((optimize("O2", "no-schedule-insns", "ira-algorithm=priority", "no-tree-slp-vectorize")))
#else
#define PK_NO_SCHED
#define PK_NO_SCHED_NO_SLP
#endif

/* The big linear kernels are written for constant sizes: inlined into each call (the sizes are literals
 * in the generated code), token and row offsets become immediates and block tails vanish. Forced on
 * rv32imc, where it is measured (bench/rv32-profile.ts; it costs one copy of the loops per call site, about
 * 7 KB of text for micro). Other targets keep one shared copy: the x86-64 host has its own vectorized
 * linear kernels (pk_linear_x86.h), and Xtensa cannot be counted here, so code size wins there. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__riscv)
#define PK_SPECIALIZE __attribute__((optimize("O2", "no-schedule-insns", "ira-algorithm=priority"), always_inline))
#elif defined(__clang__) && defined(__riscv)
/* clang has no per-function optimize settings, but the specialization is the larger part: without it the
 * ten token offsets are run-time multiples of x_stride (micro int4: 2.37 M -> 1.91 M instructions) */
#define PK_SPECIALIZE __attribute__((always_inline))
#else
#define PK_SPECIALIZE
#endif

/* A kernel kept out of line: one copy serves every call (unused in a model without it). */
#if defined(__GNUC__)
#define PK_NOINLINE __attribute__((noinline, unused))
#else
#define PK_NOINLINE
#endif

/* Unrolls the next loop fully when its trip count is a constant after inlining (a depthwise window's taps):
 * its weights then stay in registers across the output loop instead of being reloaded per output. */
#if defined(__clang__)
#define PK_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define PK_UNROLL _Pragma("GCC unroll 16")
#else
#define PK_UNROLL
#endif

/* Hides a loop-invariant multiplier from constant propagation: after inlining, gcc for RISC-V expands a
 * multiply by a "cheap" constant into shifts and adds (3 instructions for x * 4160 instead of one mul). */
#if defined(__GNUC__) && defined(__riscv)
#define PK_OPAQUE(v) __asm__("" : "+r"(v))
#else
#define PK_OPAQUE(v) ((void)0)
#endif

/* ---------------------------------------------------------------- attributes, x86-64 host */

#if PK_TARGET_X86
/* The host's element passes of the non-linear kernels (normalization, attention): out of line, vectorized
 * by gcc (its -O2 cost model only vectorizes loops that need no tail), cloned for AVX2. clang has no such
 * attribute here and vectorizes at -O2 by itself. */
#if PK_X86_GCC
#define PK_HOST_PASS                                                                                     \
    __attribute__((optimize("O2", "tree-vectorize", "vect-cost-model=dynamic"),                         \
                   target_clones("avx2", "default")))
#else
#define PK_HOST_PASS
#endif
/* The host's linear, LayerNorm and lookup kernels: vectorized, cloned for AVX2 (gcc; picked at load time,
 * ifunc). With an AVX-512 clone as well (PK_VEC_ATTR_V4): the LayerNorm's 32 x 32 -> 64-bit products gain
 * from it (AVX-512VL/DQ's 64-bit shifts and truncating packs on 256-bit vectors; 0.94 -> 0.70 us per micro
 * LayerNorm, gcc 12, AMD EPYC), unlike the linear kernels (56 us vs 42.5). x86-64-v4 in target_clones needs
 * gcc 11. */
#if !PK_X86_GCC
#define PK_VEC_ATTR
#define PK_VEC_ATTR_V4
#else
#define PK_VEC_ATTR __attribute__((optimize("O2", "tree-vectorize"), target_clones("avx2", "default")))
#if __GNUC__ >= 11
#define PK_VEC_ATTR_V4                                                                                   \
    __attribute__((optimize("O2", "tree-vectorize"), target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define PK_VEC_ATTR_V4 PK_VEC_ATTR
#endif
#endif
#endif /* PK_TARGET_X86 */

/* ---------------------------------------------------------------- requantization, saturation */

/* Round-half-up requantization: (acc * mult + 2^(n-1)) >> n, n = 31 + shift in [1, 62]. Unsaturated:
 * |acc| < 2^31 and mult < 2^31 keep the product below 2^62, so the sum cannot overflow int64.
 * For n >= 33 (every multiplier below 1/2) the same value comes from the product's high word alone:
 * with acc * mult = hi 2^32 + lo, 0 <= lo < 2^32, floor((hi 2^32 + lo + 2^(n-1)) / 2^n)
 * = floor((hi + 2^(n-33)) / 2^(n-32)) because hi + 2^(n-33) is an integer and lo / 2^32 < 1; |hi| < 2^30
 * keeps the sum in int32. On rv32 that is one mulh, an add and a shift instead of 64-bit arithmetic. */
static inline int64_t pk_requant(int32_t acc, int32_t mult, int32_t shift)
{
    const int32_t n = 31 + shift;
    if (n >= 33) {
        const int32_t hi = (int32_t)(((int64_t)acc * mult) >> 32);
        return (hi + ((int32_t)1 << (n - 33))) >> (n - 32);
    }
    return ((int64_t)acc * mult + ((int64_t)1 << (n - 1))) >> n;
}

static inline int32_t pk_sat(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* The n < 33 path of pk_rq_sat (multipliers of 1/2 or more, rare), kept out of line: the linear kernels
 * are inlined per call site and every output store would otherwise carry a copy of the 64-bit code. */
#if defined(__GNUC__)
__attribute__((noinline, unused))
#endif
static PK_IRAM int32_t pk_rq_sat_wide(int32_t acc, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    return pk_sat(pk_requant(acc, mult, shift), lo, hi);
}

#if PK_TARGET_X86
/* sat(pk_requant(acc, mult, shift), lo, hi). The x86-64 host: int32 arithmetic on the common n >= 33 path
 * (the identity above); multipliers of 1/2 or more (n < 33) take the 64-bit path, native there. */
static inline int32_t pk_rq_sat(int32_t acc, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    int32_t n = 31 + shift, v;
    if (n < 33) return pk_rq_sat_wide(acc, mult, shift, lo, hi);
    {
        const int32_t h = (int32_t)(((int64_t)acc * mult) >> 32);
        v = (h + ((int32_t)1 << (n - 33))) >> (n - 32);
        return v < lo ? lo : (v > hi ? hi : v);
    }
}
#else
/* sat(pk_requant(acc, mult, shift), lo, hi), with int32 arithmetic on the common n >= 33 path (the
 * identity above). A multiplier of 1/2 or more (n <= 32; micro's input projection has one) reaches that
 * path too when acc * 2^(33 - n) fits int32: floor((acc mult + 2^(n-1)) / 2^n) is unchanged by scaling
 * the numerator and 2^n by 2^(33 - n). Only an acc too large for that takes the 64-bit path. */
static inline int32_t pk_rq_sat(int32_t acc, int32_t mult, int32_t shift, int32_t lo, int32_t hi)
{
    int32_t n = 31 + shift, v;
    if (n < 33) {
        const int32_t k = 33 - n, up = (int32_t)((uint32_t)acc << (k & 31));
        if (k > 30 || (up >> k) != acc) return pk_rq_sat_wide(acc, mult, shift, lo, hi);
        acc = up;
        n = 33;
    }
    {
        const int32_t h = (int32_t)(((int64_t)acc * mult) >> 32);
        v = (h + ((int32_t)1 << (n - 33))) >> (n - 32);
        return v < lo ? lo : (v > hi ? hi : v);
    }
}
#endif

/* the x86-64 host's AVX2 helpers (PK_HOST_AVX2) */
#include "pk_avx2.h"

#endif /* PK_BASE_H */
