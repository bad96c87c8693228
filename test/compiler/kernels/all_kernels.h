/* Every kernel header of templates/c/kernels, for the hand-written C test drivers of this folder (the
 * generated component's pose_kernels.h lists the headers of the compiler's kernels instead). */
#ifndef ALL_KERNELS_H
#define ALL_KERNELS_H

#include "kernels/pk_base.h"
#include "kernels/pk_normalize.h"
#include "kernels/pk_linear.h"
#include "kernels/pk_add.h"
#include "kernels/pk_relu.h"
#include "kernels/pk_lut.h"
#include "kernels/pk_layernorm.h"
#include "kernels/pk_softmax.h"
#include "kernels/pk_attention.h"
#include "kernels/pk_attention_pool.h"
#include "kernels/pk_matmul_const.h"
#include "kernels/pk_quantize.h"

#endif /* ALL_KERNELS_H */
