/* Reader of a CSI recording (docs/protocol.md, "CSI recording file"): what a node's Wi-Fi driver delivered,
 * packet by packet, so the virtual node can replay it through the live path as if captured. Host only. */
#ifndef POSE_EDGE_RECORDING_H
#define POSE_EDGE_RECORDING_H

#include <stdio.h>

#include "csi.h"

#define RECORDING_MAGIC "PECSREC1"

typedef struct {
  FILE *fp;
  const char *path;
  unsigned long index; /* records read so far */
  char error[256];
} recording_t;

/* 0 on success; otherwise -1 with r->error naming the file. */
int recording_open(recording_t *r, const char *path);
/* 1: a packet was read; 0: end of file; -1: malformed record (r->error names the record). */
int recording_next(recording_t *r, csi_packet_t *p);
int recording_rewind(recording_t *r);
void recording_close(recording_t *r);

#endif
