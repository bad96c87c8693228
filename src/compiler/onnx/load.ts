// Reads an ONNX file into an onnx-proto ModelProto, with errors that name the file and say what is wrong.
// Decoding only: the typed IR is built from this by the compiler's import step.
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import { PoseEdgeError } from '../../errors.ts';
import { readFileChecked } from '../../io/fs-errors.ts';

// onnx-proto is CommonJS: Node's ESM loader exposes it only as a default export (a named `onnx` import
// works under vitest but not under node/tsx), so take the namespace from the default export.
export const onnxPb: typeof onnx = onnxProto.onnx;

export class OnnxLoadError extends PoseEdgeError {}

export function decodeOnnx(bytes: Uint8Array, where: string): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnxPb.ModelProto.decode(bytes);
  } catch (err) {
    throw new OnnxLoadError(`${where}: not a valid ONNX model (protobuf decode failed: ${(err as Error).message})`);
  }
  if (!model.graph) throw new OnnxLoadError(`${where}: not a valid ONNX model (no graph)`);
  if (!model.graph.node || model.graph.node.length === 0) throw new OnnxLoadError(`${where}: the ONNX graph has no nodes`);
  return model;
}

export function loadOnnx(path: string): { model: onnx.ModelProto; bytes: Uint8Array } {
  const bytes = readFileChecked(path, 'ONNX model');
  return { model: decodeOnnx(bytes, path), bytes };
}

/** The default-domain opset the model imports (the one torch.onnx.export's opset_version sets). */
export function defaultOpset(model: onnx.ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 0;
}
