/* A probe program for the C3 cache plugin (c3-cache.test.ts): reads one byte (the phase) from stdin and
 * makes loads whose cache behaviour is known exactly. flash_data's lines at a stride of 64 sets x 32 B all
 * map to one set of the 8-way cache; sram_data sits in a .dram1 section (on-chip, uncached). */
#include <stdint.h>

#include "batch_io.h"

#define STRIDE 2048 /* 64 sets x 32-byte lines: the same set */

__attribute__((aligned(32))) const uint8_t flash_data[10 * STRIDE] = {1, 2, 3};
__attribute__((section(".dram1.probe"), aligned(32))) const uint8_t sram_data[10 * STRIDE] = {4, 5, 6};
volatile uint32_t sink;

__attribute__((noinline)) void mark(void) { sink++; }

__attribute__((noinline)) static uint32_t read_lines(const uint8_t *p, int lines, int rounds)
{
    uint32_t s = 0;
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < lines; i++) s += ((const volatile uint8_t *)p)[i * STRIDE];
    return s;
}

int main(void)
{
    uint8_t phase = 0;
    if (io_read(&phase, 1) != 1) return 0;
    switch (phase) {
    case 1: sink = read_lines(flash_data, 8, 10); break;                /* 8 lines fit the set: 8 misses */
    case 2: sink = read_lines(flash_data, 9, 10); break;                /* 9 in 8 ways, LRU: 90 misses */
    case 3: sink = read_lines(sram_data, 9, 10); break;                 /* on-chip: none */
    case 4: /* 8 lines, then again after mark(): with cold=mark, 16 misses; without, 8 */
        sink = read_lines(flash_data, 8, 1);
        mark();
        sink = read_lines(flash_data, 8, 1);
        break;
    default: return 2;
    }
    return 0;
}
