// What three transmitters' packets would give a node's Wi-Fi driver: the simulator's channel (the world of
// dataset.ts: a room, a moving person, noise, a locked gain) quantized to int8 I/Q and laid out in the buffer an
// ESP32 / S3 / C3 delivers (src/data/csi-layouts.ts), one buffer per link and packet, so that a recording of them
// (`pose-edge synth --recording`) runs through the node's live path like a capture. Numbers only: the host layer
// writes the recording.
//
//   ht40 (default): layout ht40-below, 384 bytes: the LLTF of the primary 20 MHz channel (the upper half: entries
//     0..63 on the 40 MHz grid hold legacy tones 32 +- 1..26), then the HT-LTF of 128 bins in FFT order holding
//     tones -58..-2, +2..+58: the model's 114 tones.
//   ht20: layout ht20 (no secondary channel), 256 bytes: LLTF (legacy tones +-1..26) and HT-LTF (+-1..28), both 64
//     bins in FFT order, simulated on the 56 HT20 tones around the same centre frequency.
// Empty bins (guards, DC) are 0, as the driver reports them. The simulated band is the data set's (cfg.centreHz,
// 5.19 GHz by default: HT40 over channels 36 + 40, as MM-Fi); the channel byte names its primary channel.
import { LINKS, makeBand, makeToneBand, type Band } from './band.ts';
import { addNoise } from './channel.ts';
import type { SimConfig } from './config.ts';
import { SynthConfigError } from './errors.ts';
import { MotionTrack } from './motion.ts';
import { Rng, mixSeed } from './prng.ts';
import { makeRoom } from './room.ts';
import { PacketSynth } from './scene.ts';
import { JOINTS, sampleBody } from './skeleton.ts';
import { projectJoints } from './camera.ts';
import { sequenceSeed } from './dataset.ts';
import { layoutByName, toneEntry, type CsiLayout } from '../csi-layouts.ts';

export type DriverBandwidth = 'ht40' | 'ht20';
export const DRIVER_BANDWIDTHS: readonly DriverBandwidth[] = ['ht40', 'ht20'];

export interface DriverPacket {
  timestampUs: number;
  link: number;
  rssi: number;
  /** Layout id (src/data/csi-layouts.ts). */
  layout: number;
  firstWordInvalid: boolean;
  channel: number;
  buf: Int8Array;
}

export interface DriverOptions {
  bandwidth: DriverBandwidth;
  /** Slots (one packet per link each) to write. */
  slots: number;
  seed: number;
  config: SimConfig;
}

export interface DriverResult {
  packets: DriverPacket[];
  layout: CsiLayout;
  /** Primary channel number of the simulated band. */
  channel: number;
  room: number;
  /** Slot start times (µs), one per slot. */
  slotTimesUs: Float64Array;
  /** The person's COCO-17 keypoints in the room camera's image at each slot, float32 [slots, 17, 2] (the data set's labels). */
  labels: Float32Array;
}

/** Microseconds between the three links' packets within a slot (transmitters take turns). */
const LINK_SPACING_US = 300;
const START_US = 1_000_000;
/** "nois": the noise generator's seed tag (the motion's is the test split's). */
const NOISE_TAG = 0x6e6f6973;

const HT20_TONES = Array.from({ length: 57 }, (_, i) => i - 28).filter((k) => k !== 0);

/** IEEE channel number of a frequency (MHz): 2.4 GHz channels 1..13, 5 GHz 5000 + 5n. */
function channelOf(mhz: number): number {
  if (mhz >= 2412 && mhz <= 2472) return Math.round((mhz - 2407) / 5);
  if (mhz >= 5000 && mhz <= 5900) return Math.round((mhz - 5000) / 5);
  return 0;
}

function clampInt8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

export function synthesizeDriverPackets(opts: DriverOptions): DriverResult {
  const { bandwidth, slots, seed, config: cfg } = opts;
  if (!DRIVER_BANDWIDTHS.includes(bandwidth)) throw new SynthConfigError(`--bandwidth ${String(bandwidth)}: expected ht40 or ht20`);
  if (!Number.isInteger(slots) || slots < 1) throw new SynthConfigError(`${slots} slots: expected an integer >= 1`);
  const ht40 = bandwidth === 'ht40';
  const layout = layoutByName(ht40 ? 'ht40-below' : 'ht20')!;
  // HT40 below: the primary 20 MHz channel is the upper half, its centre 10 MHz above the band's.
  const band: Band = ht40 ? makeBand(cfg.centreHz, cfg.subcarrierSpacingHz) : makeToneBand(cfg.centreHz, cfg.subcarrierSpacingHz, HT20_TONES);
  const channel = channelOf(Math.round((cfg.centreHz + (ht40 ? 32 * cfg.subcarrierSpacingHz : 0)) / 1e6));
  // Where each simulated tone goes: HT-LTF entry (FFT order), and LLTF entry for the legacy tones.
  const tones = Array.from(band.indices);
  const htByte = tones.map((k) => layout.offset + 2 * toneEntry(layout, k));
  const lltf: [number, number][] = [];
  tones.forEach((k, i) => {
    const t = ht40 ? k - 32 : k; // the tone relative to the primary channel's centre
    if (t === 0 || Math.abs(t) > 26) return;
    // LLTF entries: 40 MHz grid 0..63 below (entry = index), FFT order without a secondary channel.
    lltf.push([i, 2 * (ht40 ? k : t >= 0 ? t : 64 + t)]);
  });

  const rng = new Rng(sequenceSeed('test', seed, 0));
  const room = makeRoom(cfg, band, rng.int(cfg.rooms));
  const lockedGain = cfg.agcTargetRms / Math.sqrt((room.staticPower[0] + room.staticPower[1] + room.staticPower[2]) / 3);
  const synth = new PacketSynth(cfg, band);
  const body = sampleBody(rng, cfg.bodySizeVariety);
  const track = new MotionTrack(rng, cfg, room, body);
  const joints = new Float64Array(JOINTS * 3);
  const meanDt = 1 / cfg.packetRateHz;
  const nextDt = (): number => meanDt * Math.max(0.2, 1 + cfg.packetJitter * rng.normal());
  const warmup = rng.int(3 * cfg.packetRateHz);
  for (let i = 0; i < warmup; i++) track.step(meanDt, joints);
  const snrLinear = Math.pow(10, cfg.snrDb / 10);
  // Noise and gain errors from their own generator: the person moves the same way in ht40 and ht20 recordings.
  const noise = new Rng(mixSeed(NOISE_TAG, seed, 0));

  const packets: DriverPacket[] = [];
  const slotTimesUs = new Float64Array(slots);
  const labels = new Float32Array(slots * JOINTS * 2);
  let tUs = START_US;
  for (let s = 0; s < slots; s++) {
    const dt = nextDt();
    if (s > 0) tUs += dt * 1e6;
    slotTimesUs[s] = tUs;
    track.step(dt, joints);
    synth.placeBody(joints, body.rcsScale);
    projectJoints(room.camera, joints, JOINTS, labels, s * JOINTS * 2);
    const agcCommon = cfg.agcJitterDb * noise.normal();
    for (let l = 0; l < LINKS; l++) {
      synth.channel(room, l);
      addNoise(noise, room.staticPower[l] / snrLinear, synth.re, synth.im);
      const gain = lockedGain * Math.pow(10, (agcCommon + (cfg.agcJitterDb / 3) * noise.normal()) / 20);
      const buf = new Int8Array(layout.len);
      let power = 0;
      for (let i = 0; i < tones.length; i++) {
        const re = clampInt8(Math.round(synth.re[i] * gain));
        const im = clampInt8(Math.round(synth.im[i] * gain));
        buf[htByte[i]] = im; // imaginary first, then real
        buf[htByte[i] + 1] = re;
        power += re * re + im * im;
      }
      for (const [i, b] of lltf) {
        buf[b] = buf[htByte[i]];
        buf[b + 1] = buf[htByte[i] + 1];
      }
      // A nominal RSSI: -40 dBm for a mean |h| of agcTargetRms, following the packet's power.
      const rssi = Math.max(-100, Math.min(-10, Math.round(-40 + 10 * Math.log10(Math.max(power / tones.length, 1e-9) / cfg.agcTargetRms ** 2))));
      packets.push({ timestampUs: Math.round(tUs + l * LINK_SPACING_US) % 2 ** 32, link: l, rssi, layout: layout.id, firstWordInvalid: false, channel, buf });
    }
  }
  return { packets, layout, channel, room: room.index, slotTimesUs, labels };
}
