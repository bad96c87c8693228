#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
typedef struct { signed rssi:8; unsigned rate:5; unsigned :1; unsigned sig_mode:2; unsigned :16; unsigned mcs:7; unsigned cwb:1; unsigned :16; unsigned smoothing:1; unsigned not_sounding:1; unsigned :1; unsigned aggregation:1; unsigned stbc:2; unsigned fec_coding:1; unsigned sgi:1; signed noise_floor:8; unsigned ampdu_cnt:8; unsigned channel:4; unsigned secondary_channel:4; unsigned :8; unsigned timestamp:32; unsigned :32; unsigned :31; unsigned ant:1; unsigned sig_len:12; unsigned :12; unsigned rx_state:8; } wifi_pkt_rx_ctrl_t;
typedef struct { wifi_pkt_rx_ctrl_t rx_ctrl; uint8_t mac[6]; uint8_t dmac[6]; bool first_word_invalid; int8_t *buf; uint16_t len; uint8_t *hdr; uint8_t *payload; uint16_t payload_len; uint16_t rx_seq; } wifi_csi_info_t;
typedef struct { bool lltf_en; bool htltf_en; bool stbc_htltf2_en; bool ltf_merge_en; bool channel_filter_en; bool manu_scale; uint8_t shift; bool dump_ack_en; } wifi_csi_config_t;
typedef void (*wifi_csi_cb_t)(void *ctx, wifi_csi_info_t *data);
typedef struct { int x; } wifi_init_config_t;
#define WIFI_INIT_CONFIG_DEFAULT() { .x = 1 }
typedef enum { WIFI_STORAGE_FLASH, WIFI_STORAGE_RAM } wifi_storage_t;
typedef enum { WIFI_MODE_NULL, WIFI_MODE_STA } wifi_mode_t;
typedef enum { WIFI_PS_NONE } wifi_ps_type_t;
typedef enum { WIFI_SECOND_CHAN_NONE, WIFI_SECOND_CHAN_ABOVE, WIFI_SECOND_CHAN_BELOW } wifi_second_chan_t;
typedef enum { WIFI_IF_STA } wifi_interface_t;
typedef enum { WIFI_BW_HT20 = 1, WIFI_BW_HT40 } wifi_bandwidth_t;
typedef struct { uint32_t filter_mask; } wifi_promiscuous_filter_t;
#define WIFI_PROMIS_FILTER_MASK_MGMT (1)
#define WIFI_PROMIS_FILTER_MASK_DATA (1<<2)
esp_err_t esp_wifi_init(const wifi_init_config_t *); esp_err_t esp_wifi_set_storage(wifi_storage_t); esp_err_t esp_wifi_set_mode(wifi_mode_t);
esp_err_t esp_wifi_start(void); esp_err_t esp_wifi_set_ps(wifi_ps_type_t); esp_err_t esp_wifi_set_bandwidth(wifi_interface_t, wifi_bandwidth_t);
esp_err_t esp_wifi_set_promiscuous(bool); esp_err_t esp_wifi_set_promiscuous_filter(const wifi_promiscuous_filter_t *);
esp_err_t esp_wifi_set_channel(uint8_t, wifi_second_chan_t); esp_err_t esp_wifi_set_csi_config(const wifi_csi_config_t *);
esp_err_t esp_wifi_set_csi_rx_cb(wifi_csi_cb_t, void *); esp_err_t esp_wifi_set_csi(bool);
