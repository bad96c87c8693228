/* CSI I/Q -> amplitude conversion and subcarrier selection, one table row per buffer layout (csi.h).
 *
 * Sources of the layouts (docs/protocol.md, "CSI buffer layouts", states them with the evidence):
 * ESP32/S2/S3/C3 from the ESP-IDF v5.5 Wi-Fi guide's table; C6 and C5 from Espressif's own parsers
 * (esp-csi examples/get-started/tools/csi_data_read_parse_c5.py / _c6.py) and captured rows, which show
 * the C5/C6 LTF in ascending frequency with the zero tones in the middle (the guide's C5 table lists the
 * FFT order 0..58, -58..-1 instead; the data do not). */
#include "csi.h"

#include "pose_model.h"

static const csi_layout_info_t LAYOUTS[CSI_LAYOUT_COUNT] = {
    /*                               name                len  offset entries zero            rule */
    [CSI_LAYOUT_NONHT] = {"nonht", 128, 0, 64, CSI_FFT_ORDER, CSI_RULE_NONE},
    [CSI_LAYOUT_HT20] = {"ht20", 256, 128, 64, CSI_FFT_ORDER, CSI_RULE_HT20},
    [CSI_LAYOUT_HT20_STBC] = {"ht20-stbc", 384, 128, 64, CSI_FFT_ORDER, CSI_RULE_HT20},
    /* With a secondary channel the 20 MHz packet's LTF is indexed on the 40 MHz grid: below 0..63, above
     * -64..-1, the packet's centre at +32 / -32, so tone t is entry 32 + t in both. */
    [CSI_LAYOUT_HT20_BELOW] = {"ht20-below", 256, 128, 64, 32, CSI_RULE_HT20},
    [CSI_LAYOUT_HT20_ABOVE] = {"ht20-above", 256, 128, 64, 32, CSI_RULE_HT20},
    /* STBC: below 0..62 (tone t at 32 + t), above -62..-1 (tone t at -32 + t + 62 = 30 + t). */
    [CSI_LAYOUT_HT20_STBC_BELOW] = {"ht20-stbc-below", 380, 128, 63, 32, CSI_RULE_HT20},
    [CSI_LAYOUT_HT20_STBC_ABOVE] = {"ht20-stbc-above", 376, 128, 62, 30, CSI_RULE_HT20},
    [CSI_LAYOUT_HT40_BELOW] = {"ht40-below", 384, 128, 128, CSI_FFT_ORDER, CSI_RULE_HT40},
    [CSI_LAYOUT_HT40_ABOVE] = {"ht40-above", 384, 128, 128, CSI_FFT_ORDER, CSI_RULE_HT40},
    /* HT40 STBC: 0..60, -60..-1 (121 entries) per LTF. */
    [CSI_LAYOUT_HT40_STBC_BELOW] = {"ht40-stbc-below", 612, 128, 121, CSI_FFT_ORDER, CSI_RULE_HT40},
    [CSI_LAYOUT_HT40_STBC_ABOVE] = {"ht40-stbc-above", 612, 128, 121, CSI_FFT_ORDER, CSI_RULE_HT40},
    /* ESP32-C6: one LTF over the whole FFT, ascending: HT20 -32..31, HT40 -64..63, HE20 -128..127. */
    [CSI_LAYOUT_C6_NONHT] = {"c6-nonht", 106, 0, 53, 26, CSI_RULE_NONE},
    [CSI_LAYOUT_C6_HT20] = {"c6-ht20", 128, 0, 64, 32, CSI_RULE_HT20},
    [CSI_LAYOUT_C6_HT40] = {"c6-ht40", 256, 0, 128, 64, CSI_RULE_HT40},
    [CSI_LAYOUT_C6_HE20] = {"c6-he20", 512, 0, 256, 128, CSI_RULE_HE20},
    /* ESP32-C5: one LTF over the occupied tones only, ascending: HT20 -28..28, HT40 -58..58, HE20
     * -122..122; STBC layouts hold HT-LTF1 then HT-LTF2, the first is used. */
    [CSI_LAYOUT_C5_NONHT] = {"c5-nonht", 106, 0, 53, 26, CSI_RULE_NONE},
    [CSI_LAYOUT_C5_HT20] = {"c5-ht20", 114, 0, 57, 28, CSI_RULE_HT20},
    [CSI_LAYOUT_C5_HT20_STBC] = {"c5-ht20-stbc", 228, 0, 57, 28, CSI_RULE_HT20},
    [CSI_LAYOUT_C5_HT40] = {"c5-ht40", 234, 0, 117, 58, CSI_RULE_HT40},
    [CSI_LAYOUT_C5_HT40_STBC] = {"c5-ht40-stbc", 468, 0, 117, 58, CSI_RULE_HT40},
    [CSI_LAYOUT_C5_HE20] = {"c5-he20", 490, 0, 245, 122, CSI_RULE_HE20},
};

const csi_layout_info_t *csi_layout_info(unsigned layout) {
  if (layout == CSI_LAYOUT_UNKNOWN || layout >= CSI_LAYOUT_COUNT) return 0;
  return &LAYOUTS[layout];
}

static csi_layout_t if_len(csi_layout_t l, unsigned len) { return LAYOUTS[l].len == len ? l : CSI_LAYOUT_UNKNOWN; }

csi_layout_t csi_layout_legacy(unsigned sig_mode, unsigned cwb, unsigned stbc, unsigned secondary, unsigned len) {
  if (sig_mode == 0) return if_len(CSI_LAYOUT_NONHT, len);
  if (secondary > 2) return CSI_LAYOUT_UNKNOWN;
  if (cwb) {
    if (secondary == 0) return CSI_LAYOUT_UNKNOWN; /* 40 MHz needs a secondary channel */
    if (secondary == 2) return if_len(stbc ? CSI_LAYOUT_HT40_STBC_BELOW : CSI_LAYOUT_HT40_BELOW, len);
    return if_len(stbc ? CSI_LAYOUT_HT40_STBC_ABOVE : CSI_LAYOUT_HT40_ABOVE, len);
  }
  static const csi_layout_t ht20[3][2] = {
      {CSI_LAYOUT_HT20, CSI_LAYOUT_HT20_STBC},
      {CSI_LAYOUT_HT20_ABOVE, CSI_LAYOUT_HT20_STBC_ABOVE},
      {CSI_LAYOUT_HT20_BELOW, CSI_LAYOUT_HT20_STBC_BELOW},
  };
  return if_len(ht20[secondary][stbc ? 1 : 0], len);
}

csi_layout_t csi_layout_he(csi_family_t family, unsigned bb_format, unsigned len) {
  /* The length alone tells the layouts of one chip apart; the format must agree with it. */
  static const csi_layout_t c6[] = {CSI_LAYOUT_C6_NONHT, CSI_LAYOUT_C6_HT20, CSI_LAYOUT_C6_HT40, CSI_LAYOUT_C6_HE20};
  static const csi_layout_t c5[] = {CSI_LAYOUT_C5_NONHT, CSI_LAYOUT_C5_HT20, CSI_LAYOUT_C5_HT20_STBC,
                                    CSI_LAYOUT_C5_HT40, CSI_LAYOUT_C5_HT40_STBC, CSI_LAYOUT_C5_HE20};
  const csi_layout_t *rows = family == CSI_FAMILY_C6 ? c6 : c5;
  unsigned n = family == CSI_FAMILY_C6 ? sizeof c6 / sizeof c6[0] : sizeof c5 / sizeof c5[0];
  if (family != CSI_FAMILY_C6 && family != CSI_FAMILY_C5) return CSI_LAYOUT_UNKNOWN;
  for (unsigned i = 0; i < n; i++) {
    if (LAYOUTS[rows[i]].len != len) continue;
    uint8_t rule = LAYOUTS[rows[i]].rule;
    int ok = rule == CSI_RULE_NONE ? bb_format <= 1 : rule == CSI_RULE_HE20 ? bb_format == 4 : bb_format == 2 || bb_format == 3;
    return ok ? rows[i] : CSI_LAYOUT_UNKNOWN;
  }
  return CSI_LAYOUT_UNKNOWN;
}

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

/* Amplitude of tone `tone` of packet p laid out as row l. */
static int16_t tone_amp(const csi_packet_t *p, const csi_layout_info_t *l, int tone) {
  int entry = l->zero == CSI_FFT_ORDER ? (tone >= 0 ? tone : l->entries + tone) : tone + l->zero;
  int byte = l->offset + 2 * entry;
  if (p->first_word_invalid && byte < 4) byte = 4; /* bytes 0..3 are garbage: use the next entry */
  return csi_amplitude_q(p->buf[byte], p->buf[byte + 1]);
}

/* n source values onto 114 points: output j at source position j * (n - 1) / 113, Q16 position and weights,
 * rounded half up (values are >= 0). */
static void interpolate(const int16_t *src, int n, int16_t out[CSI_SUBCARRIERS]) {
  for (int j = 0; j < CSI_SUBCARRIERS; j++) {
    uint32_t pos = (uint32_t)((((uint64_t)j * (uint64_t)(n - 1)) << 16) / (CSI_SUBCARRIERS - 1));
    uint32_t i0 = pos >> 16, frac = pos & 0xFFFFu;
    uint32_t a = (uint16_t)src[i0], b = (uint16_t)src[i0 + 1 < (uint32_t)n ? i0 + 1 : i0];
    out[j] = (int16_t)(((uint64_t)a * (65536u - frac) + (uint64_t)b * frac + 32768u) >> 16);
  }
}

csi_status_t csi_to_amplitudes(const csi_packet_t *p, int16_t out[CSI_SUBCARRIERS]) {
  if (p->link >= CSI_LINKS) return CSI_BAD_LINK;
  const csi_layout_info_t *l = csi_layout_info(p->layout);
  if (!l || l->rule == CSI_RULE_NONE) return CSI_NOT_USED;
  if (p->len != l->len) return CSI_BAD_LENGTH;
  if (l->rule == CSI_RULE_HT40) {
    int k = 0;
    for (int tone = -58; tone <= 58; tone++)
      if (tone <= -2 || tone >= 2) out[k++] = tone_amp(p, l, tone); /* DC and its neighbours carry nothing */
    return CSI_OK;
  }
  /* 20 MHz: the occupied tones in ascending frequency, without the null ones around DC, then interpolated. */
  int16_t src[242];
  int edge = l->rule == CSI_RULE_HT20 ? 28 : 122, gap = l->rule == CSI_RULE_HT20 ? 1 : 2, n = 0;
  for (int tone = -edge; tone <= edge; tone++)
    if (tone <= -gap || tone >= gap) src[n++] = tone_amp(p, l, tone);
  interpolate(src, n, out);
  return CSI_OK;
}
