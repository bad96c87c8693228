// `pose-edge bench`: speed, size and accuracy of the generated kernel against onnxruntime-node and on the
// node's instruction sets, in one run on the bundled test set. The work is in src/workflows/bench/run.ts.
import { Option, type Command } from 'commander';
import { PoseEdgeError } from '../errors.ts';
import { addModelOptions, numberIn, parseModelOptions, type ModelFlags } from '../options.ts';

export class BenchUsageError extends PoseEdgeError {}

interface RawOptions extends ModelFlags {
  runs: string;
  countWindows: string;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('bench')
    .description('measure the generated kernel: host time vs onnxruntime-node, rv32imc instructions, memory, code size and accuracy');
  addModelOptions(cmd)
    .addOption(new Option('--runs <n>', 'timed inferences for each of the host kernel and onnxruntime (after warm-up)').default('1000'))
    .addOption(new Option('--count-windows <n>', 'test windows whose rv32 instructions are counted under qemu').default('4'))
    .option('--json', 'print one JSON object instead of the table')
    .action(async (raw: RawOptions) => {
      const model = parseModelOptions(raw, BenchUsageError);
      const runs = numberIn('--runs', raw.runs, 1, 1e9, BenchUsageError);
      const countWindows = numberIn('--count-windows', raw.countWindows, 1, 1e6, BenchUsageError);
      // Loaded on use: onnxruntime and the compiler take a while to load and other subcommands do not need them.
      const { runBench } = await import('../../workflows/bench/run.ts');
      const { formatBench } = await import('../../workflows/bench/format.ts');
      const report = await runBench({
        ...model, runs, countWindows,
        onStep: raw.json || !process.stderr.isTTY ? undefined : (s) => process.stderr.write(`bench: ${s}...\n`),
      });
      process.stdout.write(raw.json ? `${JSON.stringify(report)}\n` : formatBench(report));
    });
}
