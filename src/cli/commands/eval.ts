// `pose-edge eval`: accuracy of the reference model (ONNX + dequantized npz weights on onnxruntime-node)
// on a labelled CSI set, next to the mean-pose baseline.
import type { Command } from 'commander';
import { DEFAULTS, EvalInputError } from '../../eval/inputs.ts';
import type { EvalResult } from '../../eval/evaluate.ts';
import { COCO_NAMES } from '../../data/coco17.ts';
import { printWarning } from '../warn.ts';


interface EvalFlags {
  model: string;
  weights: string;
  data?: string;
  labels?: string;
  meanPose: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('torso-PCK@20 and MPJPE of the reference model (ONNX with the npz weights, on onnxruntime) on a labelled CSI set')
    .option('--model <onnx>', 'ONNX model', DEFAULTS.model)
    .option('--weights <npz|none>', 'pose-edge-qweights npz whose dequantized values replace the ONNX weights; "none" runs the ONNX as exported', DEFAULTS.weights)
    .option('--data <X.npy>', `CSI windows, float32 [N,3,114,10] (default ${DEFAULTS.data}; give --labels with it)`)
    .option('--labels <Y.npy>', `keypoints, float32 [N,17,2] (default ${DEFAULTS.labels}; give --data with it)`)
    .option('--mean-pose <npy>', 'mean training pose, float32 [17,2], for the baseline', DEFAULTS.meanPose)
    .option('--json', 'print one JSON object instead of the table')
    .action(async (flags: EvalFlags) => {
      // Pairing someone's windows with the bundled labels (or the reverse) would give a meaningless score.
      if ((flags.data === undefined) !== (flags.labels === undefined)) {
        throw new EvalInputError(flags.data === undefined ? `--labels ${flags.labels} needs --data with it` : `--data ${flags.data} needs --labels with it`);
      }
      // Loaded on use: onnxruntime takes a while to load and other subcommands do not need it.
      const { evaluate } = await import('../../eval/evaluate.ts');
      const result = await evaluate({
        model: flags.model,
        weights: flags.weights === 'none' ? null : flags.weights,
        data: flags.data ?? DEFAULTS.data,
        labels: flags.labels ?? DEFAULTS.labels,
        meanPose: flags.meanPose,
      }, { onWarning: printWarning });
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatTable(result));
    });
}

function formatTable(r: EvalResult): string {
  const pct = (v: number) => `${v.toFixed(2)} %`;
  const lines = [
    `model     ${r.model}`,
    `weights   ${r.weights ?? 'none (ONNX as exported)'}`,
    `data      ${r.data} (${r.samples} windows${r.nonFinite ? `; ${r.nonFinite} non-finite amplitudes replaced by 0` : ''})`,
    '',
    `                  model       mean pose`,
    `torso-PCK@20   ${pct(r.pck20).padStart(9)}   ${pct(r.meanPosePck20).padStart(9)}`,
    `MPJPE          ${r.mpjpe.toFixed(4).padStart(9)}   ${r.meanPoseMpjpe.toFixed(4).padStart(9)}`,
    '',
    'torso-PCK@20 per keypoint:',
    ...r.perKeypointPck20.map((v, k) => `  ${String(k).padStart(2)} ${COCO_NAMES[k].padEnd(11)} ${pct(v).padStart(8)}`),
  ];
  return `${lines.join('\n')}\n`;
}
