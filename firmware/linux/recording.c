#include "recording.h"

#include <string.h>

/* Buffer sizes of the ESP32 / S2 / S3 / C3 driver with lltf_en, htltf_en and stbc_htltf2_en (the firmware's
 * configuration, firmware/main/csi_capture.c): non-HT 128, HT20 256, HT20 STBC 376 / 380 / 384, HT40 384,
 * HT40 STBC 612 (/work/shared/reference/csi-layouts.md; docs/protocol.md). */
static const unsigned VALID_LENS[] = {128, 256, 376, 380, 384, 612};

int recording_len_valid(unsigned len) {
  for (size_t i = 0; i < sizeof VALID_LENS / sizeof VALID_LENS[0]; i++)
    if (VALID_LENS[i] == len) return 1;
  return 0;
}

/* Reads and checks one record at r->offset; fills p. 1: read; 0: clean end of file; -1: bad (r->error). */
static int read_record(recording_t *r, csi_packet_t *p) {
  uint8_t h[RECORDING_HEADER];
  size_t got = fread(h, 1, sizeof h, r->fp);
  const char *f = r->path;
  unsigned long i = r->index, o = r->offset;
  if (got == 0 && !ferror(r->fp)) return 0;
  if (ferror(r->fp)) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: read error", f, i, o);
    return -1;
  }
  if (got != sizeof h) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: truncated header (%zu of %d bytes)", f, i, o, got, RECORDING_HEADER);
    return -1;
  }
  unsigned len = (unsigned)(h[8] | h[9] << 8);
  if (!recording_len_valid(len)) {
    snprintf(r->error, sizeof r->error,
             "%s: record %lu at byte %lu: CSI length %u is not a buffer size the ESP32 driver delivers (128, 256, 376, 380, 384 or 612)", f, i, o, len);
    return -1;
  }
  if (h[4] >= CSI_LINKS) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: link %u is outside 0..%d", f, i, o, h[4], CSI_LINKS - 1);
    return -1;
  }
  if (h[6] & ~RECORDING_FLAGS_DEFINED & 0xFFu) {
    snprintf(r->error, sizeof r->error,
             "%s: record %lu at byte %lu: flags 0x%02x set undefined bits (0x%02x); defined: bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid", f, i,
             o, h[6], h[6] & ~RECORDING_FLAGS_DEFINED & 0xFFu);
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
  p->len = (uint16_t)len;
  got = fread(p->buf, 1, len, r->fp);
  if (got != len) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: truncated CSI buffer (%zu of %u bytes)", f, i, o, got, len);
    return -1;
  }
  r->index++;
  r->offset += RECORDING_HEADER + len;
  return 1;
}

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
    recording_close(r);
    return -1;
  }
  /* Validate every record before anything is replayed: a bad file is refused whole. */
  static csi_packet_t scratch;
  r->offset = 8;
  int res;
  while ((res = read_record(r, &scratch)) == 1) {
  }
  if (res < 0) {
    recording_close(r);
    return -1;
  }
  if (r->index == 0) {
    snprintf(r->error, sizeof r->error, "%s: no CSI records (the file holds only the 8-byte magic)", path);
    recording_close(r);
    return -1;
  }
  r->count = r->index;
  if (recording_rewind(r) != 0) {
    snprintf(r->error, sizeof r->error, "%s: cannot seek back to the first record", path);
    recording_close(r);
    return -1;
  }
  return 0;
}

int recording_next(recording_t *r, csi_packet_t *p) {
  /* Checked again on every read: the file may have changed since recording_open. */
  return read_record(r, p);
}

int recording_rewind(recording_t *r) {
  r->index = 0;
  r->offset = 8;
  clearerr(r->fp);
  return fseek(r->fp, 8, SEEK_SET);
}

void recording_close(recording_t *r) {
  if (r->fp) fclose(r->fp);
  r->fp = 0;
}
