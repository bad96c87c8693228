/* Frame codec of docs/protocol.md. The decoder is a byte-at-a-time state machine over one static buffer
 * so the node never allocates and resynchronises at the next 0x00 whatever came before it. */
#include "proto.h"

#include <string.h>

uint32_t proto_crc32(const uint8_t *data, size_t len) {
  /* Reflected CRC-32 (poly 0xEDB88320) with a 16-entry nibble table: 64 bytes of flash instead of the
   * usual 1 KB, and four times fewer steps than bit by bit. */
  static const uint32_t nibble[16] = {
      0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; i++) {
    crc ^= data[i];
    crc = (crc >> 4) ^ nibble[crc & 15u];
    crc = (crc >> 4) ^ nibble[crc & 15u];
  }
  return crc ^ 0xFFFFFFFFu;
}

size_t proto_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
  if (cap == 0) return 0;
  size_t code_pos = 0, o = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < len; i++) {
    if (in[i] != 0) {
      if (o >= cap) return 0;
      out[o++] = in[i];
      code++;
    }
    if (in[i] == 0 || code == 0xFF) {
      out[code_pos] = code;
      /* A full 254-byte run at the very end needs no extra empty block. */
      if (in[i] != 0 && i + 1 == len) return o;
      if (o >= cap) return 0;
      code_pos = o++;
      code = 1;
    }
  }
  out[code_pos] = code;
  return o;
}

long proto_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
  size_t i = 0, o = 0;
  while (i < len) {
    uint8_t code = in[i++];
    if (code == 0) return -1;
    size_t run = (size_t)code - 1u;
    if (run > len - i) return -1;
    if (o + run > cap) return -1;
    if (memchr(in + i, 0, run)) return -1; /* a zero is only legal as the delimiter */
    /* memmove: decoding in place, the output never overtakes the input. */
    memmove(out + o, in + i, run);
    o += run;
    i += run;
    if (code != 0xFF && i < len) {
      if (o >= cap) return -1;
      out[o++] = 0;
    }
  }
  return (long)o;
}

size_t proto_encode(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t payload_len,
                    uint8_t *out, size_t cap) {
  if (payload_len > PROTO_MAX_PAYLOAD) return 0;
  size_t body_len = PROTO_HEADER_LEN + payload_len + PROTO_CRC_LEN;
  if (cap < PROTO_WIRE_MAX(payload_len)) return 0;
  /* Build the body at the tail of out, then COBS-encode it towards the front: the encoded stream is at
   * most one byte per 254 longer, and starts 1 byte after the leading delimiter, so it never overtakes
   * the bytes it still has to read. */
  uint8_t *body = out + cap - body_len;
  body[0] = PROTO_MAGIC0;
  body[1] = PROTO_MAGIC1;
  body[2] = PROTO_VERSION;
  body[3] = type;
  proto_put_u16(body + 4, seq);
  proto_put_u16(body + 6, payload_len);
  if (payload_len) memmove(body + PROTO_HEADER_LEN, payload, payload_len);
  proto_put_u32(body + PROTO_HEADER_LEN + payload_len, proto_crc32(body, PROTO_HEADER_LEN + payload_len));
  out[0] = 0;
  size_t enc = proto_cobs_encode(body, body_len, out + 1, cap - 2);
  if (enc == 0) return 0;
  out[1 + enc] = 0;
  return enc + 2;
}

void proto_decoder_init(proto_decoder_t *d) {
  d->n = 0;
  d->overflow = 0;
  memset(&d->frame, 0, sizeof d->frame);
}

static proto_rx_t finish_frame(proto_decoder_t *d) {
  size_t n = d->n;
  d->n = 0;
  long len = proto_cobs_decode(d->buf, n, d->buf, sizeof d->buf);
  memset(&d->frame, 0, sizeof d->frame);
  if (len < (long)(PROTO_HEADER_LEN + PROTO_CRC_LEN)) return PROTO_RX_BAD_FRAMING;
  size_t body = (size_t)len - PROTO_CRC_LEN;
  if (proto_crc32(d->buf, body) != proto_get_u32(d->buf + body)) return PROTO_RX_BAD_CRC;
  d->frame.version = d->buf[2];
  d->frame.type = d->buf[3];
  d->frame.seq = proto_get_u16(d->buf + 4);
  d->frame.len = proto_get_u16(d->buf + 6);
  d->frame.payload = d->buf + PROTO_HEADER_LEN;
  if (d->buf[0] != PROTO_MAGIC0 || d->buf[1] != PROTO_MAGIC1) return PROTO_RX_BAD_MAGIC;
  if (d->frame.version != PROTO_VERSION) return PROTO_RX_BAD_VERSION;
  if ((size_t)d->frame.len != body - PROTO_HEADER_LEN) return PROTO_RX_BAD_LENGTH;
  return PROTO_RX_FRAME;
}

proto_rx_t proto_decoder_push(proto_decoder_t *d, uint8_t byte) {
  if (byte == 0) {
    if (d->overflow) {
      d->overflow = 0;
      d->n = 0;
      return PROTO_RX_OVERSIZE;
    }
    if (d->n == 0) return PROTO_RX_NONE;
    return finish_frame(d);
  }
  if (d->overflow) return PROTO_RX_NONE;
  if (d->n >= sizeof d->buf) {
    d->overflow = 1;
    d->n = 0;
    return PROTO_RX_NONE;
  }
  d->buf[d->n++] = byte;
  return PROTO_RX_NONE;
}
