// One packet's channel for one room and one body pose: the room's static paths, the LOS shadowed by
// the torso when it stands on the TX-RX line, and the body as point scatterers.
//
// Body model: 13 segments (torso axis, torso sides, shoulder line, head, upper arms, forearms, thighs,
// shanks), each a line of cfg.pointsPerSegment point scatterers spread evenly along it. A segment of radar
// cross-section sigma gives each of its n points sigma/n, so the expected (incoherent) power of the
// segment does not depend on n. Radar cross-sections at 5 GHz sum to about 1.4 m^2 for an adult
// (torso 0.8, head 0.1, arms 0.2, legs 0.4), scaled by the subject's build and cfg.bodyRcsScale.
import { addPaths, scatterAmplitude } from './channel.ts';
import { SUBCARRIERS, centreWavelength, type Band } from './band.ts';
import type { SimConfig } from './config.ts';
import type { Room } from './room.ts';
import { dist, pointSegmentDistance2d } from './vec.ts';

/** Extra points appended after the 17 COCO joints: neck (shoulder centre), pelvis (hip centre), head centre. */
const NECK = 17;
const PELVIS = 18;
const HEAD = 19;
const EXT_POINTS = 20;

/** [from, to, radar cross-section m^2] per body segment. */
export const BODY_SEGMENTS: readonly [number, number, number][] = [
  [NECK, PELVIS, 0.5],
  [5, 11, 0.15],
  [6, 12, 0.15],
  [5, 6, 0.08],
  [HEAD, NECK, 0.1],
  [5, 7, 0.06],
  [6, 8, 0.06],
  [7, 9, 0.04],
  [8, 10, 0.04],
  [11, 13, 0.12],
  [12, 14, 0.12],
  [13, 15, 0.08],
  [14, 16, 0.08],
];

/** Reusable buffers for synthesizing packets of one configuration without allocating per packet. */
export class PacketSynth {
  readonly re = new Float64Array(SUBCARRIERS);
  readonly im = new Float64Array(SUBCARRIERS);
  readonly scatterers: number;
  /** Scatterer positions (xyz) and radar cross-sections of the current pose. */
  readonly pos: Float64Array;
  readonly rcs: Float64Array;
  private readonly ext = new Float64Array(EXT_POINTS * 3);
  private readonly lengths: Float64Array;
  private readonly amps: Float64Array;
  readonly wavelength: number;

  constructor(
    readonly cfg: SimConfig,
    readonly band: Band,
  ) {
    this.scatterers = BODY_SEGMENTS.length * cfg.pointsPerSegment;
    this.pos = new Float64Array(this.scatterers * 3);
    this.rcs = new Float64Array(this.scatterers);
    this.lengths = new Float64Array(this.scatterers);
    this.amps = new Float64Array(this.scatterers);
    this.wavelength = centreWavelength(band);
  }

  /** Places the body's point scatterers for the joints (17 x xyz) of a subject with the given RCS scale. */
  placeBody(joints: Float64Array, rcsScale: number): void {
    const e = this.ext;
    e.set(joints.subarray(0, 51));
    for (let c = 0; c < 3; c++) {
      e[NECK * 3 + c] = 0.5 * (joints[5 * 3 + c] + joints[6 * 3 + c]);
      e[PELVIS * 3 + c] = 0.5 * (joints[11 * 3 + c] + joints[12 * 3 + c]);
      e[HEAD * 3 + c] = 0.5 * (joints[3 * 3 + c] + joints[4 * 3 + c]);
    }
    const n = this.cfg.pointsPerSegment;
    const scale = rcsScale * this.cfg.bodyRcsScale;
    let i = 0;
    for (const [a, b, sigma] of BODY_SEGMENTS) {
      for (let j = 0; j < n; j++) {
        const f = (j + 0.5) / n;
        for (let c = 0; c < 3; c++) this.pos[i * 3 + c] = e[a * 3 + c] + f * (e[b * 3 + c] - e[a * 3 + c]);
        this.rcs[i] = (sigma * scale) / n;
        i++;
      }
    }
  }

  /** LOS amplitude factor on `link`: 1 - depth * exp(-r^2 / 2R^2), r = floor distance of the torso centre to the TX-RX segment. */
  losFactor(room: Room, link: number): number {
    if (this.cfg.losBlockage <= 0) return 1;
    const e = this.ext;
    const tx = (e[NECK * 3] + e[PELVIS * 3]) / 2;
    const ty = (e[NECK * 3 + 1] + e[PELVIS * 3 + 1]) / 2;
    const rx = room.rx[link];
    const r = pointSegmentDistance2d(tx, ty, room.tx[0], room.tx[1], rx[0], rx[1]);
    const R = this.cfg.losBlockageRadius;
    return 1 - this.cfg.losBlockage * Math.exp(-(r * r) / (2 * R * R));
  }

  /** Noise-free H on `link` into this.re / this.im for the body placed last. */
  channel(room: Room, link: number, withBody = true): void {
    const off = link * SUBCARRIERS;
    const g = withBody ? this.losFactor(room, link) : 1;
    for (let k = 0; k < SUBCARRIERS; k++) {
      this.re[k] = room.restRe[off + k] + g * room.losRe[off + k];
      this.im[k] = room.restIm[off + k] + g * room.losIm[off + k];
    }
    if (!withBody) return;
    const t = room.tx;
    const r = room.rx[link];
    const p = this.pos;
    for (let i = 0; i < this.scatterers; i++) {
      const x = p[3 * i];
      const y = p[3 * i + 1];
      const z = p[3 * i + 2];
      const dT = dist(t[0], t[1], t[2], x, y, z);
      const dR = dist(x, y, z, r[0], r[1], r[2]);
      this.lengths[i] = dT + dR;
      this.amps[i] = scatterAmplitude(this.wavelength, this.rcs[i], dT, dR);
    }
    addPaths(this.band, this.scatterers, this.lengths, this.amps, this.re, this.im);
  }
}

