/* Reader of a CSI recording (docs/protocol.md, "CSI recording file"): what a node's Wi-Fi driver delivered,
 * packet by packet, so the virtual node can replay it through the live path as if captured. Host only.
 * Reads both versions: PECSREC2 (each record names its buffer layout, csi.h) and PECSREC1 (HT / 40 MHz flags,
 * ESP32 / S3 / C3 buffers only), whose records are given the layout their flags and length imply.
 *
 * Every record is validated (the same rules and messages as decodeCsiRecording in
 * src/host/protocol/csi-recording.ts): complete header and buffer, a known layout and its length (v1: a
 * length the ESP32 driver delivers), link 0..2, only defined flag bits. recording_open checks the whole file
 * before the first packet is replayed, so a bad file is refused at start instead of replaying part of it. */
#ifndef POSE_EDGE_RECORDING_H
#define POSE_EDGE_RECORDING_H

#include <stdio.h>

#include "csi.h"

#define RECORDING_MAGIC_V1 "PECSREC1"
#define RECORDING_MAGIC_V2 "PECSREC2"
#define RECORDING_HEADER_V1 10 /* u32 timestamp, u8 link, i8 rssi, u8 flags, u8 channel, u16 len */
#define RECORDING_HEADER_V2 12 /* u32 timestamp, u8 link, i8 rssi, u8 layout, u8 flags, u8 channel, u8 0, u16 len */
#define RECORDING_FLAGS_V1 0x07u /* bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid */
#define RECORDING_FLAGS_V2 0x01u /* bit 0 first_word_invalid */

typedef struct {
  FILE *fp;
  int version;          /* 1 or 2, from the magic */
  const char *path;
  unsigned long index;  /* records read so far */
  unsigned long offset; /* byte offset of the next record */
  unsigned long count;  /* records in the file (known after recording_open) */
  char error[320];
} recording_t;

/* v1: 1 when len is a buffer size the ESP32 driver delivers with LLTF + HT-LTF + STBC-HT-LTF enabled. */
int recording_len_valid(unsigned len);
/* v1: the layout a record's flags (bit 0 HT, bit 1 40 MHz) and length imply (v1 did not record the secondary
 * channel: a 256-byte HT20 buffer is read as having none, as the v1 firmware did). */
csi_layout_t recording_v1_layout(unsigned flags, unsigned len);
/* 0 on success (the whole file is valid and holds at least one record); otherwise -1 with r->error naming
 * the file, and for a bad record its index and byte offset. */
int recording_open(recording_t *r, const char *path);
/* 1: a packet was read; 0: end of file; -1: malformed record (r->error names the record and offset). */
int recording_next(recording_t *r, csi_packet_t *p);
int recording_rewind(recording_t *r);
void recording_close(recording_t *r);

#endif
