/* PLACEHOLDER kernel (see pose_model.h). Shaped like the real one so the firmware builds exercise the same
 * kinds of work: the window's integer min-max normalisation to 8-bit activations in one static arena, then
 * 34 dot products with fixed int4-range weights (w = ((7 i + 3 o) mod 15) - 7), requantised to the output
 * format with one rounding shift in 64-bit arithmetic. Deterministic and integer-only. */
#include "pose_model.h"

static uint8_t arena[POSE_MODEL_ARENA_BYTES];

static int16_t sat16(int64_t v) { return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v); }

void pose_model_run(const int16_t input[POSE_MODEL_INPUT_LEN], int16_t output[POSE_MODEL_OUTPUT_LEN]) {
  int32_t lo = input[0], hi = input[0];
  for (int i = 1; i < POSE_MODEL_INPUT_LEN; i++) {
    if (input[i] < lo) lo = input[i];
    if (input[i] > hi) hi = input[i];
  }
  uint32_t range = (uint32_t)(hi - lo) + 1u;
  for (int i = 0; i < POSE_MODEL_INPUT_LEN; i++) {
    /* (x - min) * 255 / (max - min + 1): 0..254, the placeholder's stand-in for the normalisation. */
    arena[i] = (uint8_t)(((uint32_t)(input[i] - lo) * 255u) / range);
  }
  for (int o = 0; o < POSE_MODEL_OUTPUT_LEN; o++) {
    int32_t acc = 0;
    int w = (3 * o) % 15;
    for (int i = 0; i < POSE_MODEL_INPUT_LEN; i++) {
      acc += (int32_t)arena[i] * (w - 7);
      w += 7;
      if (w >= 15) w -= 15;
    }
    /* Map the accumulator to roughly 0..1 in Q12 around 0.5: 2048 + acc / 64, rounded half away. */
    int64_t a = acc;
    int64_t q = a >= 0 ? (a + 32) >> 6 : -((-a + 32) >> 6);
    output[o] = sat16(2048 + q);
  }
}
