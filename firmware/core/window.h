/* Assembly of [3][114][10] windows from packets of the 3 links (docs/protocol.md, "CSI on the node").
 * A slot is one time step: one packet per link. A slot closes when all 3 links have delivered, or when a
 * link delivers a second packet before the others (then the missing rows stay 0: a lost packet is
 * treated as non-finite data, which the data contract maps to 0). Windows are the last 10 closed slots. */
#ifndef POSE_EDGE_WINDOW_H
#define POSE_EDGE_WINDOW_H

#include <stdint.h>

#include "csi.h"

#define WINDOW_PACKETS 10
#define WINDOW_LEN (CSI_LINKS * CSI_SUBCARRIERS * WINDOW_PACKETS)

typedef struct {
  int16_t amp[CSI_LINKS][CSI_SUBCARRIERS];
  int8_t rssi[CSI_LINKS];
  uint8_t link_mask;      /* bit k: link k delivered a packet in this slot */
  uint32_t timestamp_us;  /* of the first packet in the slot */
} csi_slot_t;

typedef struct {
  csi_slot_t ring[WINDOW_PACKETS];
  uint32_t closed;        /* slots closed so far; the newest is ring[(closed - 1) % WINDOW_PACKETS] */
  csi_slot_t pending;
} window_builder_t;

void window_init(window_builder_t *w);
/* Adds one link's amplitudes. Returns the slot this closed (valid until the next call), or 0. */
const csi_slot_t *window_add(window_builder_t *w, uint8_t link, const int16_t amp[CSI_SUBCARRIERS],
                             int8_t rssi, uint32_t timestamp_us);
/* 1 when at least WINDOW_PACKETS slots have closed. */
int window_ready(const window_builder_t *w);
/* The last WINDOW_PACKETS slots, oldest first, as window[link][subcarrier][packet]. */
void window_extract(const window_builder_t *w, int16_t window[WINDOW_LEN]);

#endif
