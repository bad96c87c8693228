// The quantization plan for activation-aware QAT (src/compiler/quant/qplan.ts) and the choice it feeds back:
// which Linears run on int8 copies of int16 inputs (--int8-inputs, __meta__.int8Inputs of the weights).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { compileModel, type CompileResult } from '../../../src/compiler/compile.ts';
import { encodeNpz, readNpz, type NpyData } from '../../../src/io/npy.ts';
import { DATA_DIR, MODELS_DIR } from '../../../src/paths.ts';
import { buildProgram } from '../../../src/cli/program.ts';
import { metaBytes } from './qweights-fixture.ts';

// nano: its weights were trained without a plan, so every candidate but the window is an int8 copy's
// (micro's carry QuantizeLinear/DequantizeLinear pairs instead: test/compiler/ops/fake-quant.test.ts).
const NANO = join(MODELS_DIR, 'nano', 'nano.onnx');
const NANO_W4 = join(MODELS_DIR, 'nano', 'pose_nano_int4.npz');
const CANDIDATES = ['proj', 'layers.0.attn.qkv', 'layers.0.attn.out', 'layers.0.ff.fc1', 'layers.0.ff.fc2', 'head.fc1', 'head.fc2'];

function compile(weightsPath: string, int8Inputs?: 'trained' | 'all' | 'none'): Promise<CompileResult> {
  return compileModel({
    modelPath: NANO, weightsPath, bits: 4, actBits: 8, int8Inputs, calibPath: join(DATA_DIR, 'calib_X.npy'),
    outDir: join(tmpdir(), 'unused'), write: false,
  });
}

/** The bundled nano int4 weights with __meta__.int8Inputs set, as train.py --act-plan records it. */
function withInt8Inputs(modules: string[]): string {
  const members = readNpz(NANO_W4);
  const arrays: Record<string, { data: NpyData; shape: number[] }> = {};
  for (const [k, v] of members) arrays[k] = { data: v.data, shape: v.shape };
  const meta = JSON.parse(new TextDecoder().decode(members.get('__meta__')!.data as Uint8Array)) as object;
  arrays.__meta__ = metaBytes({ ...meta, int8Inputs: modules });
  const path = join(mkdtempSync(join(tmpdir(), 'pe-qplan-')), 'w.npz');
  writeFileSync(path, encodeNpz(arrays));
  return path;
}

const kernelOf = (r: CompileResult, module: string): string => {
  const op = r.qgraph.ops.find((o) => o.kind === 'linear' && o.int8Candidate?.module === module)!;
  return r.report.ops.find((o) => o.name === op.name)!.kernel;
};

describe('quantization plan', () => {
  it('lists every int8 candidate with its scale; by default only the int8 window is active', async () => {
    const r = await compile(NANO_W4);
    const p = r.quantPlan;
    expect(p).toMatchObject({ format: 'pose-edge-qplan', version: 1, modelSha256: r.report.modelSha256 });
    expect(p.activations.map((a) => a.module)).toEqual(CANDIDATES);
    for (const a of p.activations) {
      expect(a).toMatchObject({ bits: 8, qmin: -128, qmax: 127 });
      expect(a.scale).toBeGreaterThan(0);
      expect(a.active).toBe(a.module === 'proj');
      expect(a.kind).toBe(a.module === 'proj' ? 'int8' : 'copy');
    }
    // the normalized window is int8 already: its plan scale is the tensor's own
    const proj = r.qgraph.ops.find((o) => o.kind === 'linear' && o.int8Candidate?.module === 'proj')!;
    expect(p.activations[0].scale).toBe(r.qgraph.tensors.get(proj.inputs[0])!.scale);
    expect(r.report.int8Inputs).toEqual({ choice: 'trained', modules: [] });
    // an inactive candidate keeps its int16 input, at full width (the wide form on the same w4r4 weights)
    expect(kernelOf(r, 'layers.0.ff.fc1')).toBe('pk_linear_w4r4_wide_i16');
  });

  it('runs exactly the Linears the weights were trained for on int8 copies, and all of them with --int8-inputs all', async () => {
    const trained = await compile(withInt8Inputs(['layers.0.ff.fc1', 'head.fc1']));
    expect(trained.report.int8Inputs.modules).toEqual(['layers.0.ff.fc1', 'head.fc1']);
    expect(kernelOf(trained, 'layers.0.ff.fc1')).toBe('pk_linear_w4r4_i16_i16');
    expect(kernelOf(trained, 'layers.0.attn.qkv')).toMatch(/^pk_linear_w4r4_wide_/);
    expect(trained.quantPlan.activations.filter((a) => a.active).map((a) => a.module)).toEqual(['proj', 'layers.0.ff.fc1', 'head.fc1']);
    const none = await compile(withInt8Inputs(['layers.0.ff.fc1']), 'none');
    expect(none.report.int8Inputs.modules).toEqual([]);
    const all = await compile(NANO_W4, 'all');
    expect(all.report.int8Inputs.modules).toEqual(CANDIDATES.slice(1));
    expect(all.files.get('pose_model.c')).toContain('--int8-inputs all');
  }, 60_000);

  it('compile --qplan-out writes the plan as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pe-qplan-cli-'));
    const planPath = join(dir, 'qplan.json');
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'compile', '--model', NANO, '--weights', NANO_W4, '--out', join(dir, 'pose_model'), '--json', '--qplan-out', planPath]);
    } finally {
      spy.mockRestore();
    }
    const p = JSON.parse(readFileSync(planPath, 'utf8'));
    expect(p.format).toBe('pose-edge-qplan');
    expect(p.activations.map((a: { module: string }) => a.module)).toEqual(CANDIDATES);
  }, 60_000);
});
