// `pose-edge compile`: ONNX + quantized weights -> an ESP-IDF component with the integer-only kernel.
// Option parsing and output formatting only; the work is in src/compiler/compile.ts.
import type { Command } from 'commander';
import { PoseEdgeError } from '../errors.ts';
import { BUNDLED } from '../../bundled.ts';
import { checkOutputDir, checkOutputFile } from '../../io/output-paths.ts';
import { writeFileAtomic } from '../../io/atomic-files.ts';
import { addModelOptions, parseModelOptions, type ModelFlags } from '../options.ts';
import { printWarning } from '../warn.ts';

export class CompileUsageError extends PoseEdgeError {}

interface RawOptions extends ModelFlags {
  out?: string;
  json?: boolean;
  reportLayers?: boolean;
  streaming?: boolean;
  qplanOut?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('compile')
    .description('compile an ONNX pose model and its quantized weights into an integer-only C kernel (ESP-IDF component)');
  addModelOptions(cmd)
    .option('--out <dir>', 'output component directory (default: firmware/components/pose_model); an existing one must hold a pose-edge manifest, and only the files it lists are replaced')
    .option('--json', 'print one JSON object (the compile report) instead of a summary')
    .option('--streaming', 'also emit pose_model_push_packet / pose_model_run_streaming (refused unless the graph starts with window normalization -> per-packet linear)')
    .option('--report-layers', 'print per-layer cosine similarity and max error of the integer kernel vs the float reference')
    .option('--qplan-out <file>', 'also write the quantization plan (which activations can be int8, at which scales) for activation-aware QAT (reference/train.py --act-plan)')
    .action(async (raw: RawOptions) => {
      const model = parseModelOptions(raw, CompileUsageError);
      const outDir = checkOutputDir(raw.out ?? BUNDLED.component, { flag: '--out', inputs: [model.modelPath, model.weightsPath, model.calibPath] });
      const qplanOut = raw.qplanOut === undefined ? undefined : checkOutputFile(raw.qplanOut, { flag: '--qplan-out', inputs: [model.modelPath, model.weightsPath, model.calibPath] });
      const { compileModel, formatSummary, formatLayerReport } = await import('../../compiler/compile.ts');
      const result = await compileModel({
        ...model,
        outDir,
        reportLayers: raw.reportLayers === true,
        streaming: raw.streaming === true,
      });
      for (const w of result.warnings) printWarning(w);
      if (qplanOut) writeFileAtomic(qplanOut, `${JSON.stringify(result.quantPlan, null, 2)}\n`);
      for (const name of result.written?.edited ?? []) {
        printWarning(`${outDir}/${name} had been edited since it was generated; it is replaced by the new one`);
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
