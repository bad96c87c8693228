// Every way a user's model can fall outside what the front end supports ends in a typed error whose message
// names the node (or input/tensor), its op type and what exactly is unsupported. Small bad graphs are built
// here with onnx-proto.
import { describe, expect, it } from 'vitest';
import { onnx } from 'onnx-proto';
import { lower } from '../../../src/compiler/lower.ts';
import { GraphError, ShapeError, UnsupportedOpError } from '../../../src/compiler/ir/errors.ts';
import { PoseEdgeError } from '../../../src/cli/errors.ts';
import { buildModel, floatTensor, int64Tensor, type ModelSpec } from './onnx-builder.ts';

function fails(spec: ModelSpec, type: new (...a: never[]) => Error, message: string): void {
  const run = (): unknown => lower(buildModel(spec), 'bad.onnx');
  expect(run).toThrow(type);
  expect(run).toThrow(message);
  // Every front-end error is a PoseEdgeError, so the CLI prints it as one clean line.
  expect(run).toThrow(PoseEdgeError);
}

const io = { inputs: [['x', ['B', 4]]] as ModelSpec['inputs'], outputs: [['y']] as ModelSpec['outputs'] };

describe('front-end errors name the node, its op and what is unsupported', () => {
  it('an unsupported op', () => {
    fails({ ...io, nodes: [{ name: '/lstm/LSTM', op: 'LSTM', inputs: ['x'], outputs: ['y'] }] }, UnsupportedOpError, 'bad.onnx: node "/lstm/LSTM" (LSTM): op LSTM is not supported by the compiler (supported: ');
  });

  it('a node in a non-default domain', () => {
    fails(
      { ...io, nodes: [{ name: '/fused', op: 'FusedMatMul', domain: 'com.microsoft', inputs: ['x', 'x'], outputs: ['y'] }] },
      UnsupportedOpError,
      'bad.onnx: node "/fused" (FusedMatMul) is in domain "com.microsoft"; only the default ONNX domain is supported',
    );
  });

  it('ONNX local functions', () => {
    const fn: onnx.IFunctionProto = { name: 'MyGelu', domain: 'custom', input: ['a'], output: ['b'], node: [{ opType: 'Relu', input: ['a'], output: ['b'] }] };
    fails({ ...io, functions: [fn], nodes: [{ name: '/act', op: 'MyGelu', domain: 'custom', inputs: ['x'], outputs: ['y'] }] }, UnsupportedOpError, 'bad.onnx: the model defines ONNX local functions (custom.MyGelu), which are not supported');
  });

  it('an opset outside 13..18', () => {
    fails({ ...io, opset: 11, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }, UnsupportedOpError, 'bad.onnx: ONNX opset 11 is not supported (the compiler accepts opsets 13 to 18)');
  });

  it('Gemm with transA=1', () => {
    fails(
      { ...io, initializers: [floatTensor('w', [4, 3], new Array(12).fill(0))], nodes: [{ name: '/fc/Gemm', op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transA: 1 } }] },
      UnsupportedOpError,
      'bad.onnx: node "/fc/Gemm" (Gemm): transA=1 is not supported',
    );
  });

  it('a Cast to an element type the compiler does not carry', () => {
    fails({ ...io, nodes: [{ name: '/half', op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 10 } }] }, UnsupportedOpError, 'bad.onnx: node "/half" (Cast): cast to ONNX element type 10 is not supported');
  });

  it('LayerNormalization asked for its Mean output', () => {
    fails(
      { ...io, initializers: [floatTensor('g', [4], [1, 1, 1, 1])], nodes: [{ name: '/ln', op: 'LayerNormalization', inputs: ['x', 'g'], outputs: ['y', 'mean'] }] },
      UnsupportedOpError,
      'bad.onnx: node "/ln" (LayerNormalization): the Mean and InvStdDev outputs are not supported (only Y)',
    );
  });

  it('a missing required attribute', () => {
    fails({ ...io, nodes: [{ name: '/cat', op: 'Concat', inputs: ['x', 'x'], outputs: ['y'] }] }, UnsupportedOpError, 'bad.onnx: node "/cat" (Concat): required attribute axis is missing');
  });

  it('a dynamic dimension other than the batch', () => {
    fails({ inputs: [['x', ['B', 'T']]], outputs: [['y']], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }, ShapeError, 'bad.onnx: graph input "x" dimension 1 is dynamic ("T"); only the batch dimension (0) may be dynamic');
  });

  it('a Reshape whose target shape depends on run-time data', () => {
    fails(
      {
        ...io,
        nodes: [
          { name: '/n/ReduceMax', op: 'ReduceMax', inputs: ['x'], outputs: ['m'], attrs: { keepdims: 0 } },
          { name: '/n/Cast', op: 'Cast', inputs: ['m'], outputs: ['s'], attrs: { to: 7 } },
          { name: '/n/Unsqueeze', op: 'Unsqueeze', inputs: ['s', 'ax'], outputs: ['s1'] },
          { name: '/n/Reshape', op: 'Reshape', inputs: ['x', 's1'], outputs: ['y'] },
        ],
        initializers: [int64Tensor('ax', [1], [0])],
      },
      ShapeError,
      'bad.onnx: node "/n/Reshape" (Reshape): the shape input is computed from run-time data, so the output shape cannot be resolved statically',
    );
  });

  it('shapes that do not broadcast', () => {
    fails({ ...io, initializers: [floatTensor('b', [3], [1, 2, 3])], nodes: [{ name: '/bias/Add', op: 'Add', inputs: ['x', 'b'], outputs: ['y'] }] }, ShapeError, 'bad.onnx: node "/bias/Add" (Add): shapes [1,4] and [3] do not broadcast');
  });

  it('a MatMul with mismatched inner dims', () => {
    fails(
      { ...io, initializers: [floatTensor('w', [3, 2], new Array(6).fill(0))], nodes: [{ name: '/fc/MatMul', op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }] },
      ShapeError,
      'bad.onnx: node "/fc/MatMul" (MatMul): cannot multiply [1,4] by [3,2] (inner dims 4 and 3)',
    );
  });

  it('a Reshape to an impossible shape', () => {
    fails(
      { ...io, initializers: [int64Tensor('s', [2], [3, -1])], nodes: [{ name: '/r', op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }] },
      ShapeError,
      'bad.onnx: node "/r" (Reshape): cannot reshape [1,4] to [3,-1]',
    );
  });

  it('a node reading a tensor nothing defines', () => {
    fails({ ...io, nodes: [{ name: '/a', op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'] }] }, GraphError, 'bad.onnx: node "/a" (Add) reads "ghost", which no earlier node, input or initializer defines');
  });

  it('a declared output shape that contradicts inference', () => {
    fails({ inputs: [['x', ['B', 4]]], outputs: [['y', ['B', 5]]], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }, ShapeError, 'bad.onnx: graph output "y" is declared [B,5] but shape inference gives [1,4]');
  });

  it('initializer data stored outside the file', () => {
    const ext: onnx.ITensorProto = { name: 'w', dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] };
    fails({ ...io, initializers: [ext], nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }] }, UnsupportedOpError, 'bad.onnx: initializer "w": tensor "w" stores its data outside the model file');
  });
});
