/* One captured CSI packet and its conversion to the model's 114 amplitudes (docs/protocol.md, "CSI on the
 * node"). The platform fills csi_packet_t from the Wi-Fi driver's wifi_csi_info_t; the core never sees
 * driver types, so the same conversion runs on the node, the virtual node and in the tests. */
#ifndef POSE_EDGE_CSI_H
#define POSE_EDGE_CSI_H

#include <stdint.h>

#define CSI_LINKS 3
#define CSI_SUBCARRIERS 114
/* Largest buffer the ESP32 family delivers with LLTF + HT-LTF + STBC-HT-LTF enabled (HT40 STBC). */
#define CSI_MAX_BUF 612
/* The buffer starts with the legacy LTF (64 subcarriers, 128 bytes); the HT-LTF follows it. */
#define CSI_HTLTF_OFFSET 128

typedef struct {
  uint8_t link;               /* 0..2: which transmitter (the platform maps source MACs to links) */
  int8_t rssi;                /* rx_ctrl.rssi, dBm */
  uint8_t ht;                 /* rx_ctrl.sig_mode != 0: an HT (802.11n) packet */
  uint8_t ht40;               /* rx_ctrl.cwb == 1: 40 MHz channel bandwidth */
  uint8_t first_word_invalid; /* the first 4 bytes of buf are garbage (the driver says so) */
  uint8_t channel;            /* rx_ctrl.channel */
  uint16_t len;               /* bytes used in buf */
  uint32_t timestamp_us;      /* rx_ctrl.timestamp */
  int8_t buf[CSI_MAX_BUF];    /* int8 pairs, imaginary first then real, per subcarrier in FFT order */
} csi_packet_t;

typedef enum {
  CSI_OK = 0,
  CSI_NOT_HT,      /* legacy (11a/g) packet: its LTF has only 52 tones; dropped */
  CSI_TOO_SHORT,   /* len shorter than the HT-LTF the bandwidth implies */
  CSI_BAD_LINK     /* link outside 0..CSI_LINKS-1 */
} csi_status_t;

/* |h| of one (imag, real) pair in the model's input format: sat_int16(round(sqrt(i^2 + q^2) * 2^F)), F =
 * POSE_MODEL_INPUT_FRAC_BITS, computed with an exact integer square root (no float on the node). */
int16_t csi_amplitude_q(int8_t im, int8_t re);

/* HT40: the 114 occupied HT-LTF tones -58..-2, +2..+58 (pilots included), ascending frequency.
 * HT20: the 56 tones -28..-1, +1..+28, linearly interpolated onto 114 points (integer, rounded).
 * out is in the model input format. */
csi_status_t csi_to_amplitudes(const csi_packet_t *p, int16_t out[CSI_SUBCARRIERS]);

#endif
