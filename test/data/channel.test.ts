// Physics of the channel synthesis, checked against the textbook formulas evaluated directly:
// H(f) = sum_p a_p exp(-j 2 pi f d_p / c) on the HT40 subcarriers, Friis and radar amplitudes, the
// image method, AGC and int8 quantization.
import { describe, expect, it } from 'vitest';
import { SPEED_OF_LIGHT, SUBCARRIERS, makeBand } from '../../src/data/csisim/band.ts';
import { addPaths, freeSpaceAmplitude, meanPower, reportAmplitude, scatterAmplitude } from '../../src/data/csisim/channel.ts';
import { imageSources, reflectionPoint } from '../../src/data/csisim/room.ts';
import { Rng } from '../../src/data/csisim/prng.ts';
import type { Vec3 } from '../../src/data/csisim/vec.ts';

const band = makeBand(5.19e9, 312.5e3);

/** H on every subcarrier from the definition, one cos/sin per (path, subcarrier). */
function directH(lengths: number[], amps: number[]): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(SUBCARRIERS);
  const im = new Float64Array(SUBCARRIERS);
  for (let k = 0; k < SUBCARRIERS; k++) {
    for (let p = 0; p < lengths.length; p++) {
      const ph = (-2 * Math.PI * band.freqsHz[k] * lengths[p]) / SPEED_OF_LIGHT;
      re[k] += amps[p] * Math.cos(ph);
      im[k] += amps[p] * Math.sin(ph);
    }
  }
  return { re, im };
}

function kernelH(lengths: number[], amps: number[]): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(SUBCARRIERS);
  const im = new Float64Array(SUBCARRIERS);
  addPaths(band, lengths.length, Float64Array.from(lengths), Float64Array.from(amps), re, im);
  return { re, im };
}

describe('HT40 band', () => {
  it('has the 114 tones -58..-2, +2..+58 at 312.5 kHz around the centre, 35.6 MHz wide', () => {
    expect(band.indices.length).toBe(114);
    expect(band.indices[0]).toBe(-58);
    expect(band.indices[56]).toBe(-2);
    expect(band.indices[57]).toBe(2);
    expect(band.indices[113]).toBe(58);
    expect(Array.from(band.indices).filter((k) => Math.abs(k) < 2)).toEqual([]);
    expect(band.freqsHz[113] - band.freqsHz[0]).toBeCloseTo(116 * 312.5e3, 3);
    expect(band.freqsHz[57] - band.freqsHz[56]).toBeCloseTo(4 * 312.5e3, 3);
  });
});

describe('addPaths', () => {
  it('matches the direct sum of a_p exp(-j 2 pi f d_p / c) to 1e-9 relative, for random paths', () => {
    const rng = new Rng(11);
    const lengths = Array.from({ length: 40 }, () => rng.uniform(1, 30));
    const amps = Array.from({ length: 40 }, () => rng.uniform(1e-5, 1e-3));
    const a = kernelH(lengths, amps);
    const b = directH(lengths, amps);
    const scale = amps.reduce((s, v) => s + v, 0);
    for (let k = 0; k < SUBCARRIERS; k++) {
      expect(Math.abs(a.re[k] - b.re[k]) / scale).toBeLessThan(1e-9);
      expect(Math.abs(a.im[k] - b.im[k]) / scale).toBeLessThan(1e-9);
    }
  });

  it('flips the sign of a tone when its path grows by half that tone\'s wavelength, and rotates the others by pi f_j / f_k', () => {
    const k = 30;
    const halfWave = SPEED_OF_LIGHT / band.freqsHz[k] / 2;
    const a = kernelH([4.321], [1]);
    const b = kernelH([4.321 + halfWave], [1]);
    expect(b.re[k]).toBeCloseTo(-a.re[k], 9);
    expect(b.im[k]).toBeCloseTo(-a.im[k], 9);
    for (const j of [0, 57, 113]) {
      const rot = (-Math.PI * band.freqsHz[j]) / band.freqsHz[k];
      expect(b.re[j]).toBeCloseTo(a.re[j] * Math.cos(rot) - a.im[j] * Math.sin(rot), 9);
      expect(b.im[j]).toBeCloseTo(a.re[j] * Math.sin(rot) + a.im[j] * Math.cos(rot), 9);
    }
  });

  it('moving a scatterer behind the receiver by a quarter wavelength (path + lambda/2) flips that tone', () => {
    // TX at the origin, RX at x = 3 m, scatterer on the same line at x = 5 m: path = 5 + 2 m.
    const k = 80;
    const lambdaK = SPEED_OF_LIGHT / band.freqsHz[k];
    const lambdaC = SPEED_OF_LIGHT / 5.19e9;
    const echo = (x: number): { re: Float64Array; im: Float64Array } => kernelH([x + (x - 3)], [scatterAmplitude(lambdaC, 1, x, x - 3)]);
    const a = echo(5);
    const b = echo(5 + lambdaK / 4);
    // Same tone, opposite sign, scaled by the radar equation's 1/(dTx dRx) for the slightly longer path.
    const scale = (5 * 2) / ((5 + lambdaK / 4) * (2 + lambdaK / 4));
    expect(b.re[k] / a.re[k]).toBeCloseTo(-scale, 9);
    expect(b.im[k] / a.im[k]).toBeCloseTo(-scale, 9);
  });

  it('gives a flat |H| for one path and a ripple whose period is c / (path difference) for two', () => {
    const one = kernelH([5], [1]);
    for (let k = 0; k < SUBCARRIERS; k++) expect(Math.hypot(one.re[k], one.im[k])).toBeCloseTo(1, 12);
    // Two equal paths 30 m apart: |H| = 2|cos(pi f dd / c)|, period 10 MHz = 32 tones.
    const two = kernelH([5, 35], [1, 1]);
    for (let k = 0; k < SUBCARRIERS; k++) {
      const expected = 2 * Math.abs(Math.cos((Math.PI * band.freqsHz[k] * 30) / SPEED_OF_LIGHT));
      expect(Math.hypot(two.re[k], two.im[k])).toBeCloseTo(expected, 9);
    }
  });
});

describe('path amplitudes', () => {
  it('fall as 1/d for a direct path (Friis) and as 1/(dTx dRx) for a scatterer', () => {
    const lambda = SPEED_OF_LIGHT / 5.19e9;
    expect(freeSpaceAmplitude(lambda, 6) / freeSpaceAmplitude(lambda, 3)).toBeCloseTo(0.5, 12);
    expect(freeSpaceAmplitude(lambda, 1)).toBeCloseTo(lambda / (4 * Math.PI), 15);
    expect(scatterAmplitude(lambda, 1, 4, 2) / scatterAmplitude(lambda, 1, 2, 2)).toBeCloseTo(0.5, 12);
    expect(scatterAmplitude(lambda, 1, 2, 4) / scatterAmplitude(lambda, 1, 2, 2)).toBeCloseTo(0.5, 12);
    // Radar equation: received/transmitted power = lambda^2 sigma / ((4 pi)^3 dTx^2 dRx^2).
    const a = scatterAmplitude(lambda, 0.5, 2, 3);
    expect(a * a).toBeCloseTo((lambda * lambda * 0.5) / (Math.pow(4 * Math.PI, 3) * 36), 15);
  });
});

describe('image sources', () => {
  const size: Vec3 = [5, 6, 3];
  const tx: Vec3 = [1, 2, 1.2];
  const gammas = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

  it('has 6 first-order and 30 second-order images carrying the products of the surface coefficients', () => {
    expect(imageSources(tx, size, gammas, 0)).toHaveLength(0);
    expect(imageSources(tx, size, gammas, 1)).toHaveLength(6);
    const two = imageSources(tx, size, gammas, 2);
    expect(two).toHaveLength(36);
    const floor = two[4];
    expect(floor.p).toEqual([1, 2, -1.2]);
    expect(floor.gamma).toBe(0.5);
    // Wall x=0 then floor: mirrored in x and in z.
    const wallThenFloor = two.find((i) => i.p[0] === -1 && i.p[2] === -1.2 && i.p[1] === 2);
    expect(wallThenFloor?.gamma).toBeCloseTo(0.1 * 0.5, 15);
  });

  it('gives a length equal to the geometric path through the reflection point on the wall', () => {
    const rx: Vec3 = [4, 3.5, 0.9];
    const img = imageSources(tx, size, gammas, 1)[3]; // wall y = 6
    const unfolded = Math.hypot(img.p[0] - rx[0], img.p[1] - rx[1], img.p[2] - rx[2]);
    // Where the straight line image -> rx crosses y = 6 is the specular point.
    const q = reflectionPoint(img.p, rx, 3, size);
    expect(q[1]).toBeCloseTo(6, 12);
    const folded = Math.hypot(q[0] - tx[0], q[1] - tx[1], q[2] - tx[2]) + Math.hypot(rx[0] - q[0], rx[1] - q[1], rx[2] - q[2]);
    // Angle of incidence = angle of reflection: the two legs make equal angles with the wall's normal (y).
    const cosIn = Math.abs(q[1] - tx[1]) / Math.hypot(q[0] - tx[0], q[1] - tx[1], q[2] - tx[2]);
    const cosOut = Math.abs(rx[1] - q[1]) / Math.hypot(rx[0] - q[0], rx[1] - q[1], rx[2] - q[2]);
    expect(cosIn).toBeCloseTo(cosOut, 12);
    expect(unfolded).toBeCloseTo(folded, 12);
  });
});

describe('reportAmplitude', () => {
  const rng = new Rng(5);
  const re = Float64Array.from({ length: SUBCARRIERS }, () => rng.normal() * 1e-3);
  const im = Float64Array.from({ length: SUBCARRIERS }, () => rng.normal() * 1e-3);

  it('scales the channel to the AGC target RMS, times the gain error in dB', () => {
    const out = new Float32Array(SUBCARRIERS);
    reportAmplitude(re, im, 20, 0, false, out, 0, 1);
    let p = 0;
    for (const v of out) p += v * v;
    expect(Math.sqrt(p / SUBCARRIERS)).toBeCloseTo(20, 3);
    reportAmplitude(re, im, 20, 6, false, out, 0, 1);
    p = 0;
    for (const v of out) p += v * v;
    expect(Math.sqrt(p / SUBCARRIERS)).toBeCloseTo(20 * Math.pow(10, 6 / 20), 3);
    expect(meanPower(re, im)).toBeGreaterThan(0);
  });

  it('reports int8 I/Q magnitudes: every squared amplitude is an integer sum i^2 + q^2 with |i|, |q| <= 128', () => {
    const out = new Float32Array(SUBCARRIERS * 10);
    reportAmplitude(re, im, 60, 0, true, out, 3, 10);
    for (let k = 0; k < SUBCARRIERS; k++) {
      const a2 = out[3 + 10 * k] ** 2;
      expect(Math.abs(a2 - Math.round(a2))).toBeLessThan(1e-3);
      expect(a2).toBeLessThanOrEqual(2 * 128 * 128);
    }
    // The stride leaves the other packets' slots untouched.
    expect(out[0]).toBe(0);
    expect(out[4]).toBe(0);
  });

  it('reports zeros for a channel without power', () => {
    const out = new Float32Array(SUBCARRIERS).fill(7);
    reportAmplitude(new Float64Array(SUBCARRIERS), new Float64Array(SUBCARRIERS), 20, 0, true, out, 0, 1);
    expect(Array.from(out).every((v) => v === 0)).toBe(true);
  });
});
