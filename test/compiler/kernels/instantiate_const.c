/* Every kernel of pose_kernels.h as the generated code calls it: constant sizes and quantization
 * parameters, buffers in a static arena, each kernel called exactly once (instantiate.c holds the
 * run-time-argument calls; a kernel called from both would not be specialized), so gcc specializes each
 * kernel for its constants as it does in pose_model.c. That is where some warnings appear
 * (-Waggressive-loop-optimizations on a loop tail after a blocked loop, seen on pk_attention_i16_i16
 * with hd = 32). Sizes of the model family (T = 10 tokens, d = 64, 2 heads of 32, the 342-wide
 * projection, the 1-token head, the 17-keypoint refinement) and odd ones that leave loop tails. */
#include "all_kernels.h"

#define PK_INSTANCE(NAME, CALL)                                                                          \
    void pk_const_##NAME(void);                                                                          \
    void pk_const_##NAME(void) { CALL; }

static int8_t arena8[8192];
static int16_t arena16[8192];
static int32_t arena32[256];
static const uint8_t cw4[192 * 171];
static const int8_t cw8[192 * 342];
static const int16_t ca16[17 * 17 + 257];
static const int16_t cx16[3420];
static const int16_t cbias16[192];
static const int16_t cbeta16[128];
static const int32_t cmult[1] = {1252141860};
static const int8_t cshift[1] = {14};
#define QM 1252141860
#define QS 14
#define SM 1489985973
#define SS 10
#define LIN_C(W, X, Y, WP, T, IN, OUT)                                                                   \
    PK_INSTANCE(linear_w##W##_i##X##_i##Y##_##T##_##IN##_##OUT,                                          \
                pk_linear_w##W##_i##X##_i##Y(arena##X, T, IN, IN, c##WP, cbias16, 2, OUT, cmult, cshift, 0,  \
                                             -128, 127, arena##Y + 4096, OUT))
LIN_C(4, 8, 8, w4, 10, 342, 64) LIN_C(4, 8, 16, w4, 10, 64, 64) LIN_C(4, 16, 8, w4, 10, 64, 192)
LIN_C(4, 16, 16, w4, 1, 64, 192) LIN_C(8, 8, 8, w8, 7, 3, 5) LIN_C(8, 8, 16, w8, 17, 2, 16)
LIN_C(8, 16, 8, w8, 11, 33, 1) LIN_C(8, 16, 16, w8, 17, 16, 2)

#define ATT_C(X, Y, T, H, HD)                                                                            \
    PK_INSTANCE(attention_i##X##_i##Y##_##T##_##H##_##HD,                                                \
                pk_attention_i##X##_i##Y(arena##X, arena##X + H * HD, arena##X + 2 * H * HD, 3 * H * HD, T, H, HD, \
                                         X / 4 - 2, SM, SS, QM, QS, -128, 127, arena32, arena##Y + 4096, H * HD))
ATT_C(8, 8, 10, 2, 32) ATT_C(8, 16, 10, 4, 24) ATT_C(16, 8, 9, 1, 6) ATT_C(16, 16, 10, 2, 32)

#define POOL_C(X, Y, T, D)                                                                               \
    PK_INSTANCE(pool_i##X##_i##Y##_##T##_##D,                                                            \
                pk_attention_pool_i##X##_i##Y(arena##X, T, D, D, arena16 + 2048, SM, SS, QM, QS, -128, 127,  \
                                              arena32, arena##Y + 4096))
POOL_C(8, 8, 10, 64) POOL_C(8, 16, 10, 64) POOL_C(16, 8, 10, 48) POOL_C(16, 16, 10, 96)

#define LN_C(X, Y, T, D)                                                                                 \
    PK_INSTANCE(layernorm_i##X##_i##Y##_##T##_##D,                                                       \
                pk_layernorm_i##X##_i##Y(arena##X, T, D, D, 587641348, ca16, cbeta16, 23, QM, QS, -128, 127,   \
                                         arena##Y + 4096, D))
LN_C(8, 8, 10, 64) LN_C(8, 16, 10, 48) LN_C(16, 8, 10, 96) LN_C(16, 16, 10, 64)

#define MM_C(X, Y, K)                                                                                    \
    PK_INSTANCE(matmul_i##X##_i##Y##_##K,                                                                \
                pk_matmul_const_left_i##X##_i##Y(ca16, arena##X, 17, 17, K, QM, QS, -128, 127, arena##Y + 4096))
MM_C(8, 8, 2) MM_C(8, 16, 16) MM_C(16, 8, 5) MM_C(16, 16, 2) MM_C(16, 16, 16)

PK_INSTANCE(minmax_i8_const, pk_minmax_normalize_i8(cx16, 342, 10, arena8))
PK_INSTANCE(minmax_i16_const, pk_minmax_normalize_i16(cx16, 342, 10, arena16))
PK_INSTANCE(softmax_i16_const, pk_softmax_row_i16(arena16, 10, SM, SS, arena16 + 4096))
PK_INSTANCE(add_const, pk_add_i16_i8_i16(arena16, arena8, 640, QM, QM / 3, QS, -32768, 32767, arena16 + 4096))
PK_INSTANCE(lut16_const, pk_lut16_interp_i16(arena16, 192, ca16, arena16 + 4096))
