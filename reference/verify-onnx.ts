// Runs an exported ONNX model on onnxruntime-node and compares it with what PyTorch computed for the same
// input: an independent check of the export (Python has no onnxruntime here). Used by reference/*.py.
// usage: tsx reference/verify-onnx.ts <model.onnx> <input.npy> <torch_output.npy> <max_abs_tolerance>
import * as ort from 'onnxruntime-node';
import { readNpy, expectArray } from '../src/io/npy.ts';

const [modelPath, inputPath, expectedPath, tolText] = process.argv.slice(2);
if (!modelPath || !inputPath || !expectedPath || !tolText) {
  console.error('usage: verify-onnx.ts <model.onnx> <input.npy> <torch_output.npy> <max_abs_tolerance>');
  process.exit(2);
}
const input = readNpy(inputPath);
expectArray(input, inputPath, 'f4', [null, 3, 114, 10]);
const expected = readNpy(expectedPath);
expectArray(expected, expectedPath, 'f4', [input.shape[0], 17, 2]);

const session = await ort.InferenceSession.create(modelPath);
const result = await session.run({ csi: new ort.Tensor('float32', input.data as Float32Array, input.shape) });
const out = result.keypoints;
if (!out || out.dims.join(',') !== expected.shape.join(',')) {
  console.error(`${modelPath}: output 'keypoints' has dims [${out?.dims}], expected [${expected.shape}]`);
  process.exit(1);
}
const got = out.data as Float32Array;
const want = expected.data as Float32Array;
let maxDiff = 0;
for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
console.log(JSON.stringify({ model: modelPath, samples: input.shape[0], maxAbsDiff: maxDiff }));
if (!(maxDiff <= Number(tolText))) {
  console.error(`${modelPath}: onnxruntime and torch differ by ${maxDiff} > ${tolText}`);
  process.exit(1);
}
