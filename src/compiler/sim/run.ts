// The integer simulator: executes a QuantizedGraph on an int16 input window with the TypeScript mirror of
// the C kernels (src/compiler/kernels/*/sim.ts), op by op in the emitted order. It is the golden model of
// the generated C: both read the same QuantizedGraph and each op's argument list (Kernel.args), and the
// parity tests require zero differences.
import type { Act } from '../kernels/common.ts';
import { kernelOf } from '../kernels/index.ts';
import type { Refs, SimArg } from '../kernels/kernel.ts';
import { ctypeOfBits, type ConstValues, type QOp, type QuantizedGraph, type QTensor } from '../quant/qgraph.ts';

export interface SimResult {
  output: Int16Array;
  /** Every activation's integer values (views share their source's array), when asked for. */
  tensors?: Map<string, Act>;
}

export function allocate(t: QTensor): Act {
  return ctypeOfBits(t.bits) === 'int8_t' ? new Int8Array(t.elems) : new Int16Array(t.elems);
}

export function simulate(g: QuantizedGraph, input: Int16Array, opts: { keepTensors?: boolean } = {}): SimResult {
  if (input.length !== g.inputLen) throw new Error(`simulator: input has ${input.length} values, the model takes ${g.inputLen}`);
  const buffers = new Map<string, Act>();
  const output = new Int16Array(g.outputLen);
  for (const t of g.tensors.values()) {
    if (t.home === 'input') buffers.set(t.name, input);
    else if (t.home === 'output') buffers.set(t.name, output);
    else if (t.home === 'arena') buffers.set(t.name, allocate(t));
  }
  for (const t of g.tensors.values()) if (t.home === 'alias') buffers.set(t.name, buffers.get(t.aliasOf!)!);
  const constOf = (key: string): ConstValues => {
    const c = g.consts.get(key);
    if (!c) throw new Error(`simulator: unknown constant '${key}'`);
    return c.values;
  };
  for (const op of g.ops) runOp(op, buffers, constOf);
  return opts.keepTensors ? { output, tensors: buffers } : { output };
}

/** Runs one op: its kernel's argument list, as arrays and numbers, into its TypeScript mirror. */
export function runOp(op: QOp, buffers: Map<string, Act>, constOf: (key: string) => ConstValues): void {
  const refs: Refs<SimArg> = {
    tensor(name, offset = 0) {
      const b = buffers.get(name);
      if (!b) throw new Error(`simulator: op ${op.name} refers to unknown tensor '${name}'`);
      return offset === 0 ? b : b.subarray(offset);
    },
    constant: constOf,
    constantInline: constOf,
    scratch: () => new Int32Array(op.scratchBytes / 4),
    none: () => null,
  };
  const kernel = kernelOf(op);
  const args = kernel.args(op, refs).map((a) => a.value);
  (kernel.mirror as (...a: SimArg[]) => void)(...args);
}

/** Dequantized float values of a tensor (q * scale), in its storage order. */
export function dequantize(values: Act, scale: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * scale;
  return out;
}
