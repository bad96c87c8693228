// The 114 subcarriers a 40 MHz (HT40) 802.11n channel reports CSI for: indices -58..-2 and +2..+58
// (108 data + 6 pilot tones; the three around DC are empty), 312.5 kHz apart, as in MM-Fi's CSI.

import { LINKS, PACKETS, SUBCARRIERS } from '../window.ts';

export { LINKS, SUBCARRIERS };
/** The simulator writes the model's window: PACKETS packets per window (src/data/window.ts). */
export const PACKETS_PER_WINDOW = PACKETS;
export const SPEED_OF_LIGHT = 299_792_458;

/** A run of consecutive subcarriers: lets the path kernel advance phases by one rotation per tone. */
export interface SubcarrierRun {
  /** Position of the run's first tone in the 114-long CSI vector. */
  offset: number;
  /** OFDM index of the first tone (e.g. -58). */
  firstIndex: number;
  length: number;
}

export interface Band {
  centreHz: number;
  spacingHz: number;
  /** Subcarrier OFDM indices in CSI order. */
  indices: Int32Array;
  /** Absolute frequency of each subcarrier (Hz). */
  freqsHz: Float64Array;
  runs: SubcarrierRun[];
}

export function makeBand(centreHz: number, spacingHz: number): Band {
  const indices: number[] = [];
  for (let k = -58; k <= 58; k++) if (k <= -2 || k >= 2) indices.push(k);
  return makeToneBand(centreHz, spacingHz, indices);
}

/**
 * A band of any tones (OFDM indices in ascending order), e.g. HT20's -28..-1, +1..+28 for driver buffers of a 20 MHz
 * packet (driver.ts); runs are the stretches of consecutive indices.
 */
export function makeToneBand(centreHz: number, spacingHz: number, tones: readonly number[]): Band {
  const indices = Int32Array.from(tones);
  const freqsHz = Float64Array.from(indices, (k) => centreHz + k * spacingHz);
  const runs: SubcarrierRun[] = [];
  indices.forEach((k, i) => {
    const last = runs[runs.length - 1];
    if (last && k === last.firstIndex + last.length) last.length++;
    else runs.push({ offset: i, firstIndex: k, length: 1 });
  });
  return { centreHz, spacingHz, indices, freqsHz, runs };
}

/** Wavelength at the centre frequency (m). */
export function centreWavelength(band: Band): number {
  return SPEED_OF_LIGHT / band.centreHz;
}
