/* Host timing harness of `pose-edge bench`: one process, gcc -O2, one thread.
 *   time_host WINDOWS.bin N RUNS OUT.bin
 * WINDOWS.bin holds N windows in the model input format (3420 int16, host byte order). The program first
 * runs every window once and writes the N outputs (34 int16 each) to OUT.bin, so the accuracy of exactly the
 * timed code is scored; then it warms up and times RUNS single inferences (cycling over the windows), each
 * between two CLOCK_MONOTONIC reads, and prints one line: "median_ns p10_ns p90_ns runs". A whole-batch
 * time divided by RUNS would hide the distribution; per-call clock reads cost ~20 ns, far below one run. */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pose_model.h"

#define WARMUP_RUNS 200

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s WINDOWS.bin N RUNS OUT.bin\n", argv[0]);
        return 2;
    }
    const long n = atol(argv[2]), runs = atol(argv[3]);
    if (n <= 0 || runs <= 0) {
        fprintf(stderr, "time_host: N and RUNS must be positive\n");
        return 2;
    }
    int16_t *windows = malloc((size_t)n * POSE_MODEL_INPUT_LEN * sizeof *windows);
    int16_t *outs = malloc((size_t)n * POSE_MODEL_OUTPUT_LEN * sizeof *outs);
    uint64_t *times = malloc((size_t)runs * sizeof *times);
    if (!windows || !outs || !times) return 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(windows, sizeof *windows * POSE_MODEL_INPUT_LEN, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "time_host: %s: cannot read %ld windows\n", argv[1], n);
        return 3;
    }
    fclose(f);
    for (long i = 0; i < n; i++) pose_model_run(windows + i * POSE_MODEL_INPUT_LEN, outs + i * POSE_MODEL_OUTPUT_LEN);
    f = fopen(argv[4], "wb");
    if (!f || fwrite(outs, sizeof *outs * POSE_MODEL_OUTPUT_LEN, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        fprintf(stderr, "time_host: %s: cannot write the outputs\n", argv[4]);
        return 3;
    }
    for (long r = 0; r < WARMUP_RUNS; r++) pose_model_run(windows + (r % n) * POSE_MODEL_INPUT_LEN, outs);
    for (long r = 0; r < runs; r++) {
        const int16_t *in = windows + (r % n) * POSE_MODEL_INPUT_LEN;
        const uint64_t t0 = now_ns();
        pose_model_run(in, outs + (r % n) * POSE_MODEL_OUTPUT_LEN);
        times[r] = now_ns() - t0;
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_u64);
    printf("%llu %llu %llu %ld\n", (unsigned long long)times[runs / 2], (unsigned long long)times[runs / 10],
           (unsigned long long)times[runs * 9 / 10], runs);
    return 0;
}
