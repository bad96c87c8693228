// The op registry: ONE explicit map from op type to its definition. Import accepts exactly the ONNX ops
// listed here (those with `parse`); the `pe.` entries are the fused ops of ../ir/fused-ops.md.
import type { OpDef } from './types.ts';
import { Add } from './add.ts';
import { Attention } from './pe-attention.ts';
import { AveragePool } from './average-pool.ts';
import { BatchNormalization } from './batch-normalization.ts';
import { AttentionPool } from './pe-attention-pool.ts';
import { Cast } from './cast.ts';
import { Clip } from './clip.ts';
import { Concat } from './concat.ts';
import { Constant } from './constant.ts';
import { ConstantOfShape } from './constant-of-shape.ts';
import { Conv } from './conv.ts';
import { Div } from './div.ts';
import { Equal } from './equal.ts';
import { Erf } from './erf.ts';
import { Expand } from './expand.ts';
import { Flatten } from './flatten.ts';
import { Gather } from './gather.ts';
import { GlobalAveragePool } from './global-average-pool.ts';
import { Gelu } from './pe-gelu.ts';
import { FakeQuant } from './pe-fake-quant.ts';
import { Gemm } from './gemm.ts';
import { GRU } from './gru.ts';
import { HardSigmoid } from './hard-sigmoid.ts';
import { HardSwish } from './hard-swish.ts';
import { Identity } from './identity.ts';
import { LayerNorm } from './pe-layer-norm.ts';
import { LayerNormalization } from './layer-normalization.ts';
import { Linear } from './pe-linear.ts';
import { MatMul } from './matmul.ts';
import { MatMulConst } from './pe-matmul-const.ts';
import { MaxPool } from './max-pool.ts';
import { MinMaxNormalize } from './pe-min-max-normalize.ts';
import { Mul } from './mul.ts';
import { Pow } from './pow.ts';
import { ReduceMax } from './reduce-max.ts';
import { ReduceMean } from './reduce-mean.ts';
import { ReduceMin } from './reduce-min.ts';
import { ReduceSum } from './reduce-sum.ts';
import { Relu } from './relu.ts';
import { Reshape } from './reshape.ts';
import { Shape } from './shape.ts';
import { Sigmoid } from './sigmoid.ts';
import { Slice } from './slice.ts';
import { Softmax } from './softmax.ts';
import { Split } from './split.ts';
import { Sqrt } from './sqrt.ts';
import { Squeeze } from './squeeze.ts';
import { Sub } from './sub.ts';
import { Tanh } from './tanh.ts';
import { Transpose } from './transpose.ts';
import { Unsqueeze } from './unsqueeze.ts';
import { ViewReshape } from './pe-reshape.ts';
import { Where } from './where.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const OPS: ReadonlyMap<string, OpDef<any>> = new Map<string, OpDef<any>>([
  ['Add', Add],
  ['AveragePool', AveragePool],
  ['BatchNormalization', BatchNormalization],
  ['Cast', Cast],
  ['Clip', Clip],
  ['Concat', Concat],
  ['Constant', Constant],
  ['ConstantOfShape', ConstantOfShape],
  ['Conv', Conv],
  ['Div', Div],
  ['Equal', Equal],
  ['Erf', Erf],
  ['Expand', Expand],
  ['Flatten', Flatten],
  ['Gather', Gather],
  ['GlobalAveragePool', GlobalAveragePool],
  ['Gemm', Gemm],
  ['GRU', GRU],
  ['HardSigmoid', HardSigmoid],
  ['HardSwish', HardSwish],
  ['Identity', Identity],
  ['LayerNormalization', LayerNormalization],
  ['MatMul', MatMul],
  ['MaxPool', MaxPool],
  ['Mul', Mul],
  ['Pow', Pow],
  ['ReduceMax', ReduceMax],
  ['ReduceMean', ReduceMean],
  ['ReduceMin', ReduceMin],
  ['ReduceSum', ReduceSum],
  ['Relu', Relu],
  ['Reshape', Reshape],
  ['Shape', Shape],
  ['Sigmoid', Sigmoid],
  ['Slice', Slice],
  ['Softmax', Softmax],
  ['Split', Split],
  ['Sqrt', Sqrt],
  ['Squeeze', Squeeze],
  ['Sub', Sub],
  ['Tanh', Tanh],
  ['Transpose', Transpose],
  ['Unsqueeze', Unsqueeze],
  ['Where', Where],
  ['pe.Attention', Attention],
  ['pe.AttentionPool', AttentionPool],
  ['pe.Gelu', Gelu],
  ['pe.FakeQuant', FakeQuant],
  ['pe.LayerNorm', LayerNorm],
  ['pe.Linear', Linear],
  ['pe.MatMulConst', MatMulConst],
  ['pe.MinMaxNormalize', MinMaxNormalize],
  ['pe.Reshape', ViewReshape],
]);

/** The ONNX op types import accepts, sorted (for error messages and docs). */
export const ONNX_OPS: readonly string[] = [...OPS].filter(([, d]) => d.parse !== undefined).map(([k]) => k).sort();
