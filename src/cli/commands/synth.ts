// `pose-edge synth`: writes a synthetic WiFi-CSI pose data set (X [N,3,114,10], Y [N,17,2], float32 .npy)
// from the simulator in src/data/csisim (see docs/synthetic-data.md for the model of the world).
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { encodeNpy } from '../../io/npy.ts';
import { writeFilesAtomic } from '../../io/atomic-files.ts';
import { checkDistinctOutputs, checkOutputFile } from '../../io/output-paths.ts';
import { applySetting, makeConfig } from '../../data/csisim/config.ts';
import { SynthConfigError } from '../../data/csisim/errors.ts';
import { LABEL_VALUES, SPLITS, meanPose, synthesize, type Split } from '../../data/csisim/dataset.ts';
import { LINKS, PACKETS_PER_WINDOW, SUBCARRIERS } from '../../data/csisim/band.ts';
import { JOINTS } from '../../data/csisim/skeleton.ts';

/** Window counts when --windows is not given: a training set, and held-out/calibration sets of the bundled size. */
export const DEFAULT_WINDOWS: Record<Split, number> = { train: 20000, test: 512, calib: 256 };

/** X is built in memory (13.7 kB per window) and encoded once more to write it: 150,000 windows need ~4 GB. */
const MAX_WINDOWS = 150_000;

interface SynthFlags {
  split: string;
  windows?: string;
  seed: string;
  outX?: string;
  outY?: string;
  outMeanPose?: string;
  set?: string[];
  json?: boolean;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('generate synthetic WiFi-CSI windows and COCO-17 keypoint labels (.npy) from the physical CSI simulator')
    .requiredOption('--split <split>', `which split: ${SPLITS.join('|')} (splits never share a sequence)`)
    .option('--windows <N>', `number of windows (default: ${SPLITS.map((s) => `${s} ${DEFAULT_WINDOWS[s]}`).join(', ')})`)
    .option('--seed <S>', 'seed of the split\'s sequences, integer 0..4294967295', '0')
    .option('--out-x <X.npy>', 'CSI amplitudes, float32 [N,3,114,10] (default <split>_X.npy)')
    .option('--out-y <Y.npy>', 'keypoints, float32 [N,17,2] (default <split>_Y.npy)')
    .option('--out-mean-pose <P.npy>', 'also write the mean pose of the generated windows, float32 [17,2] (use with --split train)')
    .option('--set <name=value>', 'override a simulator knob (repeatable), e.g. --set snrDb=15 --set weight.walk=0', collect)
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print one JSON object describing what was written')
    .addHelpText('after', '\nThe simulated world, every knob and the measured difficulty: docs/synthetic-data.md')
    .action((flags: SynthFlags) => runSynth(flags));
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function runSynth(flags: SynthFlags): void {
  if (!(SPLITS as readonly string[]).includes(flags.split)) {
    throw new SynthConfigError(`--split ${flags.split}: expected one of ${SPLITS.join(', ')}`);
  }
  const split = flags.split as Split;
  const windows = flags.windows === undefined ? DEFAULT_WINDOWS[split] : parseInteger('--windows', flags.windows, 1, MAX_WINDOWS);
  const seed = parseInteger('--seed', flags.seed, 0, 0xffffffff);
  let config = makeConfig();
  for (const s of flags.set ?? []) config = applySetting(config, s);
  checkDistinctOutputs([['--out-x', flags.outX ?? `${split}_X.npy`], ['--out-y', flags.outY ?? `${split}_Y.npy`], ['--out-mean-pose', flags.outMeanPose]]);
  const outX = checkOutputFile(flags.outX ?? `${split}_X.npy`, { flag: '--out-x' });
  const outY = checkOutputFile(flags.outY ?? `${split}_Y.npy`, { flag: '--out-y' });
  const outMean = flags.outMeanPose === undefined ? undefined : checkOutputFile(flags.outMeanPose, { flag: '--out-mean-pose' });

  const bar = flags.progress && !flags.json && process.stderr.isTTY ? new SingleBar({ format: 'synth {bar} {value}/{total} windows | {eta}s left' }) : null;
  bar?.start(windows, 0);
  const t0 = performance.now();
  const result = synthesize({ split, windows, seed, config, onProgress: (done) => bar?.update(done) });
  bar?.stop();
  const seconds = (performance.now() - t0) / 1000;

  const files: [string, Uint8Array][] = [
    [outX, encodeNpy(result.X, [windows, LINKS, SUBCARRIERS, PACKETS_PER_WINDOW])],
    [outY, encodeNpy(result.Y, [windows, JOINTS, 2])],
  ];
  if (outMean) files.push([outMean, encodeNpy(meanPose(result.Y), [JOINTS, LABEL_VALUES / JOINTS])]);
  // All or nothing: a full disk never leaves an X without its Y that looks like a data set.
  writeFilesAtomic(files, 'the synthetic data set');

  const summary = {
    split,
    windows,
    seed,
    sequences: result.sequences,
    rooms: config.rooms,
    outX,
    outY,
    outMeanPose: outMean ?? null,
    seconds: Number(seconds.toFixed(3)),
    replacedNonFinite: result.replacedNonFinite,
    config,
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const lines = [
      `synth ${split}: ${windows} windows from ${result.sequences} sequences in ${config.rooms} rooms (seed ${seed}) in ${seconds.toFixed(1)} s`,
      `  X ${outX}  float32 [${windows},${LINKS},${SUBCARRIERS},${PACKETS_PER_WINDOW}]`,
      `  Y ${outY}  float32 [${windows},${JOINTS},2]`,
      ...(outMean ? [`  mean pose ${outMean}  float32 [${JOINTS},2]`] : []),
      ...(result.replacedNonFinite > 0 ? [`  replaced ${result.replacedNonFinite} non-finite values by 0`] : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function parseInteger(flag: string, text: string, lo: number, hi: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new SynthConfigError(`${flag} ${text}: expected an integer in [${lo}, ${hi}]`);
  }
  return v;
}
