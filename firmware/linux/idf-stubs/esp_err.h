#pragma once
typedef int esp_err_t;
#define ESP_OK 0
#define ESP_ERR_NVS_NO_FREE_PAGES 0x110d
#define ESP_ERR_NVS_NEW_VERSION_FOUND 0x1110
void esp_abort_check(esp_err_t);
#define ESP_ERROR_CHECK(x) esp_abort_check(x)
