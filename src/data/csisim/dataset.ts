// The window writer: turns (split, seed, windows, config) into the data set's X [N,3,114,10] float32
// raw CSI amplitude (link, subcarrier, packet) and Y [N,17,2] float32 keypoints.
//
// A data set is a series of sequences. Sequence s of a split draws everything (room among the
// cfg.rooms shared rooms, subject body, activity timeline, packet timing, noise) from its own generator
// seeded by mixSeed(splitTag, seed, s). Splits have different tags, so train, test and calib never share
// a sequence even with the same --seed; the rooms are the fixed deployment environments and are shared,
// as a deployed node always works in the same few rooms.
// Each sequence starts after a random warm-up (0-3 s of motion) so windows do not all begin with a
// fresh activity. Windows are 10 consecutive packets; the label is the pose at the window's LAST
// packet (what a node streaming in real time can be asked for).
// Non-finite values never leave the writer: any NaN or +-Inf amplitude (or keypoint) is replaced by 0,
// the project's one documented rule, and counted (src/data/nonfinite.ts, shared with every window reader).
import { LINKS, PACKETS_PER_WINDOW, SUBCARRIERS, makeBand } from './band.ts';
import { WINDOW_VALUES } from '../window.ts';
import { addNoise, reportAmplitude, reportScaled } from './channel.ts';
import { projectJoints } from './camera.ts';
import type { SimConfig } from './config.ts';
import { SynthConfigError } from './errors.ts';
import { MotionTrack } from './motion.ts';
import { Rng, mixSeed } from './prng.ts';
import { replaceNonFinite } from '../nonfinite.ts';
import { makeRoom, type Room } from './room.ts';
import { PacketSynth } from './scene.ts';
import { JOINTS, sampleBody } from './skeleton.ts';

export type Split = 'train' | 'test' | 'calib';
export const SPLITS: readonly Split[] = ['train', 'test', 'calib'];

/** Four ASCII letters per split, mixed into every sequence seed so splits cannot share a sequence. */
export const SPLIT_TAGS: Record<Split, number> = { train: 0x7472616e, test: 0x74657374, calib: 0x63616c69 };

export { WINDOW_VALUES };
// Local copies for the inner loops (under tsx every read of an imported binding is a getter call).
const LINK_VALUES = SUBCARRIERS * PACKETS_PER_WINDOW;
const PACKETS = PACKETS_PER_WINDOW;
const NLINKS = LINKS;
export const LABEL_VALUES = JOINTS * 2;

export interface SynthOptions {
  split: Split;
  windows: number;
  seed: number;
  config: SimConfig;
  /** Called after each sequence with the number of windows written so far. */
  onProgress?: (done: number) => void;
}

export interface SynthResult {
  X: Float32Array;
  Y: Float32Array;
  windows: number;
  sequences: number;
  /** Seed of each sequence, in order. */
  sequenceSeeds: Uint32Array;
  /** Room index of each sequence. */
  sequenceRooms: Uint16Array;
  /** How many non-finite values were replaced by 0 (X and Y together). */
  replacedNonFinite: number;
}

export function sequenceSeed(split: Split, seed: number, sequence: number): number {
  return mixSeed(SPLIT_TAGS[split], seed, sequence);
}

export function synthesize(opts: SynthOptions): SynthResult {
  const { split, windows, seed, config: cfg } = opts;
  if (!SPLITS.includes(split)) throw new SynthConfigError(`split '${String(split)}': expected one of ${SPLITS.join(', ')}`);
  if (!Number.isInteger(windows) || windows < 1) throw new SynthConfigError(`--windows ${windows}: expected an integer >= 1`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new SynthConfigError(`--seed ${seed}: expected an integer in [0, 4294967295]`);
  if (cfg.windowStride < PACKETS_PER_WINDOW) {
    throw new SynthConfigError(`knob windowStride: ${cfg.windowStride} is below ${PACKETS_PER_WINDOW} (overlapping windows are not supported)`);
  }
  const band = makeBand(cfg.centreHz, cfg.subcarrierSpacingHz);
  const rooms: Room[] = [];
  for (let i = 0; i < cfg.rooms; i++) rooms.push(makeRoom(cfg, band, i));
  // A locked gain brings the empty room's mean power over the 3 antennas to the AGC target.
  const lockedGain = rooms.map((r) => cfg.agcTargetRms / Math.sqrt((r.staticPower[0] + r.staticPower[1] + r.staticPower[2]) / 3));
  const synth = new PacketSynth(cfg, band);
  const X = new Float32Array(windows * WINDOW_VALUES);
  const Y = new Float32Array(windows * LABEL_VALUES);
  const joints = new Float64Array(JOINTS * 3);
  const nSeq = Math.ceil(windows / cfg.windowsPerSequence);
  const sequenceSeeds = new Uint32Array(nSeq);
  const sequenceRooms = new Uint16Array(nSeq);
  const snrLinear = Math.pow(10, cfg.snrDb / 10);
  const meanDt = 1 / cfg.packetRateHz;
  let replaced = 0;
  let n = 0;
  for (let s = 0; s < nSeq; s++) {
    const sSeed = sequenceSeed(split, seed, s);
    sequenceSeeds[s] = sSeed;
    const rng = new Rng(sSeed);
    const room = rooms[rng.int(rooms.length)];
    sequenceRooms[s] = room.index;
    const body = sampleBody(rng, cfg.bodySizeVariety);
    const track = new MotionTrack(rng, cfg, room, body);
    const nextDt = (): number => meanDt * Math.max(0.2, 1 + cfg.packetJitter * rng.normal());
    const warmup = rng.int(3 * cfg.packetRateHz);
    for (let i = 0; i < warmup; i++) track.step(meanDt, joints);
    const inSeq = Math.min(cfg.windowsPerSequence, windows - n);
    for (let w = 0; w < inSeq; w++, n++) {
      if (w > 0) for (let i = PACKETS_PER_WINDOW; i < cfg.windowStride; i++) track.step(nextDt(), joints);
      const base = n * WINDOW_VALUES;
      for (let p = 0; p < PACKETS; p++) {
        track.step(nextDt(), joints);
        synth.placeBody(joints, body.rcsScale);
        // AGC error: a common part per packet plus a smaller independent part per receive chain.
        const agcCommon = cfg.agcJitterDb * rng.normal();
        for (let l = 0; l < NLINKS; l++) {
          synth.channel(room, l);
          addNoise(rng, room.staticPower[l] / snrLinear, synth.re, synth.im);
          const errDb = agcCommon + (cfg.agcJitterDb / 3) * rng.normal();
          const at = base + l * LINK_VALUES + p;
          if (cfg.agcLocked) {
            reportScaled(synth.re, synth.im, lockedGain[room.index] * Math.pow(10, errDb / 20), cfg.quantizeInt8, X, at, PACKETS_PER_WINDOW);
          } else {
            reportAmplitude(synth.re, synth.im, cfg.agcTargetRms, errDb, cfg.quantizeInt8, X, at, PACKETS_PER_WINDOW);
          }
        }
      }
      projectJoints(room.camera, joints, JOINTS, Y, n * LABEL_VALUES);
      replaced += replaceNonFinite(X, base, WINDOW_VALUES).count + replaceNonFinite(Y, n * LABEL_VALUES, LABEL_VALUES).count;
    }
    opts.onProgress?.(n);
  }
  return { X, Y, windows, sequences: nSeq, sequenceSeeds, sequenceRooms, replacedNonFinite: replaced };
}

/** Mean pose over all windows of Y: float32 [17, 2]. */
export function meanPose(Y: Float32Array): Float32Array {
  const n = Y.length / LABEL_VALUES;
  const acc = new Float64Array(LABEL_VALUES);
  for (let i = 0; i < Y.length; i++) acc[i % LABEL_VALUES] += Y[i];
  const out = new Float32Array(LABEL_VALUES);
  for (let j = 0; j < LABEL_VALUES; j++) out[j] = n > 0 ? acc[j] / n : 0;
  return out;
}
