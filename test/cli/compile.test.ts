// `pose-edge compile` driven in-process through buildProgram(): the --json contract, the files written,
// and every user-reachable error path with its message (nothing is written when compiling fails).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/program.ts';
import { encodeNpy } from '../../src/io/npy.ts';
import { MODELS_DIR } from '../../src/paths.ts';

const MICRO = join(MODELS_DIR, 'micro', 'micro.onnx');
const MICRO_W4 = join(MODELS_DIR, 'micro', 'pose_micro_int4.npz');
const NANO_W4 = join(MODELS_DIR, 'nano', 'pose_nano_int4.npz');

async function run(args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'compile', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

function tempOut(): { root: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'pe-cli-'));
  return { root, out: join(root, 'pose_model') };
}

afterEach(() => vi.restoreAllMocks());

describe('pose-edge compile', () => {
  it('--json prints one object with the contract fields and writes the component', async () => {
    const { out } = tempOut();
    const text = await run(['--out', out, '--json']);
    const r = JSON.parse(text);
    for (const key of ['params', 'weightBytes', 'arenaBytes', 'arenaLowerBound', 'macs', 'bits', 'actBits', 'modelSha256', 'outDir', 'ops', 'weightMap']) {
      expect(r, key).toHaveProperty(key);
    }
    expect(r.bits).toBe(4);
    // docs/model.md: micro has 75,253 learned parameters (the 17x17 adjacency is a fixed buffer).
    expect(r.params).toBe(75253);
    expect(r.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.ops[1]).toMatchObject({ op: 'pe.Linear', kernel: 'pk_linear_w4r4_i8_i16', onnxNodes: expect.arrayContaining(['/proj/MatMul']) });
    expect(r.ops[1].outputs[0]).toMatchObject({ name: '/proj/Add_output_0', shape: [1, 10, 64] });
    expect(r.weightMap).toContainEqual(expect.objectContaining({ npzKey: 'proj.weight', initializer: expect.any(String), transposed: true }));
    expect(r.weightMap).toContainEqual(expect.objectContaining({ npzKey: 'head.fc1.weight', transposed: false }));
    expect(readdirSync(out).sort()).toEqual([
      'CMakeLists.txt', 'compile-report.json', 'idf_component.yml', 'kernels', 'pose-edge-manifest.json', 'pose_kernels.h', 'pose_model.c', 'pose_model.cmake', 'pose_model.h', 'pose_weights.c', 'pose_weights.h',
    ]);
    expect(readdirSync(join(out, 'kernels'))).toContain('pk_linear_rv32.h');
    expect(JSON.parse(readFileSync(join(out, 'compile-report.json'), 'utf8'))).toEqual(r);
  });

  it('prints a human summary with the weight mapping without --json', async () => {
    const { out } = tempOut();
    const text = await run(['--out', out]);
    expect(text).toMatch(/constant data \d+ B, arena \d+ B \(lower bound \d+ B/);
    expect(text).toMatch(/proj\.weight -> \S+ \(transposed\)/);
  });

  it('--report-layers gives cosine similarity and max error of every intermediate vs the float reference', async () => {
    const { out } = tempOut();
    const r = JSON.parse(await run(['--out', out, '--json', '--report-layers']));
    const names = r.layers.map((l: { tensor: string }) => l.tensor);
    expect(names).toContain('/layers.0/norm1/LayerNormalization_output_0');
    expect(names[names.length - 1]).toBe('keypoints');
    for (const l of r.layers) {
      // A quantized layer is close to its float counterpart but not identical: this is a measurement.
      expect(l.cosine).toBeGreaterThan(0.99);
      expect(l.cosine).toBeLessThanOrEqual(1 + 1e-9);
      expect(l.maxAbsErr).toBeGreaterThan(0);
    }
    const text = await run(['--out', out, '--report-layers']);
    expect(text).toMatch(/per-layer error of the integer kernel vs the float reference \(32 calibration windows\)/);
    expect(text).toMatch(/keypoints\s+16\s+(0\.99\d+|1\.000000)\s/);
  });

  it('rejects a bad --bits and --act-bits', async () => {
    await expect(run(['--bits', '5'])).rejects.toThrow("--bits must be 4 or 8, got '5'");
    await expect(run(['--act-bits', '12'])).rejects.toThrow("--act-bits must be 8 or 16, got '12'");
  });

  it('--tensor-bits chooses one tensor\'s type by name (the cnn\'s deployed flags), reported and in the command line', async () => {
    const { out } = tempOut();
    const cnn = join(MODELS_DIR, 'cnn');
    const text = await run(['--model', join(cnn, 'cnn.onnx'), '--weights', join(cnn, 'pose_cnn_int4.npz'), '--act-bits', '16', '--tensor-bits', '/conv1/conv1.2/Relu_output_0=8', '--out', out, '--json']);
    const report = JSON.parse(text) as { tensorBits: Record<string, number>; ops: { kernel: string }[] };
    expect(report.tensorBits).toEqual({ '/conv1/conv1.2/Relu_output_0': 8 });
    expect(report.ops.slice(1, 3).map((o) => o.kernel)).toEqual(['pk_conv_w4_i16_i8', 'pk_conv_w4_i8_i16']);
    expect(readFileSync(join(out, 'pose_model.c'), 'utf8')).toContain('--act-bits 16 --tensor-bits /conv1/conv1.2/Relu_output_0=8');
  });

  it('refuses a bad --tensor-bits, naming the item or the tensor, and writes nothing', async () => {
    const { out } = tempOut();
    await expect(run(['--tensor-bits', 'x=12', '--out', out])).rejects.toThrow("--tensor-bits: 'x=12' is not NAME=8 or NAME=16");
    await expect(run(['--tensor-bits', '/nope=8', '--out', out])).rejects.toThrow("micro.onnx: --tensor-bits names '/nope', which is no activation tensor");
    expect(existsSync(out)).toBe(false);
  });

  it('wants --model and --weights together', async () => {
    await expect(run(['--model', MICRO])).rejects.toThrow('--model and --weights go together');
  });

  it('names a missing calibration file and writes nothing', async () => {
    const { root, out } = tempOut();
    await expect(run(['--calib', join(root, 'missing.npy'), '--out', out])).rejects.toThrow(`${join(root, 'missing.npy')}: no such file or directory (calibration windows)`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('names a calibration file of the wrong shape', async () => {
    const { root, out } = tempOut();
    const bad = join(root, 'calib.npy');
    writeFileSync(bad, encodeNpy(new Float32Array(2 * 3 * 114 * 9), [2, 3, 114, 9]));
    await expect(run(['--calib', bad, '--out', out])).rejects.toThrow(`${bad}: expected shape [N,3,114,10], found [2,3,114,9]`);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects weights of another bit width than --bits', async () => {
    const { out } = tempOut();
    await expect(run(['--model', MICRO, '--weights', MICRO_W4, '--bits', '8', '--out', out])).rejects.toThrow(
      `${MICRO_W4}: holds int4 weights but --bits 8 was given`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('rejects weights that do not fit the graph, naming the tensors, and keeps an existing component', async () => {
    const { out } = tempOut();
    await run(['--out', out]);
    const before = readFileSync(join(out, 'pose_model.c'), 'utf8');
    await expect(run(['--model', MICRO, '--weights', NANO_W4, '--out', out])).rejects.toThrow(/proj\.weight/);
    expect(readFileSync(join(out, 'pose_model.c'), 'utf8')).toBe(before);
  });

  it('refuses to replace a directory that is not a generated component', async () => {
    const { root } = tempOut();
    writeFileSync(join(root, 'precious.c'), 'int keep;');
    await expect(run(['--out', root])).rejects.toThrow(`${root}: holds files pose-edge did not generate (no pose-edge-manifest.json); refusing to write into it`);
    expect(readdirSync(root)).toEqual(['precious.c']);
    const file = join(root, 'precious.c');
    await expect(run(['--out', file])).rejects.toThrow(`--out ${file}: exists and is not a directory; refusing to replace it`);
  });

  it('names a missing model file', async () => {
    const { root } = tempOut();
    await expect(run(['--model', join(root, 'nope.onnx'), '--weights', MICRO_W4])).rejects.toThrow(`${join(root, 'nope.onnx')}: no such file or directory (ONNX model)`);
  });
});
