/* Wi-Fi CSI capture: promiscuous reception on one channel, the CSI callback copying packets from the
 * three configured link MACs into a queue of csi_packet_t (nothing else happens in the callback). */
#pragma once

#include <stdint.h>

#include "csi.h"
#include "esp_err.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"

typedef struct {
  uint8_t channel;
  int second; /* 0 none, 1 above, 2 below */
  uint8_t macs[CSI_LINKS][6];
  QueueHandle_t queue; /* items: csi_packet_t */
} csi_capture_config_t;

esp_err_t csi_capture_start(const csi_capture_config_t *cfg);
/* Packets the callback could not queue since the last call (the queue was full). */
uint32_t csi_capture_take_drops(void);
