/* The batch program: reads windows in the model input format (3420 int16 little-endian each) from stdin
 * until end of input and writes each window's 34 int16 little-endian outputs to stdout. The same source is
 * built for the host, under sanitizers and for rv32imc (qemu-riscv32), so outputs can be compared bit for
 * bit and instructions counted; start-up is measured by running it on empty input. No malloc, no stdio. */
#include <stdint.h>

#include "batch_io.h"
#include "pose_model.h"
#include "proto.h"

static uint8_t inbuf[2 * POSE_MODEL_INPUT_LEN];
static uint8_t outbuf[2 * POSE_MODEL_OUTPUT_LEN];
static int16_t window[POSE_MODEL_INPUT_LEN];
static int16_t out[POSE_MODEL_OUTPUT_LEN];

static int read_full(uint8_t *buf, unsigned long len) {
  unsigned long got = 0;
  while (got < len) {
    long r = io_read(buf + got, len - got);
    if (r <= 0) return got == 0 ? 0 : -1;
    got += (unsigned long)r;
  }
  return 1;
}

int main(void) {
  for (;;) {
    int r = read_full(inbuf, sizeof inbuf);
    if (r == 0) return 0;
    if (r < 0) return 3; /* a partial window at the end of input */
    for (int i = 0; i < POSE_MODEL_INPUT_LEN; i++) window[i] = (int16_t)proto_get_u16(inbuf + 2 * i);
    pose_model_run(window, out);
    for (int i = 0; i < POSE_MODEL_OUTPUT_LEN; i++) proto_put_u16(outbuf + 2 * i, (uint16_t)out[i]);
    if (io_write(outbuf, sizeof outbuf) != (long)sizeof outbuf) return 4;
  }
}
