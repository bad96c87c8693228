// `pose-edge synth`: writes a synthetic WiFi-CSI pose data set (X [N,3,114,10], Y [N,17,2], float32 .npy)
// from the simulator in src/data/csisim (see docs/synthetic-data.md for the model of the world), or with
// --recording, a CSI recording of the driver buffers three transmitters would give a node (src/data/csisim/driver.ts),
// which `pose-edge node --virtual --replay-csi` runs through the live path.
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { encodeNpy } from '../../io/npy.ts';
import { writeFilesAtomic } from '../../io/atomic-files.ts';
import { checkDistinctOutputs, checkOutputFile } from '../../io/output-paths.ts';
import { applySetting, makeConfig } from '../../data/csisim/config.ts';
import { SynthConfigError } from '../../data/csisim/errors.ts';
import { LABEL_VALUES, SPLITS, meanPose, synthesize, type Split } from '../../data/csisim/dataset.ts';
import { LINKS, PACKETS_PER_WINDOW, SUBCARRIERS } from '../../data/csisim/band.ts';
import { JOINTS } from '../../data/csisim/skeleton.ts';
import { DRIVER_BANDWIDTHS, synthesizeDriverPackets, type DriverBandwidth } from '../../data/csisim/driver.ts';
import { encodeCsiRecording } from '../../host/protocol/csi-recording.ts';
import { escapeTerminal } from '../../io/terminal-text.ts';

/** Window counts when --windows is not given: a training set, and held-out/calibration sets of the bundled size. */
export const DEFAULT_WINDOWS: Record<Split, number> = { train: 20000, test: 512, calib: 256 };

/** X is built in memory (13.7 kB per window) and encoded once more to write it: 150,000 windows need ~4 GB. */
const MAX_WINDOWS = 150_000;

interface SynthFlags {
  split?: string;
  recording?: string;
  bandwidth: string;
  seconds: string;
  labels?: string;
  hop: string;
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
    .option('--split <split>', `which split: ${SPLITS.join('|')} (splits never share a sequence); or --recording`)
    .option('--recording <file>', 'instead of a data set: a CSI recording (PECSREC2) of the driver buffers 3 transmitters would give a node, for `node --virtual --replay-csi`')
    .addOption(new Option('--bandwidth <bw>', 'with --recording: ht40 (buffer layout ht40-below, the model\'s 114 tones) or ht20 (layout ht20, 56 tones)').default('ht40'))
    .addOption(new Option('--seconds <s>', `with --recording: how long, at the simulator's packet rate (slots of 3 packets), up to ${MAX_SECONDS}`).default('10'))
    .option('--labels <Y.npy>', 'with --recording: the keypoints of each window the node runs on it, float32 [N,17,2] (the pose at the window\'s last slot), for `eval --labels`')
    .addOption(new Option('--hop <n>', 'with --labels: slots between two node windows, 1..10 (the node\'s default)').default('5'))
    .option('--windows <N>', `number of windows (default: ${SPLITS.map((s) => `${s} ${DEFAULT_WINDOWS[s]}`).join(', ')})`)
    .option('--seed <S>', 'seed of the split\'s sequences, integer 0..4294967295', '0')
    .option('--out-x <X.npy>', 'CSI amplitudes, float32 [N,3,114,10] (default <split>_X.npy)')
    .option('--out-y <Y.npy>', 'keypoints, float32 [N,17,2] (default <split>_Y.npy)')
    .option('--out-mean-pose <P.npy>', 'also write the mean pose of the generated windows, float32 [17,2] (use with --split train)')
    .option('--set <name=value>', 'override a simulator knob (repeatable), e.g. --set snrDb=15 --set weight.walk=0', collect)
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print one JSON object describing what was written')
    .addHelpText('after', '\nThe simulated world, every knob and the measured difficulty: docs/synthetic-data.md; --recording: README "Try the live path without a board"')
    .action((flags: SynthFlags) => runSynth(flags));
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function runSynth(flags: SynthFlags): void {
  if (flags.recording !== undefined) return runRecording(flags, flags.recording);
  if (flags.labels !== undefined) throw new SynthConfigError('--labels goes with --recording (a data set writes its labels with --out-y)');
  if (flags.split === undefined) throw new SynthConfigError('synth needs --split train|test|calib (a data set) or --recording FILE (driver buffers for the virtual node)');
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

/** Ten minutes: 60,000 slots at the default 100 Hz, 71 MB of HT40 buffers. */
const MAX_SECONDS = 600;

function runRecording(flags: SynthFlags, path: string): void {
  const conflicts = (['split', 'windows', 'outX', 'outY', 'outMeanPose'] as const).filter((k) => flags[k] !== undefined);
  const names: Record<string, string> = { split: '--split', windows: '--windows', outX: '--out-x', outY: '--out-y', outMeanPose: '--out-mean-pose' };
  if (conflicts.length) throw new SynthConfigError(`--recording writes driver buffers, not a data set: drop ${conflicts.map((k) => names[k]).join(', ')}`);
  if (!(DRIVER_BANDWIDTHS as readonly string[]).includes(flags.bandwidth)) throw new SynthConfigError(`--bandwidth ${flags.bandwidth}: expected ht40 or ht20`);
  const seconds = Number(flags.seconds);
  if (!/^\d+(\.\d+)?$/.test(flags.seconds.trim()) || !(seconds > 0) || seconds > MAX_SECONDS) {
    throw new SynthConfigError(`--seconds ${flags.seconds}: expected a number in (0, ${MAX_SECONDS}]`);
  }
  const seed = parseInteger('--seed', flags.seed, 0, 0xffffffff);
  let config = makeConfig();
  for (const s of flags.set ?? []) config = applySetting(config, s);
  const hop = parseInteger('--hop', flags.hop, 1, PACKETS_PER_WINDOW);
  checkDistinctOutputs([['--recording', path], ['--labels', flags.labels]]);
  const out = checkOutputFile(path, { flag: '--recording' });
  const labelsOut = flags.labels === undefined ? undefined : checkOutputFile(flags.labels, { flag: '--labels' });
  const slots = Math.max(1, Math.round(seconds * config.packetRateHz));
  const t0 = performance.now();
  const r = synthesizeDriverPackets({ bandwidth: flags.bandwidth as DriverBandwidth, slots, seed, config });
  const bytes = encodeCsiRecording(r.packets);
  // The node runs window i on slots hop*i .. hop*i + 9 (every slot complete: one packet per link each).
  const windows = slots < PACKETS_PER_WINDOW ? 0 : Math.floor((slots - PACKETS_PER_WINDOW) / hop) + 1;
  const files: [string, Uint8Array][] = [[out, bytes]];
  if (labelsOut) {
    const y = new Float32Array(windows * JOINTS * 2);
    for (let i = 0; i < windows; i++) {
      const last = hop * i + PACKETS_PER_WINDOW - 1;
      y.set(r.labels.subarray(last * JOINTS * 2, (last + 1) * JOINTS * 2), i * JOINTS * 2);
    }
    files.push([labelsOut, encodeNpy(y, [windows, JOINTS, 2])]);
  }
  writeFilesAtomic(files, 'the CSI recording');
  const summary = {
    recording: out, labels: labelsOut ?? null, windows, hop, bandwidth: flags.bandwidth, layout: r.layout.name, seconds, slots, packets: r.packets.length, bytes: bytes.length, seed, room: r.room,
    channel: r.channel, centreHz: config.centreHz, packetRateHz: config.packetRateHz, elapsedSeconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  process.stdout.write(
    `synth recording: ${slots} slots of ${LINKS} transmitters (${r.packets.length} packets, ${seconds} s at ${config.packetRateHz} Hz), layout ${r.layout.name} ` +
      `(${r.layout.len} bytes), channel ${r.channel}, room ${r.room}, seed ${seed}\n  ${escapeTerminal(out)}  ${bytes.length} bytes: replay it with \`pose-edge node --virtual --replay-csi ${escapeTerminal(out)}\`\n` +
      (labelsOut ? `  ${escapeTerminal(labelsOut)}  float32 [${windows},${JOINTS},2]: the keypoints of the node's ${windows} windows (hop ${hop})\n` : ''),
  );
}

function parseInteger(flag: string, text: string, lo: number, hi: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new SynthConfigError(`${flag} ${text}: expected an integer in [${lo}, ${hi}]`);
  }
  return v;
}
