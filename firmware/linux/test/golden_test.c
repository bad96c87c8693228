/* Checks the C codec (firmware/core/proto.c) against test/fixtures/protocol/golden-frames.txt, the vectors
 * the TypeScript codec is tested on too. Prints one line per failure and "golden: N checks ok" at the end;
 * exits non-zero on any failure. Built and run by test/firmware/protocol-c.test.ts (plain and sanitized). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static char file[1 << 20];
static uint8_t a[1 << 16], b[1 << 16], c[1 << 16];
static proto_decoder_t dec;
static int failures, checks;

static void fail(const char *what, const char *name) {
  printf("FAIL %s: %s\n", name, what);
  failures++;
}

/* Parses "key=hex" from the line into out; returns the byte count or -1 when absent. */
static long field_hex(const char *line, const char *key, uint8_t *out, size_t cap) {
  char pat[32];
  snprintf(pat, sizeof pat, " %s=", key);
  const char *p = strstr(line, pat);
  if (!p) return -1;
  p += strlen(pat);
  if (*p == '-') return 0;
  size_t n = 0;
  while (p[0] && p[1] && p[0] != ' ' && p[0] != ',' && p[0] != '\n') {
    unsigned v;
    if (sscanf(p, "%2x", &v) != 1 || n >= cap) return -1;
    out[n++] = (uint8_t)v;
    p += 2;
  }
  return (long)n;
}
static long field_int(const char *line, const char *key, int base) {
  char pat[32];
  snprintf(pat, sizeof pat, " %s=", key);
  const char *p = strstr(line, pat);
  return p ? strtol(p + strlen(pat), 0, base) : -1;
}

static const char *fault_name(proto_rx_t r) {
  switch (r) {
    case PROTO_RX_BAD_FRAMING: return "framing";
    case PROTO_RX_OVERSIZE: return "oversize";
    case PROTO_RX_BAD_CRC: return "crc";
    case PROTO_RX_BAD_MAGIC: return "magic";
    case PROTO_RX_BAD_VERSION: return "version";
    case PROTO_RX_BAD_LENGTH: return "length";
    default: return "?";
  }
}

/* Events of one stream, rendered as the expect lines would read. */
static char events[64][16384];
static int nevents;

static void record(proto_rx_t r) {
  if (r == PROTO_RX_NONE || nevents >= 64) return;
  char *e = events[nevents++];
  const proto_frame_t *f = &dec.frame;
  if (r == PROTO_RX_FRAME) {
    int k = sprintf(e, "expect frame type=%02x seq=%u payload=", f->type, f->seq);
    if (f->len == 0) k += sprintf(e + k, "-");
    for (unsigned i = 0; i < f->len && k < 16000; i++) k += sprintf(e + k, "%02x", f->payload[i]);
  } else if (r == PROTO_RX_BAD_MAGIC || r == PROTO_RX_BAD_VERSION || r == PROTO_RX_BAD_LENGTH) {
    sprintf(e, "expect fault %s type=%02x seq=%u version=%u", fault_name(r), f->type, f->seq, f->version);
  } else {
    sprintf(e, "expect fault %s", fault_name(r));
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: golden_test FILE\n");
    return 2;
  }
  FILE *fp = fopen(argv[1], "rb");
  if (!fp) {
    perror(argv[1]);
    return 2;
  }
  size_t len = fread(file, 1, sizeof file - 1, fp);
  fclose(fp);
  file[len] = 0;
  char name[128] = "";
  int expect_i = 0;
  for (char *line = strtok(file, "\n"); line; line = strtok(0, "\n")) {
    if (strncmp(line, "cobs ", 5) == 0) {
      sscanf(line + 5, "%127s", name);
      long nraw = field_hex(line, "raw", a, sizeof a), nenc = field_hex(line, "enc", b, sizeof b);
      size_t n = proto_cobs_encode(a, (size_t)nraw, c, sizeof c);
      checks++;
      if (n != (size_t)nenc || memcmp(c, b, n)) fail("cobs encode differs", name);
      long d = proto_cobs_decode(b, (size_t)nenc, c, sizeof c);
      checks++;
      if (d != nraw || memcmp(c, a, (size_t)nraw)) fail("cobs decode differs", name);
    } else if (strncmp(line, "frame ", 6) == 0) {
      sscanf(line + 6, "%127s", name);
      long type = field_int(line, "type", 16), seq = field_int(line, "seq", 10);
      long np = field_hex(line, "payload", a, sizeof a), nw = field_hex(line, "wire", b, sizeof b);
      size_t n = proto_encode((uint8_t)type, (uint16_t)seq, a, (uint16_t)np, c, sizeof c);
      checks++;
      if (n != (size_t)nw || memcmp(c, b, n)) fail("proto_encode differs from wire", name);
      proto_decoder_init(&dec);
      int frames = 0;
      for (long i = 0; i < nw; i++) {
        proto_rx_t r = proto_decoder_push(&dec, b[i]);
        if (r == PROTO_RX_FRAME && dec.frame.type == type && dec.frame.seq == seq && dec.frame.len == np &&
            memcmp(dec.frame.payload, a, (size_t)np) == 0)
          frames++;
        else if (r != PROTO_RX_NONE)
          fail("decoder event on a golden frame", name);
      }
      checks++;
      if (frames != 1) fail("decoder did not return the frame", name);
    } else if (strncmp(line, "stream ", 7) == 0) {
      sscanf(line + 7, "%127s", name);
      proto_decoder_init(&dec);
      nevents = 0;
      expect_i = 0;
      const char *p = strstr(line, " chunks=") + 8;
      while (*p) {
        unsigned v;
        if (*p == ',' || *p == '-') {
          p++;
          continue;
        }
        if (sscanf(p, "%2x", &v) != 1) break;
        record(proto_decoder_push(&dec, (uint8_t)v));
        p += 2;
      }
    } else if (strncmp(line, "expect ", 7) == 0) {
      checks++;
      if (expect_i >= nevents) fail("missing event", name);
      else if (strcmp(events[expect_i], line) != 0) {
        printf("  got:  %.200s\n  want: %.200s\n", events[expect_i], line);
        fail("event differs", name);
      }
      expect_i++;
    } else if (strcmp(line, "end") == 0) {
      checks++;
      if (expect_i != nevents) fail("extra events", name);
    }
  }
  printf("golden: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
