// Streaming inference (templates/c/pose_stream.h, --streaming): the generated C fed packet by packet equals
// its TS mirror bit for bit after every packet; the mirror's projection accumulators stay within the stated
// bound (sum |W| + 1) / 2 of the window path's (normalize to integers, then project) on every window; and
// the compiler refuses graphs where the per-packet projection is not proven.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModel, type CompileResult } from '../../../src/compiler/compile.ts';
import { writeDirAtomic } from '../../../src/io/atomic-files.ts';
import { quantizeInput } from '../../../src/compiler/io-format.ts';
import { createStream, pushPacket, runStreaming, streamAccumulators, packetOf } from '../../../src/compiler/sim/stream.ts';
import { minmaxNormalize } from '../../../src/compiler/kernels/normalize/sim.ts';
import { biasAt } from '../../../src/compiler/kernels/linear/sim.ts';
import { planStreaming, weightRow, StreamingError, type StreamPlan } from '../../../src/compiler/stream-plan.ts';
import type { QuantizedGraph } from '../../../src/compiler/quant/qgraph.ts';
import type { LinearOp } from '../../../src/compiler/kernels/index.ts';
import { buildStreamProgram, packetsOf } from '../../../src/workflows/bench/stream-program.ts';
import { runProgram } from '../../../src/workflows/bench/rv32-count.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { DATA_DIR, MODELS_DIR } from '../../../src/paths.ts';

const WINDOWS = 24;
let compiled: CompileResult;
let plan: StreamPlan;
let windows: Int16Array;
let modelDir: string;

beforeAll(async () => {
  compiled = await compileModel({
    modelPath: join(MODELS_DIR, 'micro', 'micro.onnx'), weightsPath: join(MODELS_DIR, 'micro', 'pose_micro_int4.npz'), bits: 4, actBits: 8,
    calibPath: join(DATA_DIR, 'calib_X.npy'), outDir: '/nonexistent', write: false, streaming: true,
  });
  plan = planStreaming(compiled.qgraph, 'micro');
  const x = readNpy(join(DATA_DIR, 'test_X.npy'));
  windows = quantizeInput((x.data as Float32Array).subarray(0, WINDOWS * 3420), compiled.report.inputFracBits);
  modelDir = join(mkdtempSync(join(tmpdir(), 'pose-edge-stream-')), 'model');
  writeDirAtomic(modelDir, compiled.files);
}, 120_000);

/** The window path's projection accumulators bias + sum W y, y the window normalized to integers. */
function windowAccumulators(g: QuantizedGraph, lin: LinearOp, win: Int16Array): Int32Array[] {
  const y = plan.qmax === 127 ? new Int8Array(3420) : new Int16Array(3420);
  minmaxNormalize(win, plan.F, plan.P, y);
  const bias = lin.bias ? (g.consts.get(lin.bias)!.values as Int16Array) : null;
  const rows = Array.from({ length: lin.outF }, (_, o) => weightRow(g, lin, o));
  return Array.from({ length: plan.P }, (_, t) => Int32Array.from(rows, (w, o) => {
    let a = biasAt(bias, lin.biasShift, o);
    for (let i = 0; i < plan.F; i++) a += w[i] * y[t * plan.F + i];
    return a;
  }));
}

describe('streaming inference', () => {
  it('the compile report and header describe the streaming API', () => {
    expect(compiled.report.streaming).toEqual({ packetLen: 342, windowPackets: 10, stateBytes: 10 * 64 * 4 + 40 + 8, constBytes: 256 });
    const h = readFileSync(join(modelDir, 'pose_model.h'), 'utf8');
    expect(h).toContain('#define POSE_MODEL_PACKET_LEN         342');
    expect(h).toContain('int pose_model_run_streaming(int16_t output[POSE_MODEL_OUTPUT_LEN]);');
  });

  it('C == TS mirror after every packet (overlapping windows across test windows)', async () => {
    const exe = await buildStreamProgram(modelDir, 'host', join(modelDir, '..', 'build'));
    const packets = packetsOf(windows, plan.F, plan.P, WINDOWS * plan.P);
    const out = await runProgram(exe, [], Buffer.from(packets.buffer));
    const c = new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    expect(c.length).toBe((WINDOWS * plan.P - plan.P + 1) * 34);
    const s = createStream(compiled.qgraph, plan);
    let k = 0;
    for (let p = 0; p < WINDOWS * plan.P; p++) {
      pushPacket(s, packets.subarray(p * plan.F, (p + 1) * plan.F));
      if (p < plan.P - 1) continue;
      expect(Array.from(c.subarray(k * 34, (k + 1) * 34)), `output after packet ${p}`).toEqual(Array.from(runStreaming(s)));
      k++;
    }
    // ASan + UBSan build (clang): no overflow or out-of-bounds in the streaming kernels, same outputs.
    const san = await buildStreamProgram(modelDir, 'sanitize', join(modelDir, '..', 'build'));
    expect((await runProgram(san, [], Buffer.from(packets.buffer))).equals(out)).toBe(true);
  }, 120_000);

  it('projection accumulators within (sum |W| + 1) / 2 of the window path on every test window, and the bound is used', () => {
    let worstFraction = 0;
    for (let w = 0; w < WINDOWS; w++) {
      const win = windows.subarray(w * 3420, (w + 1) * 3420);
      const s = createStream(compiled.qgraph, plan);
      for (let p = 0; p < plan.P; p++) pushPacket(s, packetOf(win, plan.F, plan.P, p));
      const got = streamAccumulators(s);
      const want = windowAccumulators(compiled.qgraph, plan.linear, win);
      for (let t = 0; t < plan.P; t++) {
        for (let o = 0; o < plan.linear.outF; o++) {
          const bound = (plan.sumAbs[o] + 1) / 2;
          const d = Math.abs(got[t][o] - want[t][o]);
          expect(d, `window ${w} token ${t} output ${o}`).toBeLessThanOrEqual(bound);
          worstFraction = Math.max(worstFraction, d / bound);
        }
      }
    }
    // The two paths really differ (rounding), so this test could fail; typical differences are far below the bound.
    expect(worstFraction).toBeGreaterThan(0);
  });

  it('a constant window gives the bias exactly, as the window path does', () => {
    const s = createStream(compiled.qgraph, plan);
    const win = new Int16Array(3420).fill(1234);
    for (let p = 0; p < plan.P; p++) pushPacket(s, packetOf(win, plan.F, plan.P, p));
    expect(streamAccumulators(s).map((a) => Array.from(a))).toEqual(windowAccumulators(compiled.qgraph, plan.linear, win).map((a) => Array.from(a)));
  });

  it('pose-edge compile --streaming writes the streaming component and reports it', async () => {
    const { buildProgram } = await import('../../../src/cli/program.ts');
    const out = join(mkdtempSync(join(tmpdir(), 'pose-edge-stream-cli-')), 'component');
    let text = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += String(chunk);
      return true;
    });
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'compile', '--streaming', '--out', out, '--json']);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(text).streaming).toEqual(compiled.report.streaming);
    expect(readFileSync(join(out, 'pose_model.c'), 'utf8')).toContain('--streaming');
    expect(readFileSync(join(out, 'pose_stream.h'), 'utf8')).toBe(readFileSync(join(modelDir, 'pose_stream.h'), 'utf8'));
  }, 60_000);

  it('run before a full window is an error in the mirror (the C returns 0)', () => {
    const s = createStream(compiled.qgraph, plan);
    pushPacket(s, new Int16Array(plan.F));
    expect(() => runStreaming(s)).toThrow('stream: 1 packets pushed, a window needs 10');
    expect(() => pushPacket(s, new Int16Array(5))).toThrow('stream: a packet has 342 values, got 5');
  });
});

describe('the streaming proof refuses graphs where it does not hold', () => {
  const variant = (edit: (g: QuantizedGraph) => QuantizedGraph) => () => planStreaming(edit({ ...compiled.qgraph, ops: [...compiled.qgraph.ops] }), 'm.onnx');

  it('no normalization first', () => {
    expect(variant((g) => ({ ...g, ops: g.ops.slice(1) }))).toThrow(StreamingError);
    expect(variant((g) => ({ ...g, ops: g.ops.slice(1) }))).toThrow("m.onnx: cannot stream packets: the first op must be the window min-max normalization, found linear '/proj/Linear'");
  });

  it('something other than a linear after the normalization', () => {
    expect(variant((g) => ({ ...g, ops: [g.ops[0], ...g.ops.slice(2)] }))).toThrow(/the normalized window must feed a linear projection, found add '\/Add_1' after '\/MinMaxNormalize'/);
  });

  it('a linear whose rows are not the packets', () => {
    expect(variant((g) => ({ ...g, ops: [g.ops[0], { ...(g.ops[1] as LinearOp), T: 5, inF: 684, xStride: 684 }, ...g.ops.slice(2)] })))
      .toThrow("linear '/proj/Linear' takes 5 rows of 684 features (stride 684), not one row per packet (10 rows of 342)");
  });

  it('another reader of the normalized window or of the input', () => {
    const win = compiled.qgraph.ops[0].outputs[0];
    const readsWindow = (g: QuantizedGraph) => ({ ...g, ops: g.ops.map((op, i) => (i === 2 ? { ...op, inputs: [op.inputs[0], win] } : op)) });
    expect(variant(readsWindow)).toThrow("op '/Add_1' also reads the normalized window (only the projection may)");
    const readsInput = (g: QuantizedGraph) => ({ ...g, ops: g.ops.map((op, i) => (i === 2 ? { ...op, inputs: [op.inputs[0], g.inputName] } : op)) });
    expect(variant(readsInput)).toThrow("op '/Add_1' also reads the model input (only the normalization may)");
  });
});

// The other kernel variants: int8 weights (pk_stream_project_w8) and 16-bit activations (qmax 32767; nano: micro's
// ONNX makes its window int8 with a QuantizeLinear -> DequantizeLinear pair, which --act-bits 16 cannot stream).
describe.each([
  { name: 'micro int8 weights', onnx: 'micro/micro_fp32.onnx', npz: 'micro/pose_micro_int8.npz', bits: 8 as const, actBits: 8 as const },
  { name: 'nano int4, 16-bit activations', onnx: 'nano/nano.onnx', npz: 'nano/pose_nano_int4.npz', bits: 4 as const, actBits: 16 as const },
])('streaming, $name', ({ onnx, npz, bits, actBits }) => {
  it('C == TS mirror after every packet, accumulators within the bound', async () => {
    const c = await compileModel({
      modelPath: join(MODELS_DIR, onnx), weightsPath: join(MODELS_DIR, npz), bits, actBits,
      calibPath: join(DATA_DIR, 'calib_X.npy'), outDir: '/nonexistent', write: false, streaming: true,
    });
    const p = planStreaming(c.qgraph, onnx);
    const dir = join(mkdtempSync(join(tmpdir(), 'pose-edge-stream-')), 'model');
    writeDirAtomic(dir, c.files);
    const n = 4;
    const x = readNpy(join(DATA_DIR, 'test_X.npy'));
    const wins = quantizeInput((x.data as Float32Array).subarray(0, n * 3420), c.report.inputFracBits);
    const packets = packetsOf(wins, p.F, p.P, n * p.P);
    const exe = await buildStreamProgram(dir, 'host', join(dir, '..', 'build'));
    const out = await runProgram(exe, [], Buffer.from(packets.buffer));
    const cOut = new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    const s = createStream(c.qgraph, p);
    for (let k = 0; k < n * p.P; k++) {
      pushPacket(s, packets.subarray(k * p.F, (k + 1) * p.F));
      if (k < p.P - 1) continue;
      const j = k - p.P + 1;
      expect(Array.from(cOut.subarray(j * 34, (j + 1) * 34)), `output after packet ${k}`).toEqual(Array.from(runStreaming(s)));
      if ((k + 1) % p.P !== 0) continue;
      // The window ending here is test window (k + 1) / P - 1: compare with the window path.
      const win = wins.subarray(((k + 1) / p.P - 1) * 3420, ((k + 1) / p.P) * 3420);
      const y = p.qmax === 127 ? new Int8Array(3420) : new Int16Array(3420);
      minmaxNormalize(win, p.F, p.P, y);
      const got = streamAccumulators(s);
      const bias = p.linear.bias ? (c.qgraph.consts.get(p.linear.bias)!.values as Int16Array) : null;
      for (let o = 0; o < p.linear.outF; o++) {
        const w = weightRow(c.qgraph, p.linear, o);
        for (let t = 0; t < p.P; t++) {
          let a = biasAt(bias, p.linear.biasShift, o);
          for (let i = 0; i < p.F; i++) a += w[i] * y[t * p.F + i];
          expect(Math.abs(got[t][o] - a)).toBeLessThanOrEqual((p.sumAbs[o] + 1) / 2);
        }
      }
    }
  }, 120_000);
});
