#include <unistd.h>

#include "batch_io.h"

long io_read(void *buf, size_t len) { return (long)read(0, buf, len); }
long io_write(const void *buf, size_t len) {
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(1, p + done, len - done);
    if (w <= 0) return -1;
    done += (size_t)w;
  }
  return (long)done;
}
