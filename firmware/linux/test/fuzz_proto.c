/* libFuzzer target for the frame decoder and the node's message handling (bench/fuzz-protocol.sh).
 * Input byte 0 picks the mode:
 *   even: the rest is raw line bytes, fed to a decoder and to a node (garbage, split and broken frames);
 *   odd:  byte 1 is a message type, the rest a payload, wrapped in a valid frame (right CRC) so the
 *         node's per-message checks are reached, which random bytes almost never do.
 * Invariants checked besides ASan/UBSan: COBS round-trips, every frame the node sends decodes with a
 * valid CRC, and the node answers each host frame that passed the CRC with at most one frame, and a
 * broken one with none. */
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "proto.h"

static proto_decoder_t dec, out_dec;
static node_t node;
static uint8_t wire[PROTO_MAX_WIRE];
static uint8_t cobs_buf[PROTO_COBS_MAX(9000)], cobs_back[9000];
static unsigned answers;

static size_t sink(void *ctx, const uint8_t *data, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++) {
    proto_rx_t r = proto_decoder_push(&out_dec, data[i]);
    if (r == PROTO_RX_FRAME) answers++;
    else if (r != PROTO_RX_NONE) abort(); /* the node sent a broken frame */
  }
  return len;
}

static uint32_t fake_cycles(void *ctx) {
  (void)ctx;
  static uint32_t t;
  return t += 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const node_platform_t plat = {sink, fake_cycles, 0, 1000000, "fuzz", NODE_MODE_REPLAY, 0, 0, 5, 0, 0};
  node_init(&node, &plat);
  proto_decoder_init(&dec);
  proto_decoder_init(&out_dec);
  answers = 0;
  if (size <= 9000) {
    size_t n = proto_cobs_encode(data, size, cobs_buf, sizeof cobs_buf);
    if (n == 0) abort();
    long back = proto_cobs_decode(cobs_buf, n, cobs_back, sizeof cobs_back);
    if (back != (long)size || memcmp(cobs_back, data, size) != 0) abort();
  }
  if ((data[0] & 1) == 0) {
    /* Frames that passed the CRC may be answered (once each); CRC and framing failures never are. */
    unsigned answerable = 0;
    for (size_t i = 1; i < size; i++) {
      proto_rx_t r = proto_decoder_push(&dec, data[i]);
      if (r == PROTO_RX_FRAME || r == PROTO_RX_BAD_MAGIC || r == PROTO_RX_BAD_VERSION || r == PROTO_RX_BAD_LENGTH) answerable++;
    }
    node_feed(&node, data + 1, size - 1);
    if (answers > answerable) abort();
  } else if (size >= 2) {
    size_t len = size - 2 > PROTO_MAX_PAYLOAD ? PROTO_MAX_PAYLOAD : size - 2;
    size_t n = proto_encode(data[1], 7, data + 2, (uint16_t)len, wire, sizeof wire);
    if (n == 0) abort();
    node_feed(&node, wire, n);
    if (answers != 1) abort(); /* a valid frame gets exactly one answer */
  }
  return 0;
}
