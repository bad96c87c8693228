/* pose-edge node: the protocol UART and (in live mode) Wi-Fi CSI capture around firmware/core. One task
 * owns the node state: it feeds UART bytes to the core and drains the CSI queue, so the core needs no
 * locks. Configuration comes from main/Kconfig.projbuild. */
#include <stdio.h>
#include <string.h>

#include "csi_capture.h"
#include "esp_cpu.h"
#include "esp_log.h"
#include "esp_rom_sys.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "node.h"
#include "sdkconfig.h"
#include "uart_link.h"

/* Static, not on a stack: about 22 KB with the decoder buffer and the window ring. */
static node_t s_node;
static csi_packet_t s_packet;
static QueueHandle_t s_csi_queue;

static uint32_t cpu_cycles(void *ctx) {
  (void)ctx;
  return (uint32_t)esp_cpu_get_cycle_count();
}

#if CONFIG_POSE_EDGE_MODE_LIVE
static const char *TAG = "pose-edge";

static int parse_mac(const char *s, uint8_t mac[6]) {
  unsigned v[6];
  if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return 0;
  int nonzero = 0;
  for (int i = 0; i < 6; i++) {
    mac[i] = (uint8_t)v[i];
    nonzero |= mac[i];
  }
  return nonzero != 0;
}
#endif

static void node_task(void *arg) {
  (void)arg;
  uint8_t rx[256];
  for (;;) {
    /* A short timeout keeps CSI latency low while the line is idle. */
    size_t n = uart_link_read(rx, sizeof rx, 2);
    if (n) node_feed(&s_node, rx, n);
    if (!s_csi_queue) continue;
    uint32_t drops = csi_capture_take_drops();
    if (drops) node_note_dropped(&s_node, drops);
    node_note_queue_depth(&s_node, (uint32_t)uxQueueMessagesWaiting(s_csi_queue));
    while (xQueueReceive(s_csi_queue, &s_packet, 0) == pdTRUE) node_on_csi(&s_node, &s_packet);
  }
}

void app_main(void) {
  ESP_ERROR_CHECK(uart_link_init(CONFIG_POSE_EDGE_UART_PORT, CONFIG_POSE_EDGE_UART_BAUD));
  if (CONFIG_POSE_EDGE_UART_PORT == 0) esp_log_level_set("*", ESP_LOG_NONE); /* UART0 is the console */

  int live = 0;
  uint8_t channel = 0, second = 0;
#if CONFIG_POSE_EDGE_MODE_LIVE
  csi_capture_config_t cfg = {.channel = CONFIG_POSE_EDGE_WIFI_CHANNEL};
#if CONFIG_POSE_EDGE_SECOND_CHANNEL_ABOVE
  cfg.second = 1;
#elif CONFIG_POSE_EDGE_SECOND_CHANNEL_BELOW
  cfg.second = 2;
#endif
  live = parse_mac(CONFIG_POSE_EDGE_LINK0_MAC, cfg.macs[0]) && parse_mac(CONFIG_POSE_EDGE_LINK1_MAC, cfg.macs[1]) &&
         parse_mac(CONFIG_POSE_EDGE_LINK2_MAC, cfg.macs[2]);
  if (!live) ESP_LOGW(TAG, "live mode needs three link MACs (aa:bb:cc:dd:ee:ff); running in replay mode");
  if (live) {
    s_csi_queue = xQueueCreate(CONFIG_POSE_EDGE_CSI_QUEUE_LEN, sizeof(csi_packet_t));
    cfg.queue = s_csi_queue;
    if (!s_csi_queue || csi_capture_start(&cfg) != ESP_OK) {
      ESP_LOGE(TAG, "CSI capture failed to start; running in replay mode");
      live = 0;
      s_csi_queue = NULL;
    }
  }
  if (live) {
    channel = cfg.channel;
    second = (uint8_t)cfg.second;
  }
#endif

  const node_platform_t plat = {
      .uart_write = uart_link_write,
      .cycles = cpu_cycles,
      .ctx = NULL,
      .cycle_hz = esp_rom_get_cpu_ticks_per_us() * 1000000u,
      .chip = CONFIG_IDF_TARGET,
      .mode = live ? NODE_MODE_LIVE : NODE_MODE_REPLAY,
      .has_csi_source = (uint8_t)live,
      .stream_on_boot = live ? PROTO_STREAM_KEYPOINTS : 0,
      .hop = CONFIG_POSE_EDGE_HOP,
      .csi_channel = channel,
      .csi_second = second,
  };
  node_init(&s_node, &plat);
  xTaskCreate(node_task, "pose_edge_node", CONFIG_POSE_EDGE_TASK_STACK, NULL, 5, NULL);
}
