/* Host per-op profile of the generated kernel: profile_host WINDOWS.bin N RUNS
 * Runs RUNS inferences after a warm-up (cycling over N windows) with the per-op hooks timing each op, and
 * prints one line per op: "index mean_ns". The clock reads add ~20-40 ns per op, so the sum exceeds hostUs;
 * the shares are what this is for. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "profile_hooks.h"
#include "pose_model.h"

#define MAX_OPS 256
static uint64_t total[MAX_OPS], started;
static int counting;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void pm_prof_begin(int index)
{
    (void)index;
    started = now_ns();
}

void pm_prof_end(int index)
{
    if (counting && index >= 0 && index < MAX_OPS) total[index] += now_ns() - started;
}

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    const long n = atol(argv[2]), runs = atol(argv[3]);
    int16_t *windows = malloc((size_t)n * POSE_MODEL_INPUT_LEN * sizeof *windows);
    int16_t out[POSE_MODEL_OUTPUT_LEN];
    FILE *f = fopen(argv[1], "rb");
    if (n <= 0 || runs <= 0 || !windows || !f || fread(windows, sizeof *windows * POSE_MODEL_INPUT_LEN, (size_t)n, f) != (size_t)n) return 3;
    fclose(f);
    for (long r = 0; r < 200; r++) pose_model_run(windows + (r % n) * POSE_MODEL_INPUT_LEN, out);
    counting = 1;
    for (long r = 0; r < runs; r++) pose_model_run(windows + (r % n) * POSE_MODEL_INPUT_LEN, out);
    for (int i = 0; i < MAX_OPS; i++)
        if (total[i]) printf("%d %.1f\n", i, (double)total[i] / (double)runs);
    return 0;
}
