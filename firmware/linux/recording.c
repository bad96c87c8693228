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

csi_layout_t recording_v1_layout(unsigned flags, unsigned len) {
  if (!(flags & 1u)) return len == 128 ? CSI_LAYOUT_NONHT : CSI_LAYOUT_UNKNOWN;
  if (flags & 2u) return len == 384 ? CSI_LAYOUT_HT40_BELOW : len == 612 ? CSI_LAYOUT_HT40_STBC_BELOW : CSI_LAYOUT_UNKNOWN;
  switch (len) {
    case 256: return CSI_LAYOUT_HT20;
    case 384: return CSI_LAYOUT_HT20_STBC;
    case 380: return CSI_LAYOUT_HT20_STBC_BELOW;
    case 376: return CSI_LAYOUT_HT20_STBC_ABOVE;
    default: return CSI_LAYOUT_UNKNOWN;
  }
}

/* Checks a record header; fills p's fields and returns the buffer length, or -1 with r->error set. */
static int check_header(recording_t *r, const uint8_t *h, csi_packet_t *p) {
  const char *f = r->path;
  unsigned long i = r->index, o = r->offset;
  int v2 = r->version == 2;
  unsigned len = v2 ? (unsigned)(h[10] | h[11] << 8) : (unsigned)(h[8] | h[9] << 8);
  unsigned link = h[4], flags = v2 ? h[7] : h[6];
  memset(p, 0, sizeof *p);
  if (v2) {
    const csi_layout_info_t *l = csi_layout_info(h[6]);
    if (!l) {
      snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: CSI layout %u is not a known layout (1..%d, docs/protocol.md)", f, i, o,
               h[6], CSI_LAYOUT_COUNT - 1);
      return -1;
    }
    if (len != l->len) {
      snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: CSI length %u is not the length of layout %s (%u bytes)", f, i, o, len,
               l->name, (unsigned)l->len);
      return -1;
    }
  } else if (!recording_len_valid(len)) {
    snprintf(r->error, sizeof r->error,
             "%s: record %lu at byte %lu: CSI length %u is not a buffer size the ESP32 driver delivers (128, 256, 376, 380, 384 or 612)", f, i, o, len);
    return -1;
  }
  if (link >= CSI_LINKS) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: link %u is outside 0..%d", f, i, o, link, CSI_LINKS - 1);
    return -1;
  }
  unsigned defined = v2 ? RECORDING_FLAGS_V2 : RECORDING_FLAGS_V1;
  if (flags & ~defined & 0xFFu) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: flags 0x%02x set undefined bits (0x%02x); defined: %s", f, i, o, flags,
             flags & ~defined & 0xFFu, v2 ? "bit 0 first_word_invalid" : "bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid");
    return -1;
  }
  if (v2 && h[9] != 0) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: reserved byte 0x%02x is not 0", f, i, o, h[9]);
    return -1;
  }
  p->timestamp_us = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
  p->link = (uint8_t)link;
  p->rssi = (int8_t)h[5];
  p->layout = (uint8_t)(v2 ? h[6] : recording_v1_layout(flags, len));
  p->first_word_invalid = (uint8_t)((v2 ? flags : flags >> 2) & 1u);
  p->channel = v2 ? h[8] : h[7];
  p->len = (uint16_t)len;
  return (int)len;
}

/* Reads and checks one record at r->offset; fills p. 1: read; 0: clean end of file; -1: bad (r->error). */
static int read_record(recording_t *r, csi_packet_t *p) {
  uint8_t h[RECORDING_HEADER_V2];
  size_t hl = r->version == 2 ? RECORDING_HEADER_V2 : RECORDING_HEADER_V1;
  size_t got = fread(h, 1, hl, r->fp);
  const char *f = r->path;
  unsigned long i = r->index, o = r->offset;
  if (got == 0 && !ferror(r->fp)) return 0;
  if (ferror(r->fp)) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: read error", f, i, o);
    return -1;
  }
  if (got != hl) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: truncated header (%zu of %zu bytes)", f, i, o, got, hl);
    return -1;
  }
  int len = check_header(r, h, p);
  if (len < 0) return -1;
  got = fread(p->buf, 1, (size_t)len, r->fp);
  if (got != (size_t)len) {
    snprintf(r->error, sizeof r->error, "%s: record %lu at byte %lu: truncated CSI buffer (%zu of %d bytes)", f, i, o, got, len);
    return -1;
  }
  r->index++;
  r->offset += hl + (unsigned long)len;
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
  size_t got = fread(magic, 1, 8, r->fp);
  r->version = got != 8 ? 0 : !memcmp(magic, RECORDING_MAGIC_V2, 8) ? 2 : !memcmp(magic, RECORDING_MAGIC_V1, 8) ? 1 : 0;
  if (!r->version) {
    snprintf(r->error, sizeof r->error, "%s: not a pose-edge CSI recording (magic %s or %s expected)", path, RECORDING_MAGIC_V2, RECORDING_MAGIC_V1);
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
