#include "driver.h"

uint32_t driver_infer(const node_platform_t *plat, const int16_t in[POSE_MODEL_INPUT_LEN],
                      int16_t out[POSE_MODEL_OUTPUT_LEN]) {
  uint32_t t0 = plat->cycles ? plat->cycles(plat->ctx) : 0;
  pose_model_run(in, out);
  uint32_t t1 = plat->cycles ? plat->cycles(plat->ctx) : 0;
  return t1 - t0; /* unsigned subtraction survives one counter wrap */
}
