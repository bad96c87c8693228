// The options every command that compiles a model shares (compile, parity, bench): --model, --weights,
// --bits, --act-bits and --calib, declared and parsed here once so their help, defaults and errors are the
// same everywhere. Also the number parsers the commands use for their own options.
import { Option, type Command } from 'commander';
import { BUNDLED, bundledModel } from '../bundled.ts';
import type { PoseEdgeError } from '../errors.ts';
import type { ModelChoice } from '../compiler/compile.ts';
import { parseTensorBits } from '../compiler/quant/precision.ts';

type ErrorClass = new (message: string) => PoseEdgeError;

export interface ModelFlags {
  model?: string;
  weights?: string;
  bits: string;
  actBits: string;
  int8Inputs: string;
  tensorBits?: string;
  calib?: string;
}


/** Declares --model, --weights, --bits, --act-bits and --calib on a command. */
export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--model <path>', 'ONNX model (default: models/micro/micro.onnx; with --bits 8: models/micro/micro_fp32.onnx)')
    .option('--weights <npz>', 'quantized weights, pose-edge-qweights npz (default: models/micro/pose_micro_int4.npz; with --bits 8: pose_micro_int8.npz)')
    .addOption(new Option('--bits <n>', 'weight bits: 4 or 8').default('4'))
    .addOption(new Option('--act-bits <n>', 'default activation precision: 8 or 16 (int16 is kept where accuracy needs it)').default(String(BUNDLED.actBits)))
    .addOption(new Option('--int8-inputs <which>', 'Linears that run on int8 copies of int16 inputs: trained (those the weights were trained for, listed in their __meta__), all, none').choices(['trained', 'all', 'none']).default('trained'))
    .option('--tensor-bits <list>', 'per-tensor activation precision over --act-bits: NAME=8|16[,NAME=8|16...], tensors named as in the compile report (e.g. the cnn\'s deployed /conv1/conv1.2/Relu_output_0=8)')
    .option('--calib <npy>', 'calibration windows, float32 [N,3,114,10] (default: models/data/calib_X.npy)');
}

/** The model choice the flags name, with the bundled defaults; errors are `Err` naming the option. */
export function parseModelOptions(raw: ModelFlags, Err: ErrorClass): ModelChoice {
  const bits = choice('--bits', raw.bits, [4, 8], Err) as 4 | 8;
  const actBits = choice('--act-bits', raw.actBits, [8, 16], Err) as 8 | 16;
  if ((raw.model === undefined) !== (raw.weights === undefined)) {
    throw new Err('--model and --weights go together: give both, or neither for the bundled micro model');
  }
  const bundled = bundledModel(bits);
  return {
    modelPath: raw.model ?? bundled.modelPath,
    weightsPath: raw.weights ?? bundled.weightsPath,
    bits,
    actBits,
    int8Inputs: raw.int8Inputs as ModelChoice['int8Inputs'],
    ...(raw.tensorBits !== undefined ? { tensorBits: parseTensorBitsFlag(raw.tensorBits, Err) } : {}),
    calibPath: raw.calib ?? BUNDLED.calib,
  };
}

function parseTensorBitsFlag(text: string, Err: ErrorClass): ModelChoice['tensorBits'] {
  try {
    return parseTensorBits(text);
  } catch (e) {
    throw new Err((e as Error).message);
  }
}

/** One of `allowed`, written as a plain integer. */
export function choice(flag: string, value: string, allowed: number[], Err: ErrorClass): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !allowed.includes(n)) throw new Err(`${flag} must be ${allowed.join(' or ')}, got '${value}'`);
  return n;
}

/** A number (an integer unless `integer` is false) in lo..hi. */
export function numberIn(flag: string, value: string, lo: number, hi: number, Err: ErrorClass, integer = true): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
    throw new Err(`${flag} must be ${integer ? 'an integer' : 'a number'} in ${lo}..${hi}, got '${value}'`);
  }
  return n;
}
