// The exact op sequence micro lowers to, so any change in what the back end receives is visible in review
// (the catalogue in src/compiler/ir/fused-ops.md lists the same sequence).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadOnnx } from '../../../src/compiler/onnx/load.ts';
import { lower } from '../../../src/compiler/lower.ts';
import { MODELS_DIR } from '../../../src/paths.ts';
import { formatGraph } from '../../../src/compiler/ir/print.ts';

function describeOps(path: string): string[] {
  const g = lower(loadOnnx(path).model, path);
  return g.nodes.map((n) => {
    switch (n.op) {
      case 'pe.Linear':
        return `pe.Linear ${n.attrs.inFeatures}->${n.attrs.outFeatures} x${n.attrs.tokens}${n.attrs.inputPerm ? ` perm ${n.attrs.inputPerm.join('')}` : ''}${n.attrs.weightTransposed ? ' T' : ''}`;
      case 'pe.Attention':
        return `pe.Attention H${n.attrs.heads} D${n.attrs.headDim} T${n.attrs.tokens} qkv ${n.attrs.q.offset}/${n.attrs.k.offset}/${n.attrs.v.offset}`;
      case 'pe.LayerNorm':
        return `pe.LayerNorm ${n.attrs.size}`;
      case 'pe.AttentionPool':
        return `pe.AttentionPool T${n.attrs.tokens} d${n.attrs.dim}`;
      case 'pe.MatMulConst':
        return `pe.MatMulConst ${n.attrs.rows}x${n.attrs.inner} . ${n.attrs.cols}`;
      case 'pe.Reshape':
        return `pe.Reshape [${n.attrs.shape.join(',')}]`;
      default:
        return n.op;
    }
  });
}

describe('lowered op sequence', () => {
  it('micro', () => {
    expect(describeOps(join(MODELS_DIR, 'micro', 'micro.onnx'))).toEqual([
      'pe.MinMaxNormalize',
      'pe.FakeQuant',
      'pe.Linear 342->64 x10 perm 0312 T',
      'Add',
      'pe.FakeQuant',
      'pe.Linear 64->192 x10 T',
      'pe.Attention H2 D32 T10 qkv 0/64/128',
      'pe.FakeQuant',
      'pe.Linear 64->64 x10 T',
      'Add',
      'pe.LayerNorm 64',
      'pe.FakeQuant',
      'pe.Linear 64->128 x10 T',
      'pe.Gelu',
      'pe.Linear 128->64 x10 T',
      'Add',
      'pe.LayerNorm 64',
      'pe.Linear 64->1 x10 T',
      'pe.AttentionPool T10 d64',
      'pe.Linear 64->192 x1',
      'pe.Gelu',
      'pe.Linear 192->34 x1',
      'pe.Reshape [1,17,2]',
      'pe.MatMulConst 17x17 . 2',
      'pe.Linear 2->16 x17 T',
      'pe.Gelu',
      'pe.MatMulConst 17x17 . 16',
      'pe.Linear 16->2 x17 T',
      'Add',
    ]);
  });

  it('nano: the same encoder and pooling, no graph refinement', () => {
    expect(describeOps(join(MODELS_DIR, 'nano', 'nano.onnx'))).toEqual([
      'pe.MinMaxNormalize',
      'pe.Linear 342->48 x10 perm 0312 T',
      'Add',
      'pe.Linear 48->144 x10 T',
      'pe.Attention H2 D24 T10 qkv 0/48/96',
      'pe.Linear 48->48 x10 T',
      'Add',
      'pe.LayerNorm 48',
      'pe.Linear 48->64 x10 T',
      'pe.Gelu',
      'pe.Linear 64->48 x10 T',
      'Add',
      'pe.LayerNorm 48',
      'pe.Linear 48->1 x10 T',
      'pe.AttentionPool T10 d48',
      'pe.Linear 48->96 x1',
      'pe.Gelu',
      'pe.Linear 96->34 x1',
      'pe.Reshape [1,17,2]',
    ]);
  });

  it('prints a readable listing naming shapes and ONNX sources', () => {
    const text = formatGraph(lower(loadOnnx(join(MODELS_DIR, 'micro', 'micro.onnx')).model));
    expect(text.split('\n')[0]).toBe('inputs: csi[1,3,114,10]');
    expect(text).toContain('pe.Linear /proj/Linear: /Div_output_0_q[1,3,114,10], onnx::MatMul_');
    expect(text).toContain('pe.FakeQuant /QuantizeLinear: /Div_output_0[1,3,114,10]');
    expect(text).toContain('<- /Transpose, /Reshape, /proj/MatMul, /proj/Add');
    expect(text.split('\n').at(-1)).toBe('outputs: keypoints[1,17,2]');
  });

  it('keeps the ONNX node names of every fused node and the graph output name', () => {
    const g = lower(loadOnnx(join(MODELS_DIR, 'micro', 'micro.onnx')).model);
    expect(g.outputs).toEqual(['keypoints']);
    const attn = g.nodes.find((n) => n.op === 'pe.Attention')!;
    expect(attn.sources).toContain('/layers.0/attn/Softmax');
    const proj = g.nodes.find((n) => n.op === 'pe.Linear')!;
    expect(proj.sources).toEqual(['/Transpose', '/Reshape', '/proj/MatMul', '/proj/Add']);
    expect(proj.attrs.biasInitializer).toBe('proj.bias');
    // The weight keeps a link to its ONNX initializer, stored [in,out] by torch's MatMul export.
    expect(g.tensors.get(proj.attrs.weightInitializer)).toBeUndefined();
    expect(g.tensors.get(proj.inputs[1])!.shape).toEqual([64, 342]);
  });
});
