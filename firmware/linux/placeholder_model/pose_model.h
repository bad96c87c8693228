/* PLACEHOLDER model for building and testing the firmware before `pose-edge compile` has generated
 * firmware/components/pose_model/. It implements docs/kernel-api.md exactly, but computes a fixed
 * integer function of the window (no trained weights): never use its outputs as pose estimates. */
#ifndef POSE_MODEL_H
#define POSE_MODEL_H

#include <stdint.h>

#define POSE_MODEL_INPUT_LEN 3420
#define POSE_MODEL_OUTPUT_LEN 34
#define POSE_MODEL_INPUT_FRAC_BITS 8
#define POSE_MODEL_OUTPUT_FRAC_BITS 12
#define POSE_MODEL_WEIGHT_BITS 4
#define POSE_MODEL_ACT_BITS 8
#define POSE_MODEL_ARENA_BYTES 3420
#define POSE_MODEL_MACS 116280
/* SHA-256 of the ASCII text "pose-edge placeholder model v1" (there is no ONNX file behind it). */
#define POSE_MODEL_SHA256 "ffbb3acd2f8c9b548b2d7d9d9c40b97aa20c263d0a4c08daf520b55fdfc70096"

void pose_model_run(const int16_t input[POSE_MODEL_INPUT_LEN], int16_t output[POSE_MODEL_OUTPUT_LEN]);

#endif
