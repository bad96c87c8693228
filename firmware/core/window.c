#include "window.h"

#include <string.h>

void window_init(window_builder_t *w) { memset(w, 0, sizeof *w); }

static const csi_slot_t *close_pending(window_builder_t *w) {
  csi_slot_t *dst = &w->ring[w->closed % WINDOW_PACKETS];
  *dst = w->pending;
  w->closed++;
  memset(&w->pending, 0, sizeof w->pending);
  return dst;
}

const csi_slot_t *window_add(window_builder_t *w, uint8_t link, const int16_t amp[CSI_SUBCARRIERS],
                             int8_t rssi, uint32_t timestamp_us) {
  const csi_slot_t *closed = 0;
  if (link >= CSI_LINKS) return 0;
  if (w->pending.link_mask & (1u << link)) closed = close_pending(w);
  if (w->pending.link_mask == 0) w->pending.timestamp_us = timestamp_us;
  memcpy(w->pending.amp[link], amp, sizeof w->pending.amp[link]);
  w->pending.rssi[link] = rssi;
  w->pending.link_mask |= (uint8_t)(1u << link);
  if (w->pending.link_mask == (1u << CSI_LINKS) - 1u) {
    /* At most one slot closes per packet: a repeat closes the old slot and opens a one-link slot. */
    if (!closed) closed = close_pending(w);
  }
  return closed;
}

int window_ready(const window_builder_t *w) { return w->closed >= WINDOW_PACKETS; }

void window_extract(const window_builder_t *w, int16_t window[WINDOW_LEN]) {
  for (int p = 0; p < WINDOW_PACKETS; p++) {
    const csi_slot_t *s = &w->ring[(w->closed + (uint32_t)p) % WINDOW_PACKETS];
    for (int l = 0; l < CSI_LINKS; l++)
      for (int k = 0; k < CSI_SUBCARRIERS; k++)
        window[(l * CSI_SUBCARRIERS + k) * WINDOW_PACKETS + p] = s->amp[l][k];
  }
}
