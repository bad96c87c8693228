// Every knob of the synthetic CSI world in one place, with the defaults `pose-edge synth` uses.
// Difficulty is tuned here (or per run with `synth --set name=value`): noise and AGC jitter, multipath
// richness, scatterer count, body-size and position variety. docs/synthetic-data.md explains each knob.

import { SynthConfigError } from './errors.ts';

export type ActivityName =
  | 'stand'
  | 'walk'
  | 'wave'
  | 'raiseArms'
  | 'squat'
  | 'sit'
  | 'bow'
  | 'boxing'
  | 'kick'
  | 'markTime'
  | 'jumpingJacks'
  | 'twist';

export const ACTIVITIES: readonly ActivityName[] = [
  'stand',
  'walk',
  'wave',
  'raiseArms',
  'squat',
  'sit',
  'bow',
  'boxing',
  'kick',
  'markTime',
  'jumpingJacks',
  'twist',
];

export interface SimConfig {
  /** Channel centre frequency (Hz); 5.19 GHz is the HT40 channel over 20 MHz channels 36+40. */
  centreHz: number;
  /** OFDM subcarrier spacing (Hz). */
  subcarrierSpacingHz: number;
  /** Mean CSI packet rate (Hz) and the relative standard deviation of the inter-packet interval. */
  packetRateHz: number;
  packetJitter: number;
  /** Packets between the starts of consecutive windows of one sequence (10 = back to back). */
  windowStride: number;
  /** Windows cut from one sequence (one subject, one room, one activity timeline). */
  windowsPerSequence: number;
  /** Number of distinct rooms (deployment environments) and the seed that builds them; shared by all splits. */
  rooms: number;
  worldSeed: number;
  /** Order of wall/floor/ceiling reflections (image method): 0, 1 or 2. */
  reflectionOrder: number;
  /** Static point scatterers (furniture, clutter) per room. */
  furniture: number;
  /** Range of amplitude reflection coefficients of walls, floor and ceiling. */
  wallReflectivityMin: number;
  wallReflectivityMax: number;
  /** Point scatterers per body segment (13 segments). */
  pointsPerSegment: number;
  /** Multiplies every body radar cross-section (1 = about 1.4 m^2 in total, the upper end measured for adults at 5 GHz). */
  bodyRcsScale: number;
  /** 0 = every subject has the same body; 1 = adult heights 1.50-1.95 m and builds 0.85-1.2. */
  bodySizeVariety: number;
  /** Radius (m) of the floor area subjects move in, around the room's activity centre. */
  positionSpread: number;
  /** Half-range (rad) of the direction a subject faces, around facing the camera, when not walking. */
  facingSpread: number;
  /** Multiplies every body segment's LOS shadow depth (0 = the body never shadows the line of sight). */
  losBlockage: number;
  /** Diffraction widening of a segment's LOS shadow, as a fraction of the first Fresnel zone radius. */
  shadowFresnel: number;
  /** Where the activity area sits on the TX-RX baseline: its distance from the receiver as a fraction of the baseline. */
  rxFraction: number;
  /** Spacing (m) of the receiver's 3 antennas. */
  antennaSpacing: number;
  /** Stack the antennas vertically (true) or side by side, broadside to the transmitter (false). */
  verticalArray: boolean;
  /** Thermal noise: SNR in dB of the static channel's mean power over complex AWGN per subcarrier. */
  snrDb: number;
  /** Per-packet AGC gain error, standard deviation in dB (per packet, plus a third of it per link). */
  agcJitterDb: number;
  /** RMS I/Q magnitude the AGC aims for before quantization. */
  agcTargetRms: number;
  /**
   * Lock the receive gain once per recording (one gain for the 3 antennas, set from the empty room's mean
   * power) instead of re-running the AGC on every packet and antenna. A locked gain keeps the power
   * differences between packets and links that shadowing and echoes cause; a per-packet AGC erases them.
   */
  agcLocked: boolean;
  /** Emulate the ESP32's int8 I/Q CSI report (round and clamp to [-128, 127]) before taking |H|. */
  quantizeInt8: boolean;
  /** Relative weight of each activity when a subject picks the next one. */
  activityWeights: Record<ActivityName, number>;
  /** Duration range (s) of one activity segment and of the blend into the next. */
  segmentMinS: number;
  segmentMaxS: number;
  blendS: number;
}

export const DEFAULT_CONFIG: Readonly<SimConfig> = Object.freeze({
  centreHz: 5.19e9,
  subcarrierSpacingHz: 312.5e3,
  packetRateHz: 100,
  packetJitter: 0.05,
  windowStride: 10,
  windowsPerSequence: 16,
  rooms: 4,
  worldSeed: 1,
  reflectionOrder: 2,
  furniture: 8,
  wallReflectivityMin: 0.25,
  wallReflectivityMax: 0.6,
  pointsPerSegment: 3,
  bodyRcsScale: 0.35,
  bodySizeVariety: 0.5,
  positionSpread: 0.08,
  facingSpread: 0.3,
  losBlockage: 1,
  shadowFresnel: 0.6,
  rxFraction: 0.5,
  antennaSpacing: 0.6,
  verticalArray: true,
  snrDb: 25,
  agcJitterDb: 0.5,
  agcTargetRms: 20,
  agcLocked: true,
  quantizeInt8: true,
  activityWeights: Object.freeze({
    stand: 1,
    walk: 0.3,
    wave: 1,
    raiseArms: 1,
    squat: 1,
    sit: 1,
    bow: 1,
    boxing: 1,
    kick: 1,
    markTime: 1,
    jumpingJacks: 1,
    twist: 1,
  }) as Record<ActivityName, number>,
  segmentMinS: 3,
  segmentMaxS: 8,
  blendS: 0.8,
});

type NumericKey = { [K in keyof SimConfig]: SimConfig[K] extends number ? K : never }[keyof SimConfig];

/** Valid range of each numeric knob; a value outside it is a SynthConfigError naming the knob. */
const RANGES: Record<NumericKey, [number, number, 'int' | 'real']> = {
  centreHz: [1e9, 100e9, 'real'],
  subcarrierSpacingHz: [1e3, 10e6, 'real'],
  packetRateHz: [1, 10000, 'real'],
  packetJitter: [0, 0.5, 'real'],
  windowStride: [10, 10000, 'int'],
  windowsPerSequence: [1, 1e6, 'int'],
  rooms: [1, 10000, 'int'],
  worldSeed: [0, 4294967295, 'int'],
  reflectionOrder: [0, 2, 'int'],
  furniture: [0, 1000, 'int'],
  wallReflectivityMin: [0, 1, 'real'],
  wallReflectivityMax: [0, 1, 'real'],
  pointsPerSegment: [1, 64, 'int'],
  bodyRcsScale: [0, 100, 'real'],
  bodySizeVariety: [0, 1, 'real'],
  positionSpread: [0, 3, 'real'],
  facingSpread: [0, 3.2, 'real'],
  losBlockage: [0, 1.5, 'real'],
  shadowFresnel: [0, 3, 'real'],
  antennaSpacing: [0, 0.9, 'real'],
  rxFraction: [0.2, 0.8, 'real'],
  snrDb: [-20, 200, 'real'],
  agcJitterDb: [0, 20, 'real'],
  agcTargetRms: [1, 80, 'real'],
  segmentMinS: [0.1, 600, 'real'],
  segmentMaxS: [0.1, 600, 'real'],
  blendS: [0, 10, 'real'],
};

export function makeConfig(overrides: Partial<SimConfig> = {}): SimConfig {
  const cfg: SimConfig = {
    ...DEFAULT_CONFIG,
    ...overrides,
    activityWeights: { ...DEFAULT_CONFIG.activityWeights, ...(overrides.activityWeights ?? {}) },
  };
  validateConfig(cfg);
  return cfg;
}

export function validateConfig(cfg: SimConfig): void {
  for (const [key, [lo, hi, kind]] of Object.entries(RANGES) as [NumericKey, [number, number, string]][]) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (kind === 'int' && !Number.isInteger(v))) {
      throw new SynthConfigError(`knob ${key}: ${String(v)} is not ${kind === 'int' ? 'an integer' : 'a number'} in [${lo}, ${hi}]`);
    }
  }
  if (cfg.wallReflectivityMin > cfg.wallReflectivityMax) {
    throw new SynthConfigError(`knob wallReflectivityMin (${cfg.wallReflectivityMin}) exceeds wallReflectivityMax (${cfg.wallReflectivityMax})`);
  }
  if (cfg.segmentMinS > cfg.segmentMaxS) {
    throw new SynthConfigError(`knob segmentMinS (${cfg.segmentMinS}) exceeds segmentMaxS (${cfg.segmentMaxS})`);
  }
  let total = 0;
  for (const a of ACTIVITIES) {
    const w = cfg.activityWeights[a];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new SynthConfigError(`knob activityWeights.${a}: ${String(w)} is not a number >= 0`);
    total += w;
  }
  if (total <= 0) throw new SynthConfigError('knob activityWeights: at least one activity needs a positive weight');
}

/**
 * Applies one `name=value` override (as given to `synth --set`). Activity weights are `weight.<activity>=w`;
 * booleans accept true/false/1/0.
 */
export function applySetting(cfg: SimConfig, setting: string): SimConfig {
  const eq = setting.indexOf('=');
  if (eq <= 0) throw new SynthConfigError(`--set ${setting}: expected name=value`);
  const name = setting.slice(0, eq).trim();
  const text = setting.slice(eq + 1).trim();
  if (name.startsWith('weight.')) {
    const act = name.slice('weight.'.length) as ActivityName;
    if (!ACTIVITIES.includes(act)) throw new SynthConfigError(`--set ${setting}: unknown activity '${act}' (known: ${ACTIVITIES.join(', ')})`);
    return makeConfig({ ...cfg, activityWeights: { ...cfg.activityWeights, [act]: parseNumber(setting, text) } });
  }
  if (name === 'quantizeInt8' || name === 'verticalArray' || name === 'agcLocked') {
    const b = { true: true, false: false, '1': true, '0': false }[text];
    if (b === undefined) throw new SynthConfigError(`--set ${setting}: ${name} takes true or false`);
    return makeConfig({ ...cfg, [name]: b });
  }
  if (!(name in RANGES)) {
    const known = [...Object.keys(RANGES), 'quantizeInt8', 'verticalArray', 'agcLocked', 'weight.<activity>'].join(', ');
    throw new SynthConfigError(`--set ${setting}: unknown knob '${name}' (known: ${known})`);
  }
  return makeConfig({ ...cfg, [name]: parseNumber(setting, text) });
}

function parseNumber(setting: string, text: string): number {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) throw new SynthConfigError(`--set ${setting}: '${text}' is not a number`);
  return v;
}
