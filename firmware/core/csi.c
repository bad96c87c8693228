/* CSI I/Q -> amplitude conversion and subcarrier selection; see csi.h for the tone choice. */
#include "csi.h"

#include "pose_model.h"

static uint64_t isqrt_round(uint64_t v) {
  /* floor(sqrt(v)) by the bitwise method, then round to nearest: sqrt(v) > r + 1/2 <=> v > r^2 + r (v is an
   * integer, so an exact half never happens and "nearest" needs no tie rule). */
  uint64_t r = 0, bit = (uint64_t)1 << 62;
  while (bit > v) bit >>= 2;
  while (bit) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  /* v now holds the remainder v0 - r^2. */
  return v > r ? r + 1 : r;
}

int16_t csi_amplitude_q(int8_t im, int8_t re) {
  uint64_t p = (uint64_t)((int32_t)im * im + (int32_t)re * re) << (2 * POSE_MODEL_INPUT_FRAC_BITS);
  uint64_t a = isqrt_round(p);
  return (int16_t)(a > 32767u ? 32767u : a);
}

/* Amplitude of FFT bin `bin` of an HT-LTF with `nfft` bins starting at byte CSI_HTLTF_OFFSET. */
static int16_t bin_amp(const csi_packet_t *p, int tone, int nfft) {
  int bin = tone >= 0 ? tone : nfft + tone;
  const int8_t *pair = p->buf + CSI_HTLTF_OFFSET + 2 * bin;
  return csi_amplitude_q(pair[0], pair[1]);
}

csi_status_t csi_to_amplitudes(const csi_packet_t *p, int16_t out[CSI_SUBCARRIERS]) {
  if (p->link >= CSI_LINKS) return CSI_BAD_LINK;
  if (!p->ht) return CSI_NOT_HT;
  if (p->ht40) {
    if (p->len < CSI_HTLTF_OFFSET + 2 * 128) return CSI_TOO_SHORT;
    int k = 0;
    for (int tone = -58; tone <= 58; tone++) {
      if (tone >= -1 && tone <= 1) continue; /* DC and its neighbours carry no data in HT40 */
      out[k++] = bin_amp(p, tone, 128);
    }
    return CSI_OK;
  }
  if (p->len < CSI_HTLTF_OFFSET + 2 * 64) return CSI_TOO_SHORT;
  int16_t src[56];
  int k = 0;
  for (int tone = -28; tone <= 28; tone++) {
    if (tone == 0) continue;
    src[k++] = bin_amp(p, tone, 64);
  }
  /* Output j sits at source position j * 55 / 113; weights in Q16, rounded half up (values are >= 0). */
  for (int j = 0; j < CSI_SUBCARRIERS; j++) {
    uint32_t pos = (uint32_t)((((uint64_t)j * 55u) << 16) / 113u);
    uint32_t i0 = pos >> 16, frac = pos & 0xFFFFu;
    uint32_t a = (uint16_t)src[i0], b = (uint16_t)src[i0 + 1 < 56 ? i0 + 1 : i0];
    out[j] = (int16_t)(((uint64_t)a * (65536u - frac) + (uint64_t)b * frac + 32768u) >> 16);
  }
  return CSI_OK;
}
