#include "recording.h"

#include <string.h>

int recording_open(recording_t *r, const char *path) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->fp = fopen(path, "rb");
  if (!r->fp) {
    snprintf(r->error, sizeof r->error, "%s: cannot open CSI recording", path);
    return -1;
  }
  char magic[8];
  if (fread(magic, 1, 8, r->fp) != 8 || memcmp(magic, RECORDING_MAGIC, 8) != 0) {
    snprintf(r->error, sizeof r->error, "%s: not a pose-edge CSI recording (magic %s expected)", path, RECORDING_MAGIC);
    fclose(r->fp);
    r->fp = 0;
    return -1;
  }
  return 0;
}

int recording_next(recording_t *r, csi_packet_t *p) {
  uint8_t h[10];
  size_t got = fread(h, 1, sizeof h, r->fp);
  if (got == 0) return 0;
  if (got != sizeof h) {
    snprintf(r->error, sizeof r->error, "%s: record %lu: truncated header", r->path, r->index);
    return -1;
  }
  memset(p, 0, sizeof *p);
  p->timestamp_us = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
  p->link = h[4];
  p->rssi = (int8_t)h[5];
  p->ht = h[6] & 1u;
  p->ht40 = (h[6] >> 1) & 1u;
  p->first_word_invalid = (h[6] >> 2) & 1u;
  p->channel = h[7];
  p->len = (uint16_t)(h[8] | h[9] << 8);
  if (p->len > CSI_MAX_BUF) {
    snprintf(r->error, sizeof r->error, "%s: record %lu: CSI length %u exceeds %d", r->path, r->index, p->len, CSI_MAX_BUF);
    return -1;
  }
  if (fread(p->buf, 1, p->len, r->fp) != p->len) {
    snprintf(r->error, sizeof r->error, "%s: record %lu: truncated CSI buffer", r->path, r->index);
    return -1;
  }
  r->index++;
  return 1;
}

int recording_rewind(recording_t *r) {
  r->index = 0;
  return fseek(r->fp, 8, SEEK_SET);
}

void recording_close(recording_t *r) {
  if (r->fp) fclose(r->fp);
  r->fp = 0;
}
