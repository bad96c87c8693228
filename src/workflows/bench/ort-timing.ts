// ortUs: the reference model (ONNX with the npz weights applied, src/compiler/reference/model.ts) on
// onnxruntime-node, one intra-op and one inter-op thread, batch 1, timed per call in this process with
// the same warm-up and run count as the C harness. Input tensors are built before timing, so each sample is
// one session.run() as an application would call it.
import * as ort from 'onnxruntime-node';
import { BenchError } from './errors.ts';
import { WINDOW_VALUES } from '../../data/window.ts';

export interface OrtTiming {
  medianNs: number;
  p10Ns: number;
  p90Ns: number;
  runs: number;
}

const WARMUP_RUNS = 200;

export async function timeOrt(modelBytes: Uint8Array, windows: Float32Array, runs: number, where: string): Promise<OrtTiming> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw new BenchError(`${where}: onnxruntime cannot load the model: ${(err as Error).message}`);
  }
  try {
    const n = windows.length / WINDOW_VALUES;
    const inputName = session.inputNames[0];
    const feeds = Array.from({ length: n }, (_, i) => ({ [inputName]: new ort.Tensor('float32', windows.subarray(i * WINDOW_VALUES, (i + 1) * WINDOW_VALUES), [1, 3, 114, 10]) }));
    for (let r = 0; r < WARMUP_RUNS; r++) await session.run(feeds[r % n]);
    const times = new Float64Array(runs);
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds[r % n]);
      times[r] = Number(process.hrtime.bigint() - t0);
    }
    times.sort();
    return { medianNs: times[Math.floor(runs / 2)], p10Ns: times[Math.floor(runs / 10)], p90Ns: times[Math.floor((runs * 9) / 10)], runs };
  } finally {
    await session.release();
  }
}
