/* Raw byte I/O for the batch program, implemented per build: host_io.c (POSIX), rv32_io.c (Linux syscalls
 * through ecall, for qemu-riscv32 user mode). */
#ifndef POSE_EDGE_BATCH_IO_H
#define POSE_EDGE_BATCH_IO_H

#include <stddef.h>

/* Reads up to len bytes; returns the count (0 at end of input) or -1. */
long io_read(void *buf, size_t len);
/* Writes len bytes; returns the count or -1. */
long io_write(const void *buf, size_t len);

#endif
