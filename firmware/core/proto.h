/* pose-edge wire protocol v1 (docs/protocol.md): COBS framing, 8-byte header, CRC-32 (IEEE).
 * Portable C: no malloc, no stdio, no platform includes. Every multi-byte field is little-endian. */
#ifndef POSE_EDGE_PROTO_H
#define POSE_EDGE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC0 0x50u /* 'P' */
#define PROTO_MAGIC1 0x45u /* 'E' */
#define PROTO_VERSION 1u
#define PROTO_HEADER_LEN 8u
#define PROTO_CRC_LEN 4u
/* The largest payload is CSI_WINDOW: u32 window seq + 3420 int16. */
#define PROTO_MAX_PAYLOAD 6848u
#define PROTO_MAX_BODY (PROTO_HEADER_LEN + PROTO_MAX_PAYLOAD + PROTO_CRC_LEN)
/* COBS adds one code byte per started run of 254 non-zero bytes, plus one. */
#define PROTO_COBS_MAX(n) ((n) + (n) / 254u + 1u)
#define PROTO_MAX_ENCODED PROTO_COBS_MAX(PROTO_MAX_BODY)
/* On the wire a frame is 0x00, COBS(header | payload | crc), 0x00. */
#define PROTO_WIRE_MAX(payload_len) (2u + PROTO_COBS_MAX(PROTO_HEADER_LEN + (payload_len) + PROTO_CRC_LEN))
#define PROTO_MAX_WIRE PROTO_WIRE_MAX(PROTO_MAX_PAYLOAD)

/* Message types: host -> node below 0x80, node -> host from 0x80. */
enum proto_type {
  PROTO_HELLO = 0x01,
  PROTO_CSI_WINDOW = 0x02,
  PROTO_GET_STATS = 0x03,
  PROTO_STREAM_START = 0x04,
  PROTO_STREAM_STOP = 0x05,
  PROTO_RESET_STATS = 0x06,
  PROTO_INFO = 0x81,
  PROTO_KEYPOINTS = 0x82,
  PROTO_CSI_PACKET = 0x83,
  PROTO_STATS = 0x84,
  PROTO_ACK = 0x85,
  PROTO_ERROR = 0x86
};

enum proto_error_code {
  PROTO_ERR_UNKNOWN_TYPE = 1,
  PROTO_ERR_BAD_VERSION = 2,
  PROTO_ERR_BAD_LENGTH = 3,
  PROTO_ERR_BAD_MAGIC = 4,
  PROTO_ERR_NOT_SUPPORTED = 5,
  PROTO_ERR_BAD_ARGUMENT = 6
};

/* Fixed payload lengths (docs/protocol.md has the byte layouts). */
#define PROTO_LEN_CSI_WINDOW (4u + 2u * 3420u)
#define PROTO_LEN_STREAM_START 2u
#define PROTO_LEN_INFO 88u
/* INFO version 2 (88 bytes + CSI fields): sent when HELLO's optional 1-byte payload asks for version >= 2. */
#define PROTO_LEN_INFO_V2 96u
#define PROTO_INFO_VERSION 2u
#define PROTO_LEN_KEYPOINTS (8u + 2u * 34u)
#define PROTO_LEN_CSI_PACKET (12u + 2u * 3u * 114u)
#define PROTO_STATS_COUNTERS 9u
#define PROTO_LEN_STATS (4u * PROTO_STATS_COUNTERS)
#define PROTO_LEN_ACK 4u
#define PROTO_ERROR_FIXED 6u
#define PROTO_ERROR_TEXT_MAX 200u

#define PROTO_STREAM_CSI_PACKETS 0x01u
#define PROTO_STREAM_KEYPOINTS 0x02u

typedef struct {
  uint8_t version;
  uint8_t type;
  uint16_t seq;
  uint16_t len;
  const uint8_t *payload; /* points into the decoder; valid until the next push */
} proto_frame_t;

/* What one byte pushed into the decoder completed. Errors after the CRC check carry the header in
 * d->frame so the receiver can answer with ERROR naming the offending type and sequence number. */
typedef enum {
  PROTO_RX_NONE = 0,     /* nothing completed yet (or an empty frame between two delimiters) */
  PROTO_RX_FRAME,        /* a valid frame is in d->frame */
  PROTO_RX_BAD_FRAMING,  /* invalid COBS or shorter than header + CRC */
  PROTO_RX_OVERSIZE,     /* more than PROTO_MAX_ENCODED bytes before a delimiter */
  PROTO_RX_BAD_CRC,
  PROTO_RX_BAD_MAGIC,
  PROTO_RX_BAD_VERSION,
  PROTO_RX_BAD_LENGTH    /* header length field disagrees with the frame */
} proto_rx_t;

typedef struct {
  uint8_t buf[PROTO_MAX_ENCODED]; /* COBS bytes, decoded in place at the delimiter */
  size_t n;
  int overflow; /* discarding until the next delimiter */
  proto_frame_t frame;
} proto_decoder_t;

uint32_t proto_crc32(const uint8_t *data, size_t len);

/* COBS without the delimiter. Return the output length, or 0 if it would not fit in cap. */
size_t proto_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Decodes len COBS bytes (no delimiter) to out (may equal in). Returns the length or -1 if invalid. */
long proto_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* A whole wire frame (both delimiters). Returns its length, or 0 if payload_len is too large or the
 * frame does not fit in cap. */
size_t proto_encode(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t payload_len,
                    uint8_t *out, size_t cap);

void proto_decoder_init(proto_decoder_t *d);
proto_rx_t proto_decoder_push(proto_decoder_t *d, uint8_t byte);

static inline void proto_put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void proto_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline uint16_t proto_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t proto_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
