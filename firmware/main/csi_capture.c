/* ESP-IDF v5.x Wi-Fi CSI glue. The callback runs in the Wi-Fi task: it only filters by source MAC, copies
 * the driver's buffer into a csi_packet_t and queues it without waiting; everything else (amplitudes,
 * windows, inference, UART) happens in the node task (app_main.c). */
#include "csi_capture.h"

#include <stdatomic.h>
#include <string.h>

#include "esp_event.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "nvs_flash.h"

static csi_capture_config_t s_cfg;
static atomic_uint_fast32_t s_drops;
/* One packet being filled: the callback is only ever called from the Wi-Fi task, one call at a time. */
static csi_packet_t s_scratch;

static void csi_rx(void *ctx, wifi_csi_info_t *info) {
  (void)ctx;
  if (!info || !info->buf || info->len == 0) return;
  int link = -1;
  for (int k = 0; k < CSI_LINKS; k++)
    if (memcmp(info->mac, s_cfg.macs[k], 6) == 0) link = k;
  if (link < 0) return;
  csi_packet_t *p = &s_scratch;
  p->link = (uint8_t)link;
  p->rssi = (int8_t)info->rx_ctrl.rssi;
  p->layout = (uint8_t)csi_layout_legacy(info->rx_ctrl.sig_mode, info->rx_ctrl.cwb, info->rx_ctrl.stbc, info->rx_ctrl.secondary_channel, info->len);
  p->first_word_invalid = info->first_word_invalid;
  p->channel = (uint8_t)info->rx_ctrl.channel;
  p->timestamp_us = info->rx_ctrl.timestamp;
  p->len = info->len > CSI_MAX_BUF ? CSI_MAX_BUF : info->len;
  memcpy(p->buf, info->buf, p->len);
  if (xQueueSend(s_cfg.queue, p, 0) != pdTRUE) atomic_fetch_add(&s_drops, 1);
}

uint32_t csi_capture_take_drops(void) { return (uint32_t)atomic_exchange(&s_drops, 0); }

esp_err_t csi_capture_start(const csi_capture_config_t *cfg) {
  s_cfg = *cfg;
  esp_err_t err = nvs_flash_init();
  if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
    ESP_ERROR_CHECK(nvs_flash_erase());
    err = nvs_flash_init();
  }
  ESP_ERROR_CHECK(err);
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());
  wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
  ESP_ERROR_CHECK(esp_wifi_init(&init));
  ESP_ERROR_CHECK(esp_wifi_set_storage(WIFI_STORAGE_RAM));
  ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
  ESP_ERROR_CHECK(esp_wifi_start());
  ESP_ERROR_CHECK(esp_wifi_set_ps(WIFI_PS_NONE)); /* rx_ctrl.timestamp is only precise without modem sleep */
  const wifi_second_chan_t second = cfg->second == 1 ? WIFI_SECOND_CHAN_ABOVE : cfg->second == 2 ? WIFI_SECOND_CHAN_BELOW : WIFI_SECOND_CHAN_NONE;
  if (second != WIFI_SECOND_CHAN_NONE) ESP_ERROR_CHECK(esp_wifi_set_bandwidth(WIFI_IF_STA, WIFI_BW_HT40));
  ESP_ERROR_CHECK(esp_wifi_set_promiscuous(true));
  const wifi_promiscuous_filter_t filter = {.filter_mask = WIFI_PROMIS_FILTER_MASK_MGMT | WIFI_PROMIS_FILTER_MASK_DATA};
  ESP_ERROR_CHECK(esp_wifi_set_promiscuous_filter(&filter));
  ESP_ERROR_CHECK(esp_wifi_set_channel(cfg->channel, second));
  /* LLTF first, then HT-LTF: csi.c expects the HT-LTF at byte 128. No merging or smoothing, so each
   * subcarrier is measured independently, as the training data's were. */
  const wifi_csi_config_t csi = {
      .lltf_en = true,
      .htltf_en = true,
      .stbc_htltf2_en = true,
      .ltf_merge_en = false,
      .channel_filter_en = false,
      .manu_scale = false,
      .shift = 0,
  };
  ESP_ERROR_CHECK(esp_wifi_set_csi_config(&csi));
  ESP_ERROR_CHECK(esp_wifi_set_csi_rx_cb(csi_rx, NULL));
  return esp_wifi_set_csi(true);
}
