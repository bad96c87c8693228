// `pose-edge bench` end to end with a few runs: every field of the --json contract is present and
// consistent, the deployed accuracy is re-scored from the firmware's own batch program (an independent
// build of the same generated C) and the reference accuracy from `evaluate` (the eval command's path).
// Times are printed by the command, never asserted.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench, type BenchReport } from '../../../src/workflows/bench/run.ts';
import { bundledModel } from '../../../src/bundled.ts';
import { buildFirmwareProgram } from '../../../src/host/virtual-node.ts';
import { runProgram } from '../../../src/workflows/bench/rv32-count.ts';
import { loadLabelledSet, evaluate } from '../../../src/eval/evaluate.ts';
import { dequantizeOutput, quantizeInput } from '../../../src/compiler/io-format.ts';
import { torsoPck20 } from '../../../src/eval/metrics.ts';
import { DATA_DIR } from '../../../src/paths.ts';
import { runCli as runCliCommand } from '../../helpers/cli.ts';

const runCli = (args: string[]): Promise<string> => runCliCommand('bench', args);

const FIELDS = [
  'hostUs', 'ortUs', 'ratio', 'rv32Instructions', 'rv32InstructionsClang', 'rv32InstructionsOs', 'c3CacheMisses', 'c3LatencyMs', 'modelFlashBytes', 'c3SramBytes', 'macs', 'instrPerMac', 'weightBytes', 'arenaBytes', 'arenaLowerBound',
  'textBytes', 'pck20', 'referencePck20', 'rv32InstructionsPerPacket',
];

describe('pose-edge bench', () => {
  it('--json prints one object with every contract field, consistent with each other', async () => {
    const out = await runCli(['--runs', '20', '--count-windows', '1', '--json']);
    expect(out.trim().split('\n')).toHaveLength(1);
    const r = JSON.parse(out) as BenchReport;
    for (const f of FIELDS) expect(r, f).toHaveProperty(f);
    expect(r.runs).toBe(20);
    expect(r.ratio).toBeCloseTo(r.hostUs / r.ortUs, 12);
    // five alternating timing rounds; each figure is its fastest round's median
    expect(r.hostUsRounds).toHaveLength(5);
    expect(r.ortUsRounds).toHaveLength(5);
    expect(r.hostUs).toBe(Math.min(...r.hostUsRounds));
    expect(r.ortUs).toBe(Math.min(...r.ortUsRounds));
    expect(r.instrPerMac).toBeCloseTo(r.rv32Instructions / r.macs, 12);
    // Every inference executes at least one instruction per MAC, and the kernel has code on both ISAs.
    expect(r.rv32Instructions).toBeGreaterThan(r.macs);
    expect(r.textBytes.rv32imc).toBeGreaterThan(1000);
    expect(r.textBytes.xtensaLx106).toBeGreaterThan(1000);
    expect(r.arenaBytes).toBeGreaterThanOrEqual(r.arenaLowerBound);
    // the latency range: one cycle per instruction plus the misses, low end below the high end
    expect(r.c3LatencyMs.low).toBeGreaterThanOrEqual(r.rv32Instructions / 160e3);
    expect(r.c3LatencyMs.high).toBeCloseTo((r.rv32Instructions + 170 * r.c3CacheMisses) / 160e3, 9);
    expect(r.c3LatencyMs.low).toBeLessThanOrEqual(r.c3LatencyMs.high);
    // flash holds the code and every constant; on the C3 the kernels run from IRAM and micro's weights sit in DRAM
    expect(r.modelFlashBytes).toBeGreaterThanOrEqual(r.textBytes.rv32imc + r.weightBytes);
    expect(r.c3SramBytes.iram).toBe(r.textBytes.rv32imc);
    expect(r.c3SramBytes.dram).toBeGreaterThanOrEqual(r.weightBytes);
    expect(Object.values(r.weightBytesBreakdown).reduce((x, y) => x + y, 0)).toBe(r.weightBytes);
    // Streaming is proven for the bundled model: its per-packet cost is below a whole window's.
    expect(r.streamingRefusal).toBeNull();
    expect(r.rv32InstructionsPerPacket).toBeGreaterThan(0);
    expect(r.rv32InstructionsPerPacket!).toBeLessThan(r.rv32Instructions);
  }, 300_000);

  it('scores the deployed kernel as the firmware batch program does, and the reference as eval does', async () => {
    const buildDir = mkdtempSync(join(tmpdir(), 'pose-edge-bench-'));
    const r = await runBench({ modelPath: bundledModel(4).modelPath, weightsPath: bundledModel(4).weightsPath, bits: 4, actBits: 8, runs: 5, countWindows: 1, buildDir });
    const modelDir = join(buildDir, readdirSync(buildDir).find((d) => d.startsWith('model-'))!);
    const batch = await buildFirmwareProgram({ program: 'batch', target: 'host', modelDir, buildDir });
    const set = loadLabelledSet(join(DATA_DIR, 'test_X.npy'), join(DATA_DIR, 'test_Y.npy'));
    const { readModelHeader } = await import('../../../src/host/virtual-node.ts');
    const h = readModelHeader(modelDir);
    const q = quantizeInput(set.X.data, h.inputFracBits);
    const out = await runProgram(batch, [], Buffer.from(q.buffer));
    const pred = dequantizeOutput(new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)), h.outputFracBits);
    expect(r.pck20).toBe(torsoPck20(pred, set.Y).overall);
    const ev = await evaluate({
      model: bundledModel(4).modelPath, weights: bundledModel(4).weightsPath, data: join(DATA_DIR, 'test_X.npy'), labels: join(DATA_DIR, 'test_Y.npy'),
      meanPose: join(DATA_DIR, 'train_mean_pose.npy'),
    });
    expect(r.referencePck20).toBe(ev.pck20);
  }, 300_000);

  it('refuses bad options with a message naming the flag', async () => {
    await expect(runCli(['--bits', '5'])).rejects.toThrow("--bits must be 4 or 8, got '5'");
    await expect(runCli(['--act-bits', '4'])).rejects.toThrow("--act-bits must be 8 or 16, got '4'");
    await expect(runCli(['--runs', '0'])).rejects.toThrow("--runs must be an integer in 1..1000000000, got '0'");
    await expect(runCli(['--count-windows', 'x'])).rejects.toThrow("--count-windows must be an integer in 1..1000000, got 'x'");
    await expect(runCli(['--model', 'm.onnx'])).rejects.toThrow('--model and --weights go together');
  });

  it('names the missing model file', async () => {
    await expect(runCli(['--model', '/nonexistent/m.onnx', '--weights', bundledModel(4).weightsPath])).rejects.toThrow('/nonexistent/m.onnx: no such file or directory (ONNX model)');
  });
});
