/* Message handling of docs/protocol.md. Every host frame gets exactly one answer (INFO, KEYPOINTS, STATS,
 * ACK or ERROR) unless its CRC or framing is broken, in which case nothing in it can be trusted, so it is
 * only counted. */
#include "node.h"

#include <string.h>

#include "driver.h"
#include "version.h"

#define NODE_DEFAULT_HOP 5u

void node_init(node_t *n, const node_platform_t *plat) {
  memset(n, 0, sizeof *n);
  n->plat = *plat;
  proto_decoder_init(&n->dec);
  window_init(&n->wb);
  n->hop = plat->hop >= 1 && plat->hop <= WINDOW_PACKETS ? plat->hop : NODE_DEFAULT_HOP;
  n->stream_flags = plat->has_csi_source ? plat->stream_on_boot : 0;
}

uint8_t node_stream_flags(const node_t *n) { return n->stream_flags; }

static void send(node_t *n, uint8_t type, uint16_t len) {
  size_t w = proto_encode(type, n->tx_seq++, n->payload, len, n->tx, sizeof n->tx);
  if (w) n->plat.uart_write(n->plat.ctx, n->tx, w);
}

/* Small text builder for ERROR messages: the core has no stdio. */
typedef struct {
  char *p;
  size_t n, cap;
} text_t;

static void t_str(text_t *t, const char *s) {
  while (*s && t->n < t->cap) t->p[t->n++] = *s++;
}
static void t_dec(text_t *t, uint32_t v) {
  char d[10];
  int k = 0;
  do {
    d[k++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (k && t->n < t->cap) t->p[t->n++] = d[--k];
}
static void t_hex8(text_t *t, uint8_t v) {
  static const char hx[] = "0123456789abcdef";
  t_str(t, "0x");
  if (t->n + 2 <= t->cap) {
    t->p[t->n++] = hx[v >> 4];
    t->p[t->n++] = hx[v & 15];
  }
}

static const char *type_name(uint8_t type) {
  switch (type) {
    case PROTO_HELLO: return "HELLO";
    case PROTO_CSI_WINDOW: return "CSI_WINDOW";
    case PROTO_GET_STATS: return "GET_STATS";
    case PROTO_STREAM_START: return "STREAM_START";
    case PROTO_STREAM_STOP: return "STREAM_STOP";
    case PROTO_RESET_STATS: return "RESET_STATS";
    default: return 0;
  }
}

static text_t error_begin(node_t *n, uint16_t code, uint8_t ref_type, uint16_t ref_seq) {
  proto_put_u16(n->payload, code);
  n->payload[2] = ref_type;
  n->payload[3] = 0;
  proto_put_u16(n->payload + 4, ref_seq);
  text_t t = {(char *)n->payload + PROTO_ERROR_FIXED, 0, PROTO_ERROR_TEXT_MAX};
  return t;
}
static void error_end(node_t *n, const text_t *t) {
  n->stats.frames_rejected++;
  send(n, PROTO_ERROR, (uint16_t)(PROTO_ERROR_FIXED + t->n));
}

static int check_len(node_t *n, const proto_frame_t *f, uint16_t want) {
  if (f->len == want) return 1;
  text_t t = error_begin(n, PROTO_ERR_BAD_LENGTH, f->type, f->seq);
  t_str(&t, type_name(f->type));
  t_str(&t, " (seq ");
  t_dec(&t, f->seq);
  t_str(&t, "): payload is ");
  t_dec(&t, f->len);
  t_str(&t, " bytes, expected ");
  t_dec(&t, want);
  error_end(n, &t);
  return 0;
}

/* INFO version 1 (88 bytes), or version 2 with the CSI fields (docs/protocol.md, "INFO"). */
static void send_info(node_t *n, uint8_t version) {
  uint8_t *p = n->payload;
  memset(p, 0, PROTO_LEN_INFO_V2);
  const char *fw = POSE_EDGE_FW_VERSION, *chip = n->plat.chip ? n->plat.chip : "unknown";
  for (int i = 0; i < 15 && fw[i]; i++) p[i] = (uint8_t)fw[i];
  for (int i = 0; i < 15 && chip[i]; i++) p[16 + i] = (uint8_t)chip[i];
  const char *hex = POSE_MODEL_SHA256;
  for (int i = 0; i < 32; i++) {
    uint8_t b = 0;
    for (int k = 0; k < 2; k++) {
      char c = hex[2 * i + k];
      b = (uint8_t)(b << 4 | (c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0'));
    }
    p[32 + i] = b;
  }
  p[64] = POSE_MODEL_WEIGHT_BITS;
  p[65] = POSE_MODEL_ACT_BITS;
  p[66] = POSE_MODEL_INPUT_FRAC_BITS;
  p[67] = POSE_MODEL_OUTPUT_FRAC_BITS;
  proto_put_u16(p + 68, POSE_MODEL_INPUT_LEN);
  proto_put_u16(p + 70, POSE_MODEL_OUTPUT_LEN);
  proto_put_u32(p + 72, POSE_MODEL_ARENA_BYTES);
  proto_put_u32(p + 76, POSE_MODEL_MACS);
  proto_put_u32(p + 80, n->plat.cycle_hz);
  p[84] = n->plat.mode;
  p[85] = PROTO_VERSION;
  proto_put_u16(p + 86, PROTO_MAX_PAYLOAD);
  if (version < 2) {
    send(n, PROTO_INFO, PROTO_LEN_INFO);
    return;
  }
  p[88] = PROTO_INFO_VERSION;
  p[89] = n->csi_layout;
  p[90] = n->plat.csi_channel;
  p[91] = n->plat.csi_second;
  proto_put_u32(p + 92, n->csi_layouts_seen);
  send(n, PROTO_INFO, PROTO_LEN_INFO_V2);
}

static void send_keypoints(node_t *n, uint32_t window_seq, uint32_t cycles) {
  proto_put_u32(n->payload, window_seq);
  proto_put_u32(n->payload + 4, cycles);
  for (int i = 0; i < POSE_MODEL_OUTPUT_LEN; i++) proto_put_u16(n->payload + 8 + 2 * i, (uint16_t)n->out[i]);
  send(n, PROTO_KEYPOINTS, PROTO_LEN_KEYPOINTS);
}

static void send_stats(node_t *n) {
  const uint32_t v[PROTO_STATS_COUNTERS] = {
      n->stats.packets_captured, n->stats.packets_dropped,  n->stats.frames_ok,
      n->stats.frames_bad_crc,   n->stats.frames_bad_framing, n->stats.frames_rejected,
      n->stats.queue_high_water, n->stats.windows_received, n->stats.inferences};
  for (unsigned i = 0; i < PROTO_STATS_COUNTERS; i++) proto_put_u32(n->payload + 4 * i, v[i]);
  send(n, PROTO_STATS, PROTO_LEN_STATS);
}

static void send_ack(node_t *n, const proto_frame_t *f) {
  n->payload[0] = f->type;
  n->payload[1] = 0;
  proto_put_u16(n->payload + 2, f->seq);
  send(n, PROTO_ACK, PROTO_LEN_ACK);
}

static void run_window(node_t *n, const proto_frame_t *f) {
  uint32_t seq = proto_get_u32(f->payload);
  for (int i = 0; i < POSE_MODEL_INPUT_LEN; i++)
    n->window[i] = (int16_t)proto_get_u16(f->payload + 4 + 2 * i);
  n->stats.windows_received++;
  uint32_t cycles = driver_infer(&n->plat, n->window, n->out);
  n->stats.inferences++;
  send_keypoints(n, seq, cycles);
}

static void stream_start(node_t *n, const proto_frame_t *f) {
  uint8_t flags = f->payload[0], hop = f->payload[1];
  if (!n->plat.has_csi_source) {
    text_t t = error_begin(n, PROTO_ERR_NOT_SUPPORTED, f->type, f->seq);
    t_str(&t, "STREAM_START: this node has no CSI source (replay mode)");
    error_end(n, &t);
    return;
  }
  if ((flags & ~(PROTO_STREAM_CSI_PACKETS | PROTO_STREAM_KEYPOINTS)) || hop > WINDOW_PACKETS) {
    text_t t = error_begin(n, PROTO_ERR_BAD_ARGUMENT, f->type, f->seq);
    t_str(&t, "STREAM_START: flags ");
    t_hex8(&t, flags);
    t_str(&t, " (known bits 0x03), hop ");
    t_dec(&t, hop);
    t_str(&t, " (0 or 1..10)");
    error_end(n, &t);
    return;
  }
  n->stream_flags = flags;
  if (hop) n->hop = hop;
  n->stats.frames_ok++;
  send_ack(n, f);
}

static void on_frame(node_t *n, const proto_frame_t *f) {
  switch (f->type) {
    case PROTO_HELLO:
      /* An optional byte asks for INFO version 2 (a v1 host sends none and gets the 88-byte INFO it knows). */
      if (f->len > 1) {
        text_t t = error_begin(n, PROTO_ERR_BAD_LENGTH, f->type, f->seq);
        t_str(&t, "HELLO (seq ");
        t_dec(&t, f->seq);
        t_str(&t, "): payload is ");
        t_dec(&t, f->len);
        t_str(&t, " bytes, expected 0 or 1");
        error_end(n, &t);
        return;
      }
      n->stats.frames_ok++;
      send_info(n, f->len ? f->payload[0] : 1);
      return;
    case PROTO_CSI_WINDOW:
      if (!check_len(n, f, PROTO_LEN_CSI_WINDOW)) return;
      n->stats.frames_ok++;
      run_window(n, f);
      return;
    case PROTO_GET_STATS:
      if (!check_len(n, f, 0)) return;
      n->stats.frames_ok++;
      send_stats(n);
      return;
    case PROTO_STREAM_START:
      if (!check_len(n, f, PROTO_LEN_STREAM_START)) return;
      stream_start(n, f);
      return;
    case PROTO_STREAM_STOP:
      if (!check_len(n, f, 0)) return;
      n->stream_flags = 0;
      n->stats.frames_ok++;
      send_ack(n, f);
      return;
    case PROTO_RESET_STATS:
      if (!check_len(n, f, 0)) return;
      memset(&n->stats, 0, sizeof n->stats);
      n->csi_layouts_seen = 0;
      n->stats.frames_ok++;
      send_ack(n, f);
      return;
    default: {
      text_t t = error_begin(n, PROTO_ERR_UNKNOWN_TYPE, f->type, f->seq);
      t_str(&t, "unknown message type ");
      t_hex8(&t, f->type);
      t_str(&t, " (seq ");
      t_dec(&t, f->seq);
      t_str(&t, ")");
      error_end(n, &t);
    }
  }
}

static void on_rx(node_t *n, proto_rx_t rx) {
  const proto_frame_t *f = &n->dec.frame;
  text_t t;
  switch (rx) {
    case PROTO_RX_NONE: return;
    case PROTO_RX_FRAME: on_frame(n, f); return;
    case PROTO_RX_BAD_CRC: n->stats.frames_bad_crc++; return;
    case PROTO_RX_BAD_FRAMING:
    case PROTO_RX_OVERSIZE: n->stats.frames_bad_framing++; return;
    case PROTO_RX_BAD_MAGIC:
      t = error_begin(n, PROTO_ERR_BAD_MAGIC, f->type, f->seq);
      t_str(&t, "bad magic (expected 'PE')");
      error_end(n, &t);
      return;
    case PROTO_RX_BAD_VERSION:
      t = error_begin(n, PROTO_ERR_BAD_VERSION, f->type, f->seq);
      t_str(&t, "protocol version ");
      t_dec(&t, f->version);
      t_str(&t, " not supported (node speaks 1)");
      error_end(n, &t);
      return;
    case PROTO_RX_BAD_LENGTH:
      t = error_begin(n, PROTO_ERR_BAD_LENGTH, f->type, f->seq);
      t_str(&t, "header length ");
      t_dec(&t, f->len);
      t_str(&t, " disagrees with the frame");
      error_end(n, &t);
      return;
  }
}

void node_feed(node_t *n, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) on_rx(n, proto_decoder_push(&n->dec, data[i]));
}

void node_note_dropped(node_t *n, uint32_t count) {
  n->stats.packets_captured += count;
  n->stats.packets_dropped += count;
}

void node_note_queue_depth(node_t *n, uint32_t depth) {
  if (depth > n->stats.queue_high_water) n->stats.queue_high_water = depth;
}

static void send_csi_packet(node_t *n, const csi_slot_t *s) {
  uint8_t *p = n->payload;
  proto_put_u32(p, n->packet_seq);
  proto_put_u32(p + 4, s->timestamp_us);
  for (int l = 0; l < CSI_LINKS; l++) p[8 + l] = (uint8_t)s->rssi[l];
  p[11] = s->link_mask;
  for (int l = 0; l < CSI_LINKS; l++)
    for (int k = 0; k < CSI_SUBCARRIERS; k++)
      proto_put_u16(p + 12 + 2 * (l * CSI_SUBCARRIERS + k), (uint16_t)s->amp[l][k]);
  send(n, PROTO_CSI_PACKET, PROTO_LEN_CSI_PACKET);
}

void node_on_csi(node_t *n, const csi_packet_t *p) {
  n->stats.packets_captured++;
  n->csi_layout = p->layout;
  if (p->layout < 32) n->csi_layouts_seen |= 1u << p->layout;
  if (csi_to_amplitudes(p, n->amp) != CSI_OK) {
    n->stats.packets_dropped++;
    return;
  }
  const csi_slot_t *slot = window_add(&n->wb, p->link, n->amp, p->rssi, p->timestamp_us);
  if (!slot) return;
  if (n->stream_flags & PROTO_STREAM_CSI_PACKETS) send_csi_packet(n, slot);
  n->packet_seq++;
  n->slots_since_window++;
  if (!(n->stream_flags & PROTO_STREAM_KEYPOINTS) || !window_ready(&n->wb) || n->slots_since_window < n->hop)
    return;
  n->slots_since_window = 0;
  window_extract(&n->wb, n->window);
  uint32_t cycles = driver_infer(&n->plat, n->window, n->out);
  n->stats.inferences++;
  send_keypoints(n, n->live_window_seq++, cycles);
}
