/* The protocol UART: driver set-up, blocking writes, reads with a short timeout. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

esp_err_t uart_link_init(int port, int baud);
size_t uart_link_write(void *ctx, const uint8_t *data, size_t len);
/* Bytes read into buf (0 if none arrived within timeout_ms). */
size_t uart_link_read(uint8_t *buf, size_t cap, uint32_t timeout_ms);
