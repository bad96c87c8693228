/* ESP-IDF v5.x Wi-Fi CSI glue. The callback runs in the Wi-Fi task: it only filters by source MAC, names the
 * buffer's layout (firmware/core/csi.h: a few comparisons of rx_ctrl fields), copies the driver's buffer into a
 * csi_packet_t and queues it without waiting; everything else (amplitudes, windows, inference, UART) happens
 * in the node task (app_main.c).
 *
 * Two driver APIs: the ESP32 / S2 / S3 / C3 (wifi_csi_config_t with lltf_en..., rx_ctrl with sig_mode, cwb,
 * stbc, secondary_channel) and the Wi-Fi 6 chips, CONFIG_SOC_WIFI_HE_SUPPORT (wifi_csi_acquire_config_t with
 * acquire_csi_*, rx_ctrl esp_wifi_rxctrl_t with cur_bb_format; MAC version 2 is the C6, 3 the C5 and C61). */
#include "csi_capture.h"

#include <stdatomic.h>
#include <string.h>

#include "esp_event.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "nvs_flash.h"

#if CONFIG_SOC_WIFI_HE_SUPPORT
#if CONFIG_SOC_WIFI_MAC_VERSION_NUM == 3
#define CSI_FAMILY CSI_FAMILY_C5
#else
#define CSI_FAMILY CSI_FAMILY_C6
#endif
#endif

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
#if CONFIG_SOC_WIFI_HE_SUPPORT
  /* Only the HT/HE-LTF is delivered; its length tells HT20 from HT40 (and STBC on the C5). */
  p->layout = info->rx_ctrl.rx_channel_estimate_info_vld ? (uint8_t)csi_layout_he(CSI_FAMILY, info->rx_ctrl.cur_bb_format, info->len) : CSI_LAYOUT_UNKNOWN;
#else
  p->layout = (uint8_t)csi_layout_legacy(info->rx_ctrl.sig_mode, info->rx_ctrl.cwb, info->rx_ctrl.stbc, info->rx_ctrl.secondary_channel, info->len);
#endif
  p->first_word_invalid = info->first_word_invalid;
  p->channel = (uint8_t)info->rx_ctrl.channel;
  p->timestamp_us = info->rx_ctrl.timestamp;
  p->len = info->len > CSI_MAX_BUF ? CSI_MAX_BUF : info->len;
  memcpy(p->buf, info->buf, p->len);
  if (xQueueSend(s_cfg.queue, p, 0) != pdTRUE) atomic_fetch_add(&s_drops, 1);
}

/* Radio settings a user chooses (channel, bandwidth) can be refused: return the error, and app_main falls back
 * to replay mode, rather than abort in a boot loop. */
#define TRY(x)                      \
  do {                              \
    esp_err_t e_ = (x);             \
    if (e_ != ESP_OK) return e_;    \
  } while (0)

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
#if CONFIG_SOC_WIFI_SUPPORT_5G
  /* Protocol and bandwidth can only be set for one band at a time. */
  TRY(esp_wifi_set_band_mode(cfg->channel > 14 ? WIFI_BAND_MODE_5G_ONLY : WIFI_BAND_MODE_2G_ONLY));
#endif
  if (second != WIFI_SECOND_CHAN_NONE) {
#if CONFIG_SOC_WIFI_HE_SUPPORT
    /* HT40 is refused while 802.11ax (or 11ac) is on: receive as an 802.11n station. Without a secondary
     * channel 11ax stays on, so HE20 packets are captured too. */
    TRY(esp_wifi_set_protocol(WIFI_IF_STA, cfg->channel > 14 ? WIFI_PROTOCOL_11A | WIFI_PROTOCOL_11N
                                                                          : WIFI_PROTOCOL_11B | WIFI_PROTOCOL_11G | WIFI_PROTOCOL_11N));
#endif
    TRY(esp_wifi_set_bandwidth(WIFI_IF_STA, WIFI_BW_HT40));
  }
  ESP_ERROR_CHECK(esp_wifi_set_promiscuous(true));
  const wifi_promiscuous_filter_t filter = {.filter_mask = WIFI_PROMIS_FILTER_MASK_MGMT | WIFI_PROMIS_FILTER_MASK_DATA};
  ESP_ERROR_CHECK(esp_wifi_set_promiscuous_filter(&filter));
  TRY(esp_wifi_set_channel(cfg->channel, second));
#if CONFIG_SOC_WIFI_HE_SUPPORT
  /* One LTF per packet: the HT-LTF of HT20/HT40 (and VHT20) packets, the HE-LTF of HE20 SU ones; legacy
   * 11a/g packets (52 tones) are not asked for. No scaling: the model's min-max normalisation removes the gain. */
  const wifi_csi_config_t csi = {
      .enable = 1,
      .acquire_csi_legacy = 0,
      .acquire_csi_ht20 = 1,
      .acquire_csi_ht40 = 1,
      .acquire_csi_su = 1,
      .acquire_csi_mu = 0,
      .acquire_csi_dcm = 0,
      .acquire_csi_beamformed = 0,
#if CONFIG_SOC_WIFI_MAC_VERSION_NUM == 3
      .acquire_csi_force_lltf = 0,
      .acquire_csi_vht = 1,
      .acquire_csi_he_stbc_mode = 0, /* STBC HE packets: the complete HE-LTF1 (the same layout as without STBC) */
#else
      .acquire_csi_he_stbc = 0,
#endif
      .val_scale_cfg = 0,
      .dump_ack_en = 0,
  };
#else
  /* LLTF first, then HT-LTF (and STBC-HT-LTF): the layouts of csi.c expect the HT-LTF at byte 128. No merging
   * or smoothing, so each subcarrier is measured independently, as the training data's were. */
  const wifi_csi_config_t csi = {
      .lltf_en = true,
      .htltf_en = true,
      .stbc_htltf2_en = true,
      .ltf_merge_en = false,
      .channel_filter_en = false,
      .manu_scale = false,
      .shift = 0,
  };
#endif
  ESP_ERROR_CHECK(esp_wifi_set_csi_config(&csi));
  ESP_ERROR_CHECK(esp_wifi_set_csi_rx_cb(csi_rx, NULL));
  return esp_wifi_set_csi(true);
}
