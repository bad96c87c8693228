/* One call of the node's int16 x int4 linear kernel (pk_linear_w4_i16_i16, kernels/pk_linear_w4_i16_rv32.inc)
 * to step through in gdb: built for rv32imc with -O0 -g and run under qemu-riscv32 -g by gdb-step.test.ts;
 * the recipe is in templates/c/kernels/README.md. main has no optimize attribute, so the kernel (always_inline
 * on rv32) is inlined here at -O0 and every source line of its body is a step. */
#include <stdint.h>

#include "all_kernels.h"

#define T 10
#define IN 64 /* T x IN x OUT >= PK_COMPACT_MACS: the blocked kernel, not the small layers' shared copy */
#define OUT 4

static int16_t x[T * IN];
static uint8_t w[OUT * IN / 2];
static int16_t bias[OUT] = {100, -200, 300, -400};
static int32_t mult[1] = {1518500250};
static int8_t shift[1] = {3};
static int16_t y[T * OUT];

int main(void)
{
    int i;
    for (i = 0; i < T * IN; ++i) x[i] = (int16_t)(i * 37 - 1000);
    for (i = 0; i < OUT * IN / 2; ++i) w[i] = (uint8_t)(i * 29 + 7);
    pk_linear_w4_i16_i16(x, T, IN, IN, w, bias, 0, OUT, mult, shift, 0, -32768, 32767, y, OUT);
    return y[0] & 1;
}
