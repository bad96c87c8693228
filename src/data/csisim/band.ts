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
  const indices = new Int32Array(SUBCARRIERS);
  let n = 0;
  for (let k = -58; k <= 58; k++) if (k <= -2 || k >= 2) indices[n++] = k;
  const freqsHz = new Float64Array(SUBCARRIERS);
  for (let i = 0; i < SUBCARRIERS; i++) freqsHz[i] = centreHz + indices[i] * spacingHz;
  return {
    centreHz,
    spacingHz,
    indices,
    freqsHz,
    runs: [
      { offset: 0, firstIndex: -58, length: 57 },
      { offset: 57, firstIndex: 2, length: 57 },
    ],
  };
}

/** Wavelength at the centre frequency (m). */
export function centreWavelength(band: Band): number {
  return SPEED_OF_LIGHT / band.centreHz;
}
