// The model a node should be running, from the files the user names (--model ONNX --weights NPZ): the
// SHA-256 of the ONNX bytes then the weights bytes, the value the compiler writes into pose_model.h and a
// node reports in INFO (src/compiler/compile.ts). Hashing the two files is all it takes: no compile.
import { createHash } from 'node:crypto';
import { readFileChecked } from '../../io/fs-errors.ts';
import type { ModelCheck } from './page-data.ts';

export function modelCheck(onnxPath: string, weightsPath: string): ModelCheck {
  const sha256 = createHash('sha256').update(readFileChecked(onnxPath, 'ONNX model')).update(readFileChecked(weightsPath, 'weights')).digest('hex');
  return { sha256, files: `${onnxPath} + ${weightsPath}` };
}
