/* Test driver of firmware/core/csi.c (test/firmware/csi-layouts.test.ts): one request per stdin line, one
 * answer per stdout line.
 *   table                         -> one line per layout: id name len offset entries zero rule
 *   legacy SIG CWB STBC SEC LEN   -> the id csi_layout_legacy returns
 *   he FAMILY FORMAT LEN          -> the id csi_layout_he returns (FAMILY 6 or 5)
 *   conv LAYOUT FWI LINK HEX      -> "ok A0 .. A113" (csi_to_amplitudes) or "err STATUS" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi.h"

static char line[4096];

int main(void) {
  while (fgets(line, sizeof line, stdin)) {
    unsigned a, b, c, d, e;
    if (!strncmp(line, "table", 5)) {
      for (unsigned id = 1; id < CSI_LAYOUT_COUNT; id++) {
        const csi_layout_info_t *l = csi_layout_info(id);
        printf("%u %s %u %u %u %d %u\n", id, l->name, l->len, l->offset, l->entries, l->zero, l->rule);
      }
      printf("end\n");
    } else if (sscanf(line, "legacy %u %u %u %u %u", &a, &b, &c, &d, &e) == 5) {
      printf("%d\n", (int)csi_layout_legacy(a, b, c, d, e));
    } else if (sscanf(line, "he %u %u %u", &a, &b, &c) == 3) {
      printf("%d\n", (int)csi_layout_he((csi_family_t)a, b, c));
    } else if (sscanf(line, "conv %u %u %u", &a, &b, &c) == 3) {
      static csi_packet_t p;
      memset(&p, 0, sizeof p);
      p.layout = (uint8_t)a;
      p.first_word_invalid = (uint8_t)b;
      p.link = (uint8_t)c;
      const char *hex = strrchr(line, ' ') + 1;
      size_t n = strspn(hex, "0123456789abcdef") / 2;
      if (n > CSI_MAX_BUF) n = CSI_MAX_BUF;
      for (size_t i = 0; i < n; i++) {
        char byte[3] = {hex[2 * i], hex[2 * i + 1], 0};
        p.buf[i] = (int8_t)strtoul(byte, 0, 16);
      }
      p.len = (uint16_t)n;
      int16_t out[CSI_SUBCARRIERS];
      csi_status_t st = csi_to_amplitudes(&p, out);
      if (st != CSI_OK) {
        printf("err %d\n", (int)st);
      } else {
        printf("ok");
        for (int k = 0; k < CSI_SUBCARRIERS; k++) printf(" %d", out[k]);
        printf("\n");
      }
    } else {
      printf("?\n");
    }
    fflush(stdout);
  }
  return 0;
}
