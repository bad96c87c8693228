/* The node's protocol state machine, shared by every build. The platform pushes UART bytes with
 * node_feed and (in live modes) captured packets with node_on_csi; the node answers through
 * plat.uart_write. All state lives in node_t, which the platform allocates statically. */
#ifndef POSE_EDGE_NODE_H
#define POSE_EDGE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "csi.h"
#include "platform.h"
#include "pose_model.h"
#include "proto.h"
#include "window.h"

/* STATS counters, in wire order (docs/protocol.md). */
typedef struct {
  uint32_t packets_captured;   /* CSI packets the driver delivered (including dropped ones) */
  uint32_t packets_dropped;    /* lost to a full queue or an unusable format */
  uint32_t frames_ok;          /* host frames decoded and acted upon */
  uint32_t frames_bad_crc;     /* frames whose CRC failed: not answered */
  uint32_t frames_bad_framing; /* invalid COBS, too short, or oversize: not answered */
  uint32_t frames_rejected;    /* well-formed frames answered with ERROR */
  uint32_t queue_high_water;   /* deepest the CSI queue has been */
  uint32_t windows_received;   /* CSI_WINDOW frames run */
  uint32_t inferences;         /* replayed and live */
} node_stats_t;

#define NODE_TX_MAX_PAYLOAD PROTO_LEN_CSI_PACKET

typedef struct {
  node_platform_t plat;
  proto_decoder_t dec;
  node_stats_t stats;
  window_builder_t wb;
  int16_t window[POSE_MODEL_INPUT_LEN];
  int16_t out[POSE_MODEL_OUTPUT_LEN];
  int16_t amp[CSI_SUBCARRIERS];
  uint8_t payload[NODE_TX_MAX_PAYLOAD];
  uint8_t tx[PROTO_WIRE_MAX(NODE_TX_MAX_PAYLOAD)];
  uint16_t tx_seq;
  uint8_t stream_flags;
  uint8_t hop;
  uint32_t slots_since_window;
  uint32_t packet_seq;
  uint32_t live_window_seq;
  uint8_t csi_layout;        /* csi_layout_t of the last packet the platform delivered (0: none yet) */
  uint32_t csi_layouts_seen; /* bit k: a packet of layout k was delivered since boot or RESET_STATS */
} node_t;

void node_init(node_t *n, const node_platform_t *plat);
void node_feed(node_t *n, const uint8_t *data, size_t len);
void node_on_csi(node_t *n, const csi_packet_t *p);
/* Packets the platform had to drop before they reached the core (queue full). */
void node_note_dropped(node_t *n, uint32_t count);
void node_note_queue_depth(node_t *n, uint32_t depth);
/* PROTO_STREAM_* flags currently active (0: idle). */
uint8_t node_stream_flags(const node_t *n);

#endif
