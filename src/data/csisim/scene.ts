// One packet's channel for one room and one body pose: the room's static paths, those the body comes
// close to (LOS, first-order reflections) shadowed by it, and the body as point scatterers.
//
// Body model: 13 segments (torso axis, torso sides, shoulder line, head, upper arms, forearms, thighs,
// shanks), each a line of cfg.pointsPerSegment point scatterers spread evenly along it. A segment of radar
// cross-section sigma gives each of its n points sigma/n, so the expected (incoherent) power of the
// segment does not depend on n. Radar cross-sections at 5 GHz sum to about 1.4 m^2 for an adult
// (torso 0.8, head 0.1, arms 0.2, legs 0.4), scaled by the subject's build and cfg.bodyRcsScale.
//
// Shadowing: each segment is also a cylinder of some thickness that absorbs part of a path when it comes
// close to it (the LOS, or a reflection as its two legs TX -> specular point -> antenna). With r the 3D
// distance between the segment and the path, the path's amplitude is multiplied by
// prod_s (1 - depth_s * exp(-r^2 / (2 R_s^2))), R_s^2 = thickness_s^2 + (shadowFresnel * F)^2, where
// F = sqrt(lambda d1 d2 / (d1 + d2)) is the first Fresnel zone radius where the segment passes the path
// (about 0.2 m mid-link at 5 GHz): diffraction lets a body shadow a path it does not touch, and less so
// near either end. A squat, a bow or a raised arm therefore changes the paths smoothly, which is the
// strongest posture cue amplitude-only WiFi sensing has (the echo phases turn every 3 cm of path).
import { addPaths, scatterAmplitude } from './channel.ts';
import { centreWavelength, type Band } from './band.ts';
import type { SimConfig } from './config.ts';
import type { Room } from './room.ts';
import { dist, segmentSegmentDistance } from './vec.ts';

// Bound once: under tsx every read of an imported function is a getter call, and these run hundreds of
// times per packet.
const segDist = segmentSegmentDistance;
const distance = dist;

/** Extra points appended after the 17 COCO joints: neck (shoulder centre), pelvis (hip centre), head centre. */
const NECK = 17;
const PELVIS = 18;
const HEAD = 19;
const EXT_POINTS = 20;

/** Per body segment: [from, to, radar cross-section m^2, thickness (radius, m), LOS shadow depth 0..1]. */
export const BODY_SEGMENTS: readonly [number, number, number, number, number][] = [
  [NECK, PELVIS, 0.5, 0.15, 0.6],
  [5, 11, 0.15, 0.05, 0.15],
  [6, 12, 0.15, 0.05, 0.15],
  [5, 6, 0.08, 0.05, 0.1],
  [HEAD, NECK, 0.1, 0.09, 0.4],
  [5, 7, 0.06, 0.045, 0.25],
  [6, 8, 0.06, 0.045, 0.25],
  [7, 9, 0.04, 0.035, 0.2],
  [8, 10, 0.04, 0.035, 0.2],
  [11, 13, 0.12, 0.07, 0.35],
  [12, 14, 0.12, 0.07, 0.35],
  [13, 15, 0.08, 0.05, 0.25],
  [14, 16, 0.08, 0.05, 0.25],
];

// The same table as flat arrays for the per-packet loops (tuple destructuring there allocated iterators).
const NSEG = BODY_SEGMENTS.length;
const SEG_FROM = Int32Array.from(BODY_SEGMENTS, (x) => x[0]);
const SEG_TO = Int32Array.from(BODY_SEGMENTS, (x) => x[1]);
const SEG_THICK2 = Float64Array.from(BODY_SEGMENTS, (x) => x[3] * x[3]);
const SEG_DEPTH = Float64Array.from(BODY_SEGMENTS, (x) => x[4]);

/** Reusable buffers for synthesizing packets of one configuration without allocating per packet. */
export class PacketSynth {
  /** H on the band's tones. */
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly scatterers: number;
  /** Scatterer positions (xyz) and radar cross-sections of the current pose. */
  readonly pos: Float64Array;
  readonly rcs: Float64Array;
  private readonly ext = new Float64Array(EXT_POINTS * 3);
  private readonly segPair = new Float64Array(14);
  private readonly lengths: Float64Array;
  private readonly amps: Float64Array;
  readonly wavelength: number;

  constructor(
    readonly cfg: SimConfig,
    readonly band: Band,
  ) {
    this.re = new Float64Array(band.indices.length);
    this.im = new Float64Array(band.indices.length);
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

  /** LOS amplitude factor on `link` for the body placed last (1 = no shadow). */
  losFactor(room: Room, link: number): number {
    return this.pathShadow(room, link, 0);
  }

  /**
   * Amplitude factor of shadowable path `path` (0 = LOS, 1..6 first-order reflections) on `link` for the
   * body placed last. The path is two legs (TX -> turning point -> RX); each segment shadows it where it
   * comes closest, with the Fresnel radius at that point of the unfolded path.
   */
  pathShadow(room: Room, link: number, path: number): number {
    const scale = this.cfg.losBlockage;
    if (scale <= 0) return 1;
    const e = this.ext;
    const q = this.segPair;
    const pts = room.pathPoints;
    const o = (link * room.shadowable + path) * 9;
    const leg0 = room.pathLegs[(link * room.shadowable + path) * 2];
    const leg1 = room.pathLegs[(link * room.shadowable + path) * 2 + 1];
    const total = leg0 + leg1;
    const fresnel2 = this.cfg.shadowFresnel * this.cfg.shadowFresnel * this.wavelength;
    let g = 1;
    for (let sg = 0; sg < NSEG; sg++) {
      const a = SEG_FROM[sg];
      const b = SEG_TO[sg];
      for (let c = 0; c < 3; c++) {
        q[c] = e[a * 3 + c];
        q[3 + c] = e[b * 3 + c];
      }
      let best = Infinity;
      let along = 0;
      for (let leg = 0; leg < 2; leg++) {
        for (let c = 0; c < 6; c++) q[6 + c] = pts[o + leg * 3 + c];
        const r = segDist(q);
        if (r < best) {
          best = r;
          along = leg === 0 ? q[13] * leg0 : leg0 + q[13] * leg1;
        }
      }
      // First Fresnel zone radius^2 where the segment passes the path: lambda d1 d2 / (d1 + d2).
      const rf2 = (fresnel2 * along * (total - along)) / total;
      g *= 1 - Math.min(1, scale * SEG_DEPTH[sg]) * Math.exp(-(best * best) / (2 * (SEG_THICK2[sg] + rf2)));
    }
    return g;
  }

  /** Noise-free H on `link` into this.re / this.im for the body placed last (or the empty room). */
  channel(room: Room, link: number, withBody = true): void {
    const n = this.re.length;
    const off = link * n;
    for (let k = 0; k < n; k++) {
      this.re[k] = room.restRe[off + k];
      this.im[k] = room.restIm[off + k];
    }
    for (let sp = 0; sp < room.shadowable; sp++) {
      const g = withBody ? this.pathShadow(room, link, sp) : 1;
      const at = (link * room.shadowable + sp) * n;
      for (let k = 0; k < n; k++) {
        this.re[k] += g * room.pathRe[at + k];
        this.im[k] += g * room.pathIm[at + k];
      }
    }
    if (!withBody) return;
    const t = room.tx;
    const r = room.rx[link];
    const p = this.pos;
    for (let i = 0; i < this.scatterers; i++) {
      const x = p[3 * i];
      const y = p[3 * i + 1];
      const z = p[3 * i + 2];
      const dT = distance(t[0], t[1], t[2], x, y, z);
      const dR = distance(x, y, z, r[0], r[1], r[2]);
      this.lengths[i] = dT + dR;
      this.amps[i] = scatterAmplitude(this.wavelength, this.rcs[i], dT, dR);
    }
    addPaths(this.band, this.scatterers, this.lengths, this.amps, this.re, this.im);
  }
}

