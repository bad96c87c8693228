// `pose-edge bench`: speed, size and accuracy of the generated kernel against onnxruntime-node and on the
// node's instruction sets, in one run on the bundled test set. The work is in src/bench/run.ts.
import { Command, Option } from 'commander';
import { DEFAULTS } from './compile.ts';
import { PoseEdgeError } from '../errors.ts';

export class BenchUsageError extends PoseEdgeError {}

interface RawOptions {
  model?: string;
  weights?: string;
  bits: string;
  actBits: string;
  runs: string;
  countWindows: string;
  json?: boolean;
}

function parseChoice(flag: string, value: string, allowed: number[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !allowed.includes(n)) throw new BenchUsageError(`${flag} must be ${allowed.join(' or ')}, got '${value}'`);
  return n;
}

function parsePositive(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new BenchUsageError(`${flag} must be a positive integer, got '${value}'`);
  return Number(value);
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('measure the generated kernel: host time vs onnxruntime-node, rv32imc instructions, memory, code size and accuracy')
    .option('--model <path>', 'ONNX model (default: models/micro/micro.onnx; with --bits 8: models/micro/micro_fp32.onnx)')
    .option('--weights <npz>', 'quantized weights (default: models/micro/pose_micro_int4.npz; with --bits 8: pose_micro_int8.npz)')
    .addOption(new Option('--bits <n>', 'weight bits: 4 or 8').default('4'))
    .addOption(new Option('--act-bits <n>', 'default activation precision: 8 or 16').default('8'))
    .addOption(new Option('--runs <n>', 'timed inferences for each of the host kernel and onnxruntime (after warm-up)').default('1000'))
    .addOption(new Option('--count-windows <n>', 'test windows whose rv32 instructions are counted under qemu').default('4'))
    .option('--json', 'print one JSON object instead of the table')
    .action(async (raw: RawOptions) => {
      const bits = parseChoice('--bits', raw.bits, [4, 8]) as 4 | 8;
      const actBits = parseChoice('--act-bits', raw.actBits, [8, 16]) as 8 | 16;
      const runs = parsePositive('--runs', raw.runs);
      const countWindows = parsePositive('--count-windows', raw.countWindows);
      if ((raw.model === undefined) !== (raw.weights === undefined)) {
        throw new BenchUsageError('--model and --weights go together: give both, or neither for the bundled micro model');
      }
      // Loaded on use: onnxruntime and the compiler take a while to load and other subcommands do not need them.
      const { runBench } = await import('../../bench/run.ts');
      const { formatBench } = await import('../../bench/format.ts');
      const report = await runBench({
        modelPath: raw.model ?? (bits === 8 ? DEFAULTS.model8 : DEFAULTS.model4),
        weightsPath: raw.weights ?? (bits === 8 ? DEFAULTS.weights8 : DEFAULTS.weights4),
        bits, actBits, runs, countWindows,
        onStep: raw.json || !process.stderr.isTTY ? undefined : (s) => process.stderr.write(`bench: ${s}...\n`),
      });
      process.stdout.write(raw.json ? `${JSON.stringify(report)}\n` : formatBench(report));
    });
}
