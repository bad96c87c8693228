// A hand-built ONNX graph shaped like what torch.onnx.export produces for Linear layers, with a matching
// pose-edge-qweights npz: a MatMul on a transposed, renamed copy of `fc.weight` (`onnx::MatMul_7`), two
// biases of equal shape under export names (`onnx::Add_8`, `onnx::Add_9`) that only their values tell
// apart, and a Gemm (transB=1) keeping `head.weight` / `head.bias`. The float initializers are the
// dequantized npz values plus offsets below half a quantization step, as QAT latent weights are.
//
//   x[B,4] -MatMul(onnx::MatMul_7 [4,5])-> -Add(onnx::Add_8)-> -Add(onnx::Add_9)-> -Gemm(head.weight [3,5], head.bias)-> y[B,3]
import type { onnx } from 'onnx-proto';
import { onnxPb } from '../../../src/compiler/onnx/load.ts';
import { floatTensor, int4Tensor, type Members } from './qweights-fixture.ts';

export const FC_SCALE = 0.25;
export const HEAD_SCALE = 0.5;
export const FC_Q = [1, -2, 3, -4, 5, -6, 7, -8, 0, 1, 2, 3, -1, -2, -3, 4, 6, -7, 2, 0]; // [5,4]
export const HEAD_Q = [7, -1, 0, 2, -3, 4, 5, -6, 1, 0, -8, 3, 2, -2, 1]; // [3,5]
export const FC_BIAS = [0.5, -0.25, 1, 0, 2];
export const SHIFT_BIAS = [-1, 0.75, 0.125, 3, -0.5];
export const HEAD_BIAS = [0.1, 0.2, -0.3];

/** Offsets inside half a step (0.3 and -0.4 of a step, alternating), so the ONNX differs from the npz but fits it. */
function latent(q: number[], scale: number): number[] {
  return q.map((v, i) => (v + (i % 2 === 0 ? 0.3 : -0.4)) * scale);
}

function transpose(a: number[], rows: number, cols: number): number[] {
  const out = new Array<number>(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

export function initializer(name: string, dims: number[], values: number[]): onnx.TensorProto {
  return onnxPb.TensorProto.create({ name, dims, dataType: onnxPb.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) });
}

export interface TinyOptions {
  /** Initializers to use instead of the defaults, by name. */
  replace?: Record<string, onnx.TensorProto>;
  /** Extra nodes appended before the output (e.g. an Identity carrying a deduplicated name). */
  extraNodes?: onnx.INodeProto[];
}

export function tinyModel(opts: TinyOptions = {}): onnx.ModelProto {
  const inits = [
    initializer('onnx::MatMul_7', [4, 5], transpose(latent(FC_Q, FC_SCALE), 5, 4)),
    initializer('onnx::Add_8', [5], FC_BIAS),
    initializer('onnx::Add_9', [5], SHIFT_BIAS),
    initializer('head.weight', [3, 5], latent(HEAD_Q, HEAD_SCALE)),
    initializer('head.bias', [3], HEAD_BIAS),
  ].map((t) => opts.replace?.[t.name] ?? t);
  const valueInfo = (name: string, dims: (number | string)[]) =>
    onnxPb.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
  return onnxPb.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'pose-edge-test',
    graph: {
      name: 'tiny',
      input: [valueInfo('x', ['B', 4])],
      output: [valueInfo('y', ['B', 3])],
      initializer: inits,
      node: [
        { name: '/fc/MatMul', opType: 'MatMul', input: ['x', 'onnx::MatMul_7'], output: ['h1'] },
        { name: '/fc/Add', opType: 'Add', input: ['h1', 'onnx::Add_8'], output: ['h2'] },
        { name: '/shift/Add', opType: 'Add', input: ['h2', 'onnx::Add_9'], output: ['h3'] },
        {
          name: '/head/Gemm',
          opType: 'Gemm',
          input: ['h3', 'head.weight', 'head.bias'],
          output: ['y'],
          attribute: [{ name: 'transB', type: onnxPb.AttributeProto.AttributeType.INT, i: 1 }],
        },
        ...(opts.extraNodes ?? []),
      ],
    },
  });
}

/** The npz members that belong to tinyModel(), in state_dict naming. */
export function tinyMembers(): Members {
  return {
    ...int4Tensor('fc.weight', FC_Q, [5, 4], FC_SCALE),
    ...floatTensor('fc.bias', FC_BIAS, [5]),
    ...floatTensor('shift.bias', SHIFT_BIAS, [5]),
    ...int4Tensor('head.weight', HEAD_Q, [3, 5], HEAD_SCALE),
    ...floatTensor('head.bias', HEAD_BIAS, [3]),
  };
}

/** y = ((x W_fc^T + fc.bias + shift.bias) W_head^T + head.bias) with the given weights, in float64. */
export function tinyForward(x: number[][], fcW: number[], headW: number[]): number[][] {
  return x.map((row) => {
    const h = FC_BIAS.map((b, o) => b + SHIFT_BIAS[o] + row.reduce((s, v, i) => s + v * fcW[o * 4 + i], 0));
    return HEAD_BIAS.map((b, o) => b + h.reduce((s, v, i) => s + v * headW[o * 5 + i], 0));
  });
}

export const dequant = (q: number[], scale: number): number[] => q.map((v) => v * scale);
export const latentFc = (): number[] => latent(FC_Q, FC_SCALE);
export const latentHead = (): number[] => latent(HEAD_Q, HEAD_SCALE);
