// Which chip a deployed model fits, from its measured arena (SRAM), what ESP-IDF places in on-chip SRAM beside
// it (the kernels in IRAM, the constants in DRAM when they are small: bench's c3SramBytes) and flash (weights +
// kernel code). Budgets are the chips' totals; the firmware around the model (Wi-Fi, ESP-IDF, buffers) needs
// its share of the SRAM too, so the tables also give the arena as a fraction of it.

export interface Chip {
  name: string;
  /** On-chip SRAM in bytes. */
  sramBytes: number;
  /** Flash the model's constants and code may use, in bytes. */
  flashBytes: number;
  /** External PSRAM: an arena larger than the SRAM can live there (slower). */
  psram: boolean;
  /** What the figures are, for the doc. */
  note: string;
}

const KiB = 1024;
const MiB = 1024 * 1024;

export const ESP32_C3: Chip = {
  name: 'ESP32-C3',
  sramBytes: 400 * KiB,
  flashBytes: 4 * MiB,
  psram: false,
  note: '400 KB SRAM, 4 MB flash (rv32imc at 160 MHz, no PSRAM)',
};

export const ESP32_S3: Chip = {
  name: 'ESP32-S3',
  sramBytes: 512 * KiB,
  flashBytes: 4 * MiB,
  psram: true,
  note: '512 KB SRAM + PSRAM (an arena beyond the SRAM goes there); flash taken as 4 MB, the smallest S3 module\'s',
};

export const CHIPS: Chip[] = [ESP32_C3, ESP32_S3];

export interface Footprint {
  arenaBytes: number;
  flashBytes: number;
  /** The model's code and constants in on-chip SRAM (IRAM + DRAM), which PSRAM cannot take. */
  placedSramBytes: number;
}

/** The placed code and constants always in SRAM; the arena too unless the chip has PSRAM for it. */
export function fits(chip: Chip, f: Footprint): boolean {
  const sram = f.placedSramBytes + (chip.psram ? 0 : f.arenaBytes);
  return sram <= chip.sramBytes && f.flashBytes <= chip.flashBytes;
}

/** The chips a footprint fits, by name, in CHIPS order. */
export function fittingChips(f: Footprint): string[] {
  return CHIPS.filter((c) => fits(c, f)).map((c) => c.name);
}
