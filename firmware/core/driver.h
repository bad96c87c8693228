/* The inference driver: runs the model on one window and measures it with the platform's cycle counter. */
#ifndef POSE_EDGE_DRIVER_H
#define POSE_EDGE_DRIVER_H

#include <stdint.h>

#include "platform.h"
#include "pose_model.h"

/* Returns the cycles spent in pose_model_run (counter difference, wrap-safe). */
uint32_t driver_infer(const node_platform_t *plat, const int16_t in[POSE_MODEL_INPUT_LEN],
                      int16_t out[POSE_MODEL_OUTPUT_LEN]);

#endif
