/* Runs one kernel of pose_kernels.h once on fixed pseudo-random data when stdin starts with the kernel's
 * letter (nothing otherwise), so rv32-kernel-count.ts can subtract an empty run and count the kernel's
 * own rv32imc instructions under qemu. Sizes are micro's: T = 10 tokens, d = 64, input projection 342. */
#include <stddef.h>
#include <stdint.h>

#include "all_kernels.h"

long io_read(void *buf, size_t len);

#define T 10
#define D 64
#define IN 342

static int8_t x8[T * IN];
static int16_t x16[T * IN];
static uint8_t w4[3 * D * IN / 2];
static int8_t w8[3 * D * IN];
static int16_t bias[3 * D];
static int32_t mult[1] = {1518500250};
static int8_t shift[1] = {12};
static int8_t y8[T * IN];
static int16_t y16[T * IN];
static int16_t gamma16[D];
static int16_t beta16[D];
static int32_t scratch[T];
static int16_t lut[257];

static uint32_t rng = 12345u;
static uint32_t next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* PK_NO_SCHED, as pose_model_run has it: on rv32 the linear kernels are inlined here (PK_SPECIALIZE) and
 * compiled with this function's options. */
static PK_NO_SCHED void run_kernel(char c)
{
    switch (c) {
    case 'p': pk_linear_w4_i8_i8(x8, T, IN, IN, w4, bias, 0, D, mult, shift, 0, -128, 127, y8, D); break;
    case 'q': pk_linear_w4_i8_i8(x8, T, D, D, w4, bias, 0, 3 * D, mult, shift, 0, -128, 127, y8, 3 * D); break;
    case 'r': pk_linear_w4_i16_i16(x16, T, IN, IN, w4, bias, 0, D, mult, shift, 0, -32768, 32767, y16, D); break;
    case 't': pk_linear_w4_i16_i8(x16, T, D, D, w4, bias, 0, 3 * D, mult, shift, 0, -128, 127, y8, 3 * D); break;
    case 's': pk_linear_w8_i8_i8(x8, T, IN, IN, w8, bias, 0, D, mult, shift, 0, -128, 127, y8, D); break;
    case 'n': pk_minmax_normalize_i8(x16, IN, T, y8); break;
    case 'l': pk_layernorm_i16_i16(x16, T, D, D, 1000, gamma16, beta16, 24, mult[0], shift[0], -32768, 32767, y16, D); break;
    case 'a': pk_attention_i8_i8(x8, x8 + D, x8 + 2 * D, 3 * D, T, 2, D / 2, 0, 1518500250, -10, 1518500250, 10, -128, 127, scratch, y8, D); break;
    case 'g': pk_lut16_interp_i16(x16, T * D, lut, y16); break;
    default: break;
    }
}

int main(void)
{
    char c = 0;
    int i;
    for (i = 0; i < T * IN; ++i) {
        x8[i] = (int8_t)(next() & 0x7f);
        x16[i] = (int16_t)(next() & 0x3fff) - 8192;
    }
    for (i = 0; i < (int)sizeof w4; ++i) w4[i] = (uint8_t)next();
    for (i = 0; i < (int)sizeof w8; ++i) w8[i] = (int8_t)next();
    for (i = 0; i < D; ++i) gamma16[i] = (int16_t)(20000 + (next() & 0xfff));
    if (io_read(&c, 1) != 1) return 0;
    run_kernel(c);
    return (y8[0] + y16[0]) & 0; /* keep the outputs live; exit 0 */
}
