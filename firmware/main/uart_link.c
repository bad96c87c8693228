#include "uart_link.h"

#include "driver/uart.h"
#include "freertos/FreeRTOS.h"
#include "proto.h"

static uart_port_t s_port;

esp_err_t uart_link_init(int port, int baud) {
  s_port = (uart_port_t)port;
  const uart_config_t cfg = {
      .baud_rate = baud,
      .data_bits = UART_DATA_8_BITS,
      .parity = UART_PARITY_DISABLE,
      .stop_bits = UART_STOP_BITS_1,
      .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
      .source_clk = UART_SCLK_DEFAULT,
  };
  /* The RX ring holds two of the largest frames, so a CSI_WINDOW arriving during an inference is kept. */
  esp_err_t err = uart_driver_install(s_port, 2 * PROTO_MAX_WIRE, 2048, 0, NULL, 0);
  if (err == ESP_OK) err = uart_param_config(s_port, &cfg);
  return err;
}

size_t uart_link_write(void *ctx, const uint8_t *data, size_t len) {
  (void)ctx;
  int w = uart_write_bytes(s_port, data, len);
  return w < 0 ? 0 : (size_t)w;
}

size_t uart_link_read(uint8_t *buf, size_t cap, uint32_t timeout_ms) {
  int n = uart_read_bytes(s_port, buf, (uint32_t)cap, pdMS_TO_TICKS(timeout_ms));
  return n < 0 ? 0 : (size_t)n;
}
