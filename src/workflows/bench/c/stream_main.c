/* The streaming batch program of `pose-edge bench` and of the streaming tests: reads raw packets in the
 * model's input format (POSE_MODEL_PACKET_LEN int16 little-endian each, link-major) from stdin until end of
 * input; pushes each one, and once a window is full writes the 34 int16 outputs of pose_model_run_streaming
 * after every packet. Built like firmware/linux/batch_main.c (same I/O layer) for the host and for rv32imc,
 * so instructions per packet can be counted under qemu-riscv32. No malloc, no stdio. */
#include <stdint.h>

#include "batch_io.h"
#include "pose_model.h"
#include "proto.h"

#ifndef POSE_MODEL_STREAMING
#error "stream_main.c needs a model compiled with --streaming"
#endif

static uint8_t inbuf[2 * POSE_MODEL_PACKET_LEN];
static uint8_t outbuf[2 * POSE_MODEL_OUTPUT_LEN];
static int16_t packet[POSE_MODEL_PACKET_LEN];
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
  pose_model_stream_reset();
  for (;;) {
    int r = read_full(inbuf, sizeof inbuf);
    if (r == 0) return 0;
    if (r < 0) return 3; /* a partial packet at the end of input */
    for (int i = 0; i < POSE_MODEL_PACKET_LEN; i++) packet[i] = (int16_t)proto_get_u16(inbuf + 2 * i);
    pose_model_push_packet(packet);
    if (!pose_model_run_streaming(out)) continue;
    for (int i = 0; i < POSE_MODEL_OUTPUT_LEN; i++) proto_put_u16(outbuf + 2 * i, (uint16_t)out[i]);
    if (io_write(outbuf, sizeof outbuf) != (long)sizeof outbuf) return 4;
  }
}
