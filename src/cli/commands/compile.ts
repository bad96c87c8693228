// `pose-edge compile`: ONNX + quantized weights -> an ESP-IDF component with the integer-only kernel.
// Option parsing and output formatting only; the work is in src/compiler/compile.ts.
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { PoseEdgeError } from '../errors.ts';
import { FIRMWARE_DIR, MODELS_DIR, DATA_DIR } from '../../paths.ts';
import { checkOutputDir } from '../../io/output-paths.ts';
import { printWarning } from '../warn.ts';

export class CompileUsageError extends PoseEdgeError {}

export const DEFAULTS = {
  model4: join(MODELS_DIR, 'micro', 'micro.onnx'),
  weights4: join(MODELS_DIR, 'micro', 'pose_micro_int4.npz'),
  // int8 PTQ weights belong to the fp32-trained model, not to the QAT one.
  model8: join(MODELS_DIR, 'micro', 'micro_fp32.onnx'),
  weights8: join(MODELS_DIR, 'micro', 'pose_micro_int8.npz'),
  calib: join(DATA_DIR, 'calib_X.npy'),
  out: join(FIRMWARE_DIR, 'components', 'pose_model'),
  actBits: 8 as 8 | 16,
};

interface RawOptions {
  model?: string;
  weights?: string;
  bits: string;
  actBits: string;
  calib?: string;
  out?: string;
  json?: boolean;
  reportLayers?: boolean;
  streaming?: boolean;
}

function parseChoice(flag: string, value: string, allowed: number[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !allowed.includes(n)) {
    throw new CompileUsageError(`${flag} must be ${allowed.join(' or ')}, got '${value}'`);
  }
  return n;
}

export function register(program: Command): void {
  program
    .command('compile')
    .description('compile an ONNX pose model and its quantized weights into an integer-only C kernel (ESP-IDF component)')
    .option('--model <path>', 'ONNX model (default: models/micro/micro.onnx; with --bits 8: models/micro/micro_fp32.onnx)')
    .option('--weights <npz>', 'quantized weights, pose-edge-qweights npz (default: models/micro/pose_micro_int4.npz; with --bits 8: pose_micro_int8.npz)')
    .addOption(new Option('--bits <n>', 'weight bits: 4 or 8').default('4'))
    .addOption(new Option('--act-bits <n>', 'default activation precision: 8 or 16 (int16 is kept where accuracy needs it)').default(String(DEFAULTS.actBits)))
    .option('--calib <npy>', 'calibration windows, float32 [N,3,114,10] (default: models/data/calib_X.npy)')
    .option('--out <dir>', 'output component directory (default: firmware/components/pose_model); an existing one must hold a pose-edge manifest, and only the files it lists are replaced')
    .option('--json', 'print one JSON object (the compile report) instead of a summary')
    .option('--streaming', 'also emit pose_model_push_packet / pose_model_run_streaming (refused unless the graph starts with window normalization -> per-packet linear)')
    .option('--report-layers', 'print per-layer cosine similarity and max error of the integer kernel vs the float reference')
    .action(async (raw: RawOptions) => {
      const bits = parseChoice('--bits', raw.bits, [4, 8]) as 4 | 8;
      const actBits = parseChoice('--act-bits', raw.actBits, [8, 16]) as 8 | 16;
      if ((raw.model === undefined) !== (raw.weights === undefined)) {
        throw new CompileUsageError('--model and --weights go together: give both, or neither for the bundled micro model');
      }
      const modelPath = raw.model ?? (bits === 8 ? DEFAULTS.model8 : DEFAULTS.model4);
      const weightsPath = raw.weights ?? (bits === 8 ? DEFAULTS.weights8 : DEFAULTS.weights4);
      const calibPath = raw.calib ?? DEFAULTS.calib;
      const outDir = checkOutputDir(raw.out ?? DEFAULTS.out, { flag: '--out', inputs: [modelPath, weightsPath, calibPath] });
      const { compileModel, formatSummary, formatLayerReport } = await import('../../compiler/compile.ts');
      const result = await compileModel({
        modelPath,
        weightsPath,
        bits,
        actBits,
        calibPath,
        outDir,
        reportLayers: raw.reportLayers === true,
        streaming: raw.streaming === true,
      });
      for (const w of result.warnings) printWarning(w);
      for (const name of result.written?.edited ?? []) {
        process.stderr.write(`pose-edge: warning: ${outDir}/${name} had been edited since it was generated; it is replaced by the new one\n`);
      }
      if (raw.json) {
        const out = result.layers ? { ...result.report, layers: result.layers } : result.report;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(formatSummary(result.report));
        if (result.layers) process.stdout.write(formatLayerReport(result.layers));
      }
    });
}
