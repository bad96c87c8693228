/* Linux system calls for qemu-riscv32 user mode: the RISC-V Linux ABI puts the number in a7 (read 63,
 * write 64, exit 93) and arguments in a0..a2. picolibc has no POSIX layer, and none is needed. */
#include "batch_io.h"

static long syscall3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

long io_read(void *buf, size_t len) { return syscall3(63, 0, (long)buf, (long)len); }
long io_write(const void *buf, size_t len) {
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    long w = syscall3(64, 1, (long)(p + done), (long)(len - done));
    if (w <= 0) return -1;
    done += (size_t)w;
  }
  return (long)done;
}
