/* One captured CSI packet and its conversion to the model's 114 amplitudes (docs/protocol.md, "CSI on the
 * node"). The platform fills csi_packet_t from the Wi-Fi driver's wifi_csi_info_t and names the buffer's
 * layout (csi_layout_legacy / csi_layout_he below); the core never sees driver types, so the same
 * conversion runs on the node, the virtual node and in the tests. */
#ifndef POSE_EDGE_CSI_H
#define POSE_EDGE_CSI_H

#include <stdint.h>

#define CSI_LINKS 3
#define CSI_SUBCARRIERS 114
/* Largest buffer any layout below has (ESP32/S3/C3 HT40 STBC with LLTF + HT-LTF + STBC-HT-LTF). */
#define CSI_MAX_BUF 612

/* Every buffer layout the supported chips deliver with the firmware's CSI configuration
 * (main/csi_capture.c). The numbers are stable: recordings (PECSREC2) and INFO carry them. One row each in
 * the table of csi.c, which says where the tones are and how they become 114 amplitudes. */
typedef enum {
  CSI_LAYOUT_UNKNOWN = 0,
  /* ESP32, S2, S3, C3: LLTF, then HT-LTF, then STBC-HT-LTF; named by packet type and secondary channel. */
  CSI_LAYOUT_NONHT = 1,           /* 128: LLTF only (any secondary channel) */
  CSI_LAYOUT_HT20 = 2,            /* 256, no secondary channel */
  CSI_LAYOUT_HT20_STBC = 3,       /* 384, no secondary channel */
  CSI_LAYOUT_HT20_BELOW = 4,      /* 256, secondary channel below */
  CSI_LAYOUT_HT20_ABOVE = 5,      /* 256, secondary channel above */
  CSI_LAYOUT_HT20_STBC_BELOW = 6, /* 380 */
  CSI_LAYOUT_HT20_STBC_ABOVE = 7, /* 376 */
  CSI_LAYOUT_HT40_BELOW = 8,      /* 384 */
  CSI_LAYOUT_HT40_ABOVE = 9,      /* 384 */
  CSI_LAYOUT_HT40_STBC_BELOW = 10, /* 612 */
  CSI_LAYOUT_HT40_STBC_ABOVE = 11, /* 612 */
  /* ESP32-C6 (Wi-Fi 6, MAC version 2): one LTF, subcarriers in ascending frequency. */
  CSI_LAYOUT_C6_NONHT = 12, /* 106 */
  CSI_LAYOUT_C6_HT20 = 13,  /* 128 */
  CSI_LAYOUT_C6_HT40 = 14,  /* 256 */
  CSI_LAYOUT_C6_HE20 = 15,  /* 512 */
  /* ESP32-C5 (Wi-Fi 6, 2.4 and 5 GHz, MAC version 3): one LTF, ascending frequency. The C61 has the same MAC
   * version and CSI API; its buffers are taken to be the C5's (not verified). */
  CSI_LAYOUT_C5_NONHT = 16,     /* 106 */
  CSI_LAYOUT_C5_HT20 = 17,      /* 114 (VHT20 too) */
  CSI_LAYOUT_C5_HT20_STBC = 18, /* 228: HT-LTF1, HT-LTF2 */
  CSI_LAYOUT_C5_HT40 = 19,      /* 234 */
  CSI_LAYOUT_C5_HT40_STBC = 20, /* 468 */
  CSI_LAYOUT_C5_HE20 = 21,      /* 490 */
  CSI_LAYOUT_COUNT
} csi_layout_t;

/* How a layout's tones become the model's 114 inputs. */
typedef enum {
  CSI_RULE_NONE = 0, /* legacy (11a/g) packet: 52 tones; not used */
  CSI_RULE_HT40,     /* tones -58..-2, +2..+58: exactly 114, in ascending frequency */
  CSI_RULE_HT20,     /* tones -28..-1, +1..+28 (56), linearly interpolated onto 114 points */
  CSI_RULE_HE20      /* tones -122..-2, +2..+122 (242), linearly interpolated onto 114 points */
} csi_rule_t;

/* Where tones sit in a layout's buffer. Each value is an int8 pair, imaginary then real. */
typedef struct {
  const char *name;  /* e.g. "ht40-below", "c6-ht40" (docs/protocol.md) */
  uint16_t len;      /* bytes the driver delivers */
  uint16_t offset;   /* byte offset of the LTF the model's tones are read from */
  uint16_t entries;  /* subcarrier entries in that LTF */
  /* Entry of tone 0: entry = tone + zero for ascending order. CSI_FFT_ORDER: entries are in FFT order
   * 0..n-1 then -n..-1 (n = entries - entries/2), i.e. entry = tone >= 0 ? tone : entries + tone. */
  int16_t zero;
  uint8_t rule;      /* csi_rule_t */
} csi_layout_info_t;

#define CSI_FFT_ORDER (-1)

/* The row of a layout, or 0 for CSI_LAYOUT_UNKNOWN and out-of-range values. */
const csi_layout_info_t *csi_layout_info(unsigned layout);

/* Layout of a packet on an ESP32 / S2 / S3 / C3, from wifi_pkt_rx_ctrl_t: sig_mode (0 non-HT, 1 HT, 3 VHT),
 * cwb (0 20 MHz, 1 40 MHz), stbc, secondary_channel (0 none, 1 above, 2 below), and the buffer length,
 * which must be the layout's. CSI_LAYOUT_UNKNOWN for anything else. */
csi_layout_t csi_layout_legacy(unsigned sig_mode, unsigned cwb, unsigned stbc, unsigned secondary, unsigned len);

typedef enum { CSI_FAMILY_C6 = 6, CSI_FAMILY_C5 = 5 } csi_family_t;
/* Layout of a packet on an ESP32-C6 (family C6) or a Wi-Fi MAC version 3 chip, C5 or C61 (family C5), from
 * esp_wifi_rxctrl_t.cur_bb_format (RX_BB_FORMAT_*: 0 11b, 1 11g/a, 2 HT, 3 VHT, 4 HE SU) and the buffer length
 * (which tells HT20 from HT40, and STBC). */
csi_layout_t csi_layout_he(csi_family_t family, unsigned bb_format, unsigned len);

typedef struct {
  uint8_t link;               /* 0..2: which transmitter (the platform maps source MACs to links) */
  int8_t rssi;                /* rx_ctrl.rssi, dBm */
  uint8_t layout;             /* csi_layout_t */
  uint8_t first_word_invalid; /* the first 4 bytes of buf are garbage (the driver says so) */
  uint8_t channel;            /* rx_ctrl.channel */
  uint16_t len;               /* bytes used in buf */
  uint32_t timestamp_us;      /* rx_ctrl.timestamp */
  int8_t buf[CSI_MAX_BUF];    /* int8 pairs, imaginary first then real, per subcarrier */
} csi_packet_t;

typedef enum {
  CSI_OK = 0,
  CSI_NOT_USED,    /* a layout the model does not use (legacy 11a/g packet), or an unknown one; dropped */
  CSI_BAD_LENGTH,  /* len is not the layout's */
  CSI_BAD_LINK     /* link outside 0..CSI_LINKS-1 */
} csi_status_t;

/* |h| of one (imag, real) pair in the model's input format: sat_int16(round(sqrt(i^2 + q^2) * 2^F)), F =
 * POSE_MODEL_INPUT_FRAC_BITS, computed with an exact integer square root (no float on the node). */
int16_t csi_amplitude_q(int8_t im, int8_t re);

/* The packet's 114 amplitudes in the model input format, by its layout's rule. With first_word_invalid the
 * entries in bytes 0..3 read as the entry that follows them (only C5 layouts use tones there). */
csi_status_t csi_to_amplitudes(const csi_packet_t *p, int16_t out[CSI_SUBCARRIERS]);

#endif
