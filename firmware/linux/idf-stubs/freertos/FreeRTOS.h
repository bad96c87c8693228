#pragma once
#include <stdint.h>
typedef uint32_t TickType_t; typedef long BaseType_t; typedef unsigned long UBaseType_t;
#define pdTRUE 1
#define pdMS_TO_TICKS(x) ((TickType_t)(x))
