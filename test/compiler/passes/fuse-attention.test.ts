import { describe, expect, it } from 'vitest';
import { canonicalizeViews } from '../../../src/compiler/passes/canonicalize-views.ts';
import { foldConstants } from '../../../src/compiler/passes/fold-constants.ts';
import { fuseAttention } from '../../../src/compiler/passes/fuse-attention.ts';
import { floatTensor, int64Tensor, type ModelSpec, type NodeSpec } from '../onnx/onnx-builder.ts';
import { applyPass, opsOf } from './harness.ts';

const T = 4, H = 2, D = 3, C = H * D;
const prep = [foldConstants, canonicalizeViews];

/** Softmax(q k^T * s) v and the head merge, as torch exports the core after q, k, v are [1,H,T,D]. */
function core(q: string, kT: string, v: string, scaleOp: 'Mul' | 'Div', softmaxAxis = -1): NodeSpec[] {
  return [
    { name: '/attn/MatMul', op: 'MatMul', inputs: [q, kT], outputs: ['logits'] },
    { name: `/attn/${scaleOp}`, op: scaleOp, inputs: ['logits', 'scale'], outputs: ['scaled'] },
    { name: '/attn/Softmax', op: 'Softmax', inputs: ['scaled'], outputs: ['p'], attrs: { axis: softmaxAxis } },
    { name: '/attn/MatMul_1', op: 'MatMul', inputs: ['p', v], outputs: ['o'] },
    { name: '/attn/Transpose_out', op: 'Transpose', inputs: ['o'], outputs: ['ot'], attrs: { perm: [0, 2, 1, 3] } },
    { name: '/attn/Reshape_out', op: 'Reshape', inputs: ['ot', 'merged'], outputs: ['y'] },
  ];
}

/** Packed qkv [1,T,3C] -> Reshape [1,T,3,H,D] -> Transpose [2,0,3,1,4] -> Gather 0/1/2 (our reference model's export). */
function gatherForm(softmaxAxis = -1): ModelSpec {
  return {
    inputs: [['qkv', [1, T, 3 * C]]],
    outputs: [['y', [1, T, C]]],
    initializers: [
      int64Tensor('split5', [5], [1, T, 3, H, D]),
      int64Tensor('merged', [3], [1, T, C]),
      int64Tensor('i0', [], [0]),
      int64Tensor('i1', [], [1]),
      int64Tensor('i2', [], [2]),
      floatTensor('scale', [], [1 / Math.sqrt(D)]),
    ],
    nodes: [
      { name: '/attn/Reshape', op: 'Reshape', inputs: ['qkv', 'split5'], outputs: ['r'] },
      { name: '/attn/Transpose', op: 'Transpose', inputs: ['r'], outputs: ['t'], attrs: { perm: [2, 0, 3, 1, 4] } },
      { name: '/attn/Gather', op: 'Gather', inputs: ['t', 'i0'], outputs: ['q'], attrs: { axis: 0 } },
      { name: '/attn/Gather_1', op: 'Gather', inputs: ['t', 'i1'], outputs: ['k'], attrs: { axis: 0 } },
      { name: '/attn/Gather_2', op: 'Gather', inputs: ['t', 'i2'], outputs: ['v'], attrs: { axis: 0 } },
      { name: '/attn/Transpose_1', op: 'Transpose', inputs: ['k'], outputs: ['kT'], attrs: { perm: [0, 1, 3, 2] } },
      ...core('q', 'kT', 'v', 'Mul', softmaxAxis),
    ],
  };
}

/** qkv.chunk(3, -1) -> Slice x3 -> view [1,T,H,D] -> transpose (k straight to [1,H,D,T]), scale by Div. */
function chunkForm(): ModelSpec {
  const slice = (name: string, start: number, out: string): NodeSpec => ({ name, op: 'Slice', inputs: ['qkv', `s${start}`, `e${start}`, 'axisLast'], outputs: [out] });
  const heads = (name: string, src: string, out: string, perm: number[]): NodeSpec[] => [
    { name: `${name}/Reshape`, op: 'Reshape', inputs: [src, 'heads4'], outputs: [`${out}_r`] },
    { name: `${name}/Transpose`, op: 'Transpose', inputs: [`${out}_r`], outputs: [out], attrs: { perm } },
  ];
  return {
    inputs: [['qkv', [1, T, 3 * C]]],
    outputs: [['y', [1, T, C]]],
    initializers: [
      ...[0, C, 2 * C].flatMap((s) => [int64Tensor(`s${s}`, [1], [s]), int64Tensor(`e${s}`, [1], [s + C])]),
      int64Tensor('axisLast', [1], [-1]),
      int64Tensor('heads4', [4], [1, T, H, D]),
      int64Tensor('merged', [3], [1, T, C]),
      floatTensor('scale', [], [Math.sqrt(D)]),
    ],
    nodes: [
      slice('/attn/Slice', 0, 'qs'),
      slice('/attn/Slice_1', C, 'ks'),
      slice('/attn/Slice_2', 2 * C, 'vs'),
      ...heads('/attn/q', 'qs', 'q', [0, 2, 1, 3]),
      ...heads('/attn/k', 'ks', 'kT', [0, 2, 3, 1]),
      ...heads('/attn/v', 'vs', 'v', [0, 2, 1, 3]),
      ...core('q', 'kT', 'v', 'Div'),
    ],
  };
}

/** Separate q, k, v projections (three [1,T,C] tensors), each viewed as heads. */
function separateForm(): ModelSpec {
  const heads = (src: string, out: string, perm: number[]): NodeSpec[] => [
    { name: `/attn/${src}/Reshape`, op: 'Reshape', inputs: [src, 'heads4'], outputs: [`${out}_r`] },
    { name: `/attn/${src}/Transpose`, op: 'Transpose', inputs: [`${out}_r`], outputs: [out], attrs: { perm } },
  ];
  return {
    inputs: [['q_in', [1, T, C]], ['k_in', [1, T, C]], ['v_in', [1, T, C]]],
    outputs: [['y', [1, T, C]]],
    initializers: [int64Tensor('heads4', [4], [1, T, H, D]), int64Tensor('merged', [3], [1, T, C]), floatTensor('scale', [], [0.25])],
    nodes: [...heads('q_in', 'q', [0, 2, 1, 3]), ...heads('k_in', 'kT', [0, 2, 3, 1]), ...heads('v_in', 'v', [0, 2, 1, 3]), ...core('q', 'kT', 'v', 'Mul')],
  };
}

describe('fuse-attention', () => {
  it('fuses separate q, k and v projections (three operands at offset 0)', async () => {
    const g = await applyPass(separateForm(), prep, fuseAttention, [-3, 3]);
    expect(opsOf(g)).toEqual(['pe.Attention']);
    expect(g.nodes[0].inputs).toEqual(['q_in', 'k_in', 'v_in']);
    expect(g.nodes[0].attrs).toMatchObject({ scale: 0.25, q: { offset: 0, headStride: D }, k: { offset: 0, headStride: D }, v: { offset: 0, headStride: D } });
  });

  it('fuses the Reshape/Transpose/Gather form of our reference export', async () => {
    const g = await applyPass(gatherForm(), prep, fuseAttention, [-3, 3]);
    expect(opsOf(g)).toEqual(['pe.Attention']);
    const n = g.nodes[0];
    expect(n.inputs).toEqual(['qkv', 'qkv', 'qkv']);
    expect(n.attrs).toMatchObject({ heads: H, headDim: D, tokens: T, q: { offset: 0, headStride: D }, k: { offset: C, headStride: D }, v: { offset: 2 * C, headStride: D } });
    expect(n.attrs.scale).toBeCloseTo(1 / Math.sqrt(D), 6);
    expect(n.outputs).toEqual(['y']);
    expect(n.sources).toContain('/attn/Softmax');
    expect(n.sources).toHaveLength(12);
  });

  it('fuses the chunk/Slice form with the scale as a Div', async () => {
    const g = await applyPass(chunkForm(), prep, fuseAttention, [-3, 3]);
    expect(opsOf(g)).toEqual(['pe.Attention']);
    expect(g.nodes[0].attrs).toMatchObject({ q: { offset: 0, headStride: D }, k: { offset: C, headStride: D }, v: { offset: 2 * C, headStride: D } });
    expect(g.nodes[0].attrs.scale).toBeCloseTo(1 / Math.sqrt(D), 6);
  });

  it('does not fuse a softmax over the query axis (not self-attention as defined)', async () => {
    const g = await applyPass(gatherForm(2), prep, fuseAttention, [-3, 3]);
    expect(opsOf(g)).toContain('Softmax');
    expect(opsOf(g)).not.toContain('pe.Attention');
  });
});
