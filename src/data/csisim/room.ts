// A room: a box with one transmitter, a 3-antenna receiver (the 3 links), a virtual camera and static
// clutter. Room coordinates: x across, y along the camera's view, z up, metres, origin at a floor corner.
//
// Layout (as in MM-Fi's capture setup): TX and RX stand on either side of the activity area at about
// 1 m height, so the subject is between them, near the TX-RX line; the camera faces the subject.
// The static part of the channel, fixed for the room, is
//   - the line of sight TX -> RX antenna (Friis amplitude),
//   - reflections off the 4 walls, floor and ceiling by the image method up to cfg.reflectionOrder
//     (amplitude = product of the surfaces' reflection coefficients x Friis over the unfolded length),
//   - cfg.furniture point scatterers with random radar cross-sections (bistatic radar amplitude).
// The LOS and the first-order reflections are kept apart, one response per path, because a body near
// them shadows them (see scene.ts); second-order reflections and clutter are summed into one response.
import { addPaths, freeSpaceAmplitude, scatterAmplitude } from './channel.ts';
import { LINKS, centreWavelength, type Band } from './band.ts';
import { makeCamera, type Camera } from './camera.ts';
import type { SimConfig } from './config.ts';
import { Rng, mixSeed } from './prng.ts';
import { dist, type Vec3 } from './vec.ts';

export interface Room {
  index: number;
  size: Vec3;
  tx: Vec3;
  rx: Vec3[];
  camera: Camera;
  /** Centre of the floor area the subject moves in. */
  centre: [number, number];
  /** Reflection coefficient of each surface: x=0, x=W, y=0, y=D, floor, ceiling. */
  surfaces: number[];
  /** Paths the body can shadow: the LOS (0) and the first-order reflections (1..6 off surfaces 0..5). */
  shadowable: number;
  /** Their responses, [(link * shadowable + path) * 114 + k]. */
  pathRe: Float64Array;
  pathIm: Float64Array;
  /** Their geometry as 3-point polylines TX, turning point, RX: [((link * shadowable + path) * 3 + point) * 3 + xyz]. */
  pathPoints: Float64Array;
  /** Lengths of the two legs of each polyline: [(link * shadowable + path) * 2 + leg]. */
  pathLegs: Float64Array;
  /** Everything else (second-order reflections and clutter) per link: [link * 114 + k]. */
  restRe: Float64Array;
  restIm: Float64Array;
  /** Mean power of the whole static channel per link, the reference for the SNR. */
  staticPower: Float64Array;
  /** Number of static paths per link (LOS + reflections + clutter), for reports. */
  staticPaths: number;
}

/** Room i of the world; the same (cfg.worldSeed, i) always gives the same room, whatever the split. */
export function makeRoom(cfg: SimConfig, band: Band, index: number): Room {
  const rng = new Rng(mixSeed(0x524f4f4d, cfg.worldSeed, index));
  const W = rng.uniform(4.5, 7);
  const D = rng.uniform(5, 7.5);
  const Hh = rng.uniform(2.6, 3.2);
  const camDist = rng.uniform(2.8, 3.4);
  const cx = W / 2 + rng.uniform(-0.4, 0.4);
  const cy = Math.min(0.3 + camDist, D - 1.2);
  const centre: [number, number] = [cx, cy];
  // TX-RX baseline across the room through the activity area, slightly rotated and offset.
  const half = rng.uniform(1.4, Math.min(2.2, W / 2 - 0.4));
  const ang = rng.uniform(-0.25, 0.25);
  const off = rng.uniform(-0.1, 0.1);
  const ux = Math.cos(ang);
  const uy = Math.sin(ang);
  // The area sits cfg.rxFraction of the way from the receiver to the transmitter; each end stays 0.3 m
  // inside its wall.
  const toTx = Math.min(2 * half * (1 - cfg.rxFraction), cx - 0.3);
  const toRx = Math.min(2 * half * cfg.rxFraction, W - cx - 0.3);
  const tx: Vec3 = [cx - toTx * ux - off * uy, cy - toTx * uy + off * ux, rng.uniform(0.8, 1.2)];
  const rxc: Vec3 = [cx + toRx * ux - off * uy, cy + toRx * uy + off * ux, rng.uniform(0.9, 1.1)];
  // Three antennas cfg.antennaSpacing apart: stacked on a vertical mast (the links then cross the body at
  // knee, hip and chest height) or side by side, broadside to the transmitter, as on an access point.
  const lambda = centreWavelength(band);
  const rx: Vec3[] = [];
  for (let a = 0; a < LINKS; a++) {
    const s = (a - 1) * cfg.antennaSpacing;
    rx.push(cfg.verticalArray ? [rxc[0], rxc[1], rxc[2] + s] : [rxc[0] - s * uy, rxc[1] + s * ux, rxc[2]]);
  }
  const camera = makeCamera([cx + rng.uniform(-0.2, 0.2), cy - camDist, rng.uniform(1.1, 1.5)], [cx, cy, 0.9], (60 * Math.PI) / 180);
  const surfaces: number[] = [];
  for (let s = 0; s < 6; s++) surfaces.push(rng.uniform(cfg.wallReflectivityMin, cfg.wallReflectivityMax));

  const clutter: { p: Vec3; rcs: number }[] = [];
  for (let i = 0; i < cfg.furniture; i++) {
    // Clutter stands anywhere in the room except the activity area itself.
    let p: Vec3;
    do {
      p = [rng.uniform(0.2, W - 0.2), rng.uniform(0.2, D - 0.2), rng.uniform(0, 2)];
    } while (Math.hypot(p[0] - cx, p[1] - cy) < cfg.positionSpread + 0.5);
    clutter.push({ p, rcs: Math.exp(rng.uniform(Math.log(0.1), Math.log(3))) });
  }

  const size: Vec3 = [W, D, Hh];
  const images = imageSources(tx, size, surfaces, cfg.reflectionOrder);
  // imageSources lists the 6 first-order images first, surface s at index s.
  const first = images.slice(0, Math.min(6, images.length));
  const higher = images.slice(first.length);
  const S = 1 + first.length;
  // The band's tones: the 114 of HT40 for the data set, others for driver buffers (driver.ts).
  const SUBCARRIERS = band.indices.length;
  const pathRe = new Float64Array(LINKS * S * SUBCARRIERS);
  const pathIm = new Float64Array(LINKS * S * SUBCARRIERS);
  const pathPoints = new Float64Array(LINKS * S * 9);
  const pathLegs = new Float64Array(LINKS * S * 2);
  const restRe = new Float64Array(LINKS * SUBCARRIERS);
  const restIm = new Float64Array(LINKS * SUBCARRIERS);
  const staticPower = new Float64Array(LINKS);
  const nRest = higher.length + clutter.length;
  const lengths = new Float64Array(Math.max(1, nRest));
  const amps = new Float64Array(Math.max(1, nRest));
  for (let l = 0; l < LINKS; l++) {
    const r = rx[l];
    for (let sp = 0; sp < S; sp++) {
      const at = (l * S + sp) * SUBCARRIERS;
      const pr = pathRe.subarray(at, at + SUBCARRIERS);
      const pi = pathIm.subarray(at, at + SUBCARRIERS);
      const pts = pathPoints.subarray((l * S + sp) * 9, (l * S + sp + 1) * 9);
      let turn: Vec3;
      if (sp === 0) {
        lengths[0] = dist(tx[0], tx[1], tx[2], r[0], r[1], r[2]);
        amps[0] = freeSpaceAmplitude(lambda, lengths[0]);
        turn = [(tx[0] + r[0]) / 2, (tx[1] + r[1]) / 2, (tx[2] + r[2]) / 2];
      } else {
        const img = first[sp - 1];
        lengths[0] = dist(img.p[0], img.p[1], img.p[2], r[0], r[1], r[2]);
        amps[0] = img.gamma * freeSpaceAmplitude(lambda, lengths[0]);
        turn = reflectionPoint(img.p, r, sp - 1, size);
      }
      addPaths(band, 1, lengths, amps, pr, pi);
      pts.set([...tx, ...turn, ...r]);
      pathLegs[(l * S + sp) * 2] = dist(tx[0], tx[1], tx[2], turn[0], turn[1], turn[2]);
      pathLegs[(l * S + sp) * 2 + 1] = dist(turn[0], turn[1], turn[2], r[0], r[1], r[2]);
    }
    const rr = restRe.subarray(l * SUBCARRIERS, (l + 1) * SUBCARRIERS);
    const ri = restIm.subarray(l * SUBCARRIERS, (l + 1) * SUBCARRIERS);
    let n = 0;
    for (const img of higher) {
      const d = dist(img.p[0], img.p[1], img.p[2], r[0], r[1], r[2]);
      lengths[n] = d;
      amps[n++] = img.gamma * freeSpaceAmplitude(lambda, d);
    }
    for (const c of clutter) {
      const dT = dist(tx[0], tx[1], tx[2], c.p[0], c.p[1], c.p[2]);
      const dR = dist(c.p[0], c.p[1], c.p[2], r[0], r[1], r[2]);
      lengths[n] = dT + dR;
      amps[n++] = scatterAmplitude(lambda, c.rcs, dT, dR);
    }
    addPaths(band, n, lengths, amps, rr, ri);
    let p = 0;
    for (let k = 0; k < SUBCARRIERS; k++) {
      let re = rr[k];
      let im = ri[k];
      for (let sp = 0; sp < S; sp++) {
        re += pathRe[(l * S + sp) * SUBCARRIERS + k];
        im += pathIm[(l * S + sp) * SUBCARRIERS + k];
      }
      p += re * re + im * im;
    }
    staticPower[l] = p / SUBCARRIERS;
  }
  return {
    index, size, tx, rx, camera, centre, surfaces, shadowable: S, pathRe, pathIm, pathPoints, pathLegs, restRe, restIm, staticPower,
    staticPaths: 1 + images.length + clutter.length,
  };
}

/** Where the path from the image source to the receiver crosses surface s (0..5: x=0, x=W, y=0, y=D, z=0, z=H). */
export function reflectionPoint(image: Vec3, rx: Vec3, s: number, size: Vec3): Vec3 {
  const axis = s >> 1;
  const plane = s & 1 ? size[axis] : 0;
  const t = (plane - image[axis]) / (rx[axis] - image[axis]);
  return [image[0] + t * (rx[0] - image[0]), image[1] + t * (rx[1] - image[1]), image[2] + t * (rx[2] - image[2])];
}

/**
 * Image sources of the transmitter in a box [0,W]x[0,D]x[0,H] up to the given order: each image is the
 * TX mirrored across a sequence of distinct surfaces, carrying the product of their coefficients.
 * Mirroring twice across the same plane gives back the source, so consecutive repeats are skipped.
 */
export function imageSources(src: Vec3, size: Vec3, gammas: number[], order: number): { p: Vec3; gamma: number }[] {
  const out: { p: Vec3; gamma: number }[] = [];
  const mirror = (p: Vec3, s: number): Vec3 => {
    const axis = s >> 1;
    const plane = s & 1 ? size[axis] : 0;
    const q: Vec3 = [p[0], p[1], p[2]];
    q[axis] = 2 * plane - p[axis];
    return q;
  };
  let frontier: { p: Vec3; gamma: number; last: number }[] = [{ p: src, gamma: 1, last: -1 }];
  for (let o = 0; o < order; o++) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      for (let s = 0; s < 6; s++) {
        if (s === f.last) continue;
        next.push({ p: mirror(f.p, s), gamma: f.gamma * gammas[s], last: s });
      }
    }
    for (const n of next) out.push({ p: n.p, gamma: n.gamma });
    frontier = next;
  }
  return out;
}
