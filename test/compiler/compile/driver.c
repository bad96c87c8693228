/* Test driver for a generated pose_model component: reads int16 input windows (POSE_MODEL_INPUT_LEN values
 * each, native byte order) from argv[1] and writes one int16 output row per window to argv[2]. */
#include <stdio.h>
#include "pose_model.h"

int main(int argc, char **argv)
{
    static int16_t x[POSE_MODEL_INPUT_LEN];
    static int16_t y[POSE_MODEL_OUTPUT_LEN];
    FILE *in, *out;
    if (argc != 3) {
        fprintf(stderr, "usage: %s windows.bin outputs.bin\n", argv[0]);
        return 2;
    }
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror("open");
        return 2;
    }
    while (fread(x, sizeof x, 1, in) == 1) {
        pose_model_run(x, y);
        if (fwrite(y, sizeof y, 1, out) != 1) {
            perror("write");
            return 2;
        }
    }
    fclose(in);
    return fclose(out) == 0 ? 0 : 2;
}
