/* What the core needs from the platform (ESP-IDF node, virtual node on a pty, rv32 program under qemu).
 * Input is pushed into the core (node_feed for UART bytes, node_on_csi for captured packets) by the
 * platform's own loop, so the core never blocks and never needs threads. */
#ifndef POSE_EDGE_PLATFORM_H
#define POSE_EDGE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  /* Writes all len bytes to the host link (UART / pty); returns the count written. */
  size_t (*uart_write)(void *ctx, const uint8_t *data, size_t len);
  /* A free-running counter read around each inference; wraps modulo 2^32. */
  uint32_t (*cycles)(void *ctx);
  void *ctx;
  uint32_t cycle_hz;   /* counter frequency reported in INFO (0: unknown) */
  const char *chip;    /* e.g. "esp32c3", "linux-x86_64"; at most 15 characters are reported */
  uint8_t mode;        /* NODE_MODE_* */
  uint8_t has_csi_source;
  uint8_t stream_on_boot; /* PROTO_STREAM_* flags active from the start (live mode on a real node) */
  uint8_t hop;            /* slots between two live windows, 1..10 */
  uint8_t csi_channel;    /* primary channel CSI is captured on, reported in INFO (0: none, or not a radio) */
  uint8_t csi_second;     /* secondary channel: 0 none, 1 above, 2 below, NODE_SECOND_UNKNOWN */
} node_platform_t;

#define NODE_SECOND_UNKNOWN 0xFFu

#define NODE_MODE_REPLAY 0u
#define NODE_MODE_LIVE 1u
#define NODE_MODE_LIVE_REPLAY 2u

#endif
