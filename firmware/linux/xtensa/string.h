/* The xtensa-lx106 toolchain here ships no C library, so the Xtensa build is compile-only (objects and their
 * section sizes, built -ffreestanding). These are the four <string.h> functions the core uses, with their
 * standard prototypes; on a real ESP32 the ESP-IDF newlib provides them. */
#ifndef POSE_EDGE_XTENSA_STRING_H
#define POSE_EDGE_XTENSA_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memchr(const void *s, int c, size_t n);

#endif
