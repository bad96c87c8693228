// What the flasher needs to know per chip. Magic values are what the ROM returns for READ_REG at
// CHIP_DETECT_MAGIC_REG_ADDR; image chip ids are the `chip_id` field of the app image's extended header and
// the chip id in GET_SECURITY_INFO; the SPI register layout is where the ROM's flash controller takes a "user"
// command (how the flash's JEDEC ID is read). Source: esptool targets/*.py and espflash target/mod.rs (facts only).

export const CHIP_DETECT_MAGIC_REG_ADDR = 0x40001000;

/**
 * The SPI flash controller registers used to run one SPI flash command through READ_REG/WRITE_REG: `base` is the
 * controller the ROM drives the flash with (SPI1 on ESP32, SPI_MEM1 on the others), the rest are offsets from it.
 */
export interface SpiRegs {
  base: number;
  usr: number;
  usr1: number;
  usr2: number;
  mosiDlen: number;
  misoDlen: number;
  w0: number;
}

/** The layout shared by the S2, S3, C3 and C2 (and, at another base, the C6 and H2). */
const SPI_MEM_LAYOUT = { usr: 0x18, usr1: 0x1c, usr2: 0x20, mosiDlen: 0x24, misoDlen: 0x28, w0: 0x58 };

export interface Chip {
  /** esptool-style name, as in flasher_args.json `extra_esptool_args.chip`. */
  id: string;
  /** Human name. */
  name: string;
  magicValues: readonly number[];
  imageChipId: number;
  /** The ROM's FLASH_BEGIN / FLASH_DEFL_BEGIN takes a 5th u32 (`encrypted`) on every chip but ESP32. */
  flashBeginWords: 4 | 5;
  /** Length of the GET_SECURITY_INFO reply body, or 0 when the ROM does not support the command. */
  securityInfoLen: 0 | 12 | 20;
  bootloaderOffset: number;
  spi: SpiRegs;
  /**
   * Chips whose ROM sets CHANGE_BAUDRATE's divider for a 40 MHz crystal whatever the crystal is (the ESP32-C2,
   * sold with 26 MHz ones): where its UART clock divider is read, to tell the crystal (crystalMhz) and ask
   * for baud * 40 / 26 on a 26 MHz part (esptool's ESP32C2ROM.change_baud).
   */
  uartClkdivReg?: number;
}

/** The UART clock divider's field (the low 20 bits). */
export const UART_CLKDIV_MASK = 0xfffff;

/**
 * The crystal in MHz, 40 or 26, from the ROM's UART clock divider while it talks at `baud`: the divider times the
 * baud rate is the UART's clock, the crystal's frequency on these chips (esptool's get_crystal_freq).
 */
export function crystalMhz(clkdiv: number, baud: number): 40 | 26 {
  return (baud * (clkdiv & UART_CLKDIV_MASK)) / 1e6 > 33 ? 40 : 26;
}

export const CHIPS: readonly Chip[] = [
  {
    id: 'esp32',
    name: 'ESP32',
    magicValues: [0x00f01d83],
    imageChipId: 0,
    flashBeginWords: 4,
    securityInfoLen: 0,
    bootloaderOffset: 0x1000,
    spi: { base: 0x3ff42000, usr: 0x1c, usr1: 0x20, usr2: 0x24, mosiDlen: 0x28, misoDlen: 0x2c, w0: 0x80 },
  },
  {
    id: 'esp32s2',
    name: 'ESP32-S2',
    magicValues: [0x000007c6],
    imageChipId: 2,
    flashBeginWords: 5,
    securityInfoLen: 12,
    bootloaderOffset: 0x1000,
    spi: { base: 0x3f402000, ...SPI_MEM_LAYOUT },
  },
  {
    id: 'esp32s3',
    name: 'ESP32-S3',
    magicValues: [0x00000009],
    imageChipId: 9,
    flashBeginWords: 5,
    securityInfoLen: 20,
    bootloaderOffset: 0x0,
    spi: { base: 0x60002000, ...SPI_MEM_LAYOUT },
  },
  {
    id: 'esp32c3',
    name: 'ESP32-C3',
    magicValues: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
    imageChipId: 5,
    flashBeginWords: 5,
    securityInfoLen: 20,
    bootloaderOffset: 0x0,
    spi: { base: 0x60002000, ...SPI_MEM_LAYOUT },
  },
  {
    id: 'esp32c6',
    name: 'ESP32-C6',
    magicValues: [0x2ce0806f],
    imageChipId: 13,
    flashBeginWords: 5,
    securityInfoLen: 20,
    bootloaderOffset: 0x0,
    spi: { base: 0x60003000, ...SPI_MEM_LAYOUT },
  },
  {
    id: 'esp32c2',
    name: 'ESP32-C2',
    magicValues: [0x6f51306f, 0x7c41a06f, 0x0c21e06f],
    imageChipId: 12,
    flashBeginWords: 5,
    securityInfoLen: 20,
    bootloaderOffset: 0x0,
    spi: { base: 0x60002000, ...SPI_MEM_LAYOUT },
    uartClkdivReg: 0x60000014,
  },
  {
    id: 'esp32h2',
    name: 'ESP32-H2',
    magicValues: [0xd7b73e80, 0x97e30068],
    imageChipId: 16,
    flashBeginWords: 5,
    securityInfoLen: 20,
    bootloaderOffset: 0x0,
    spi: { base: 0x60003000, ...SPI_MEM_LAYOUT },
  },
];

export function chipByMagic(magic: number): Chip | undefined {
  return CHIPS.find((c) => c.magicValues.includes(magic >>> 0));
}

export function chipByImageId(imageChipId: number): Chip | undefined {
  return CHIPS.find((c) => c.imageChipId === imageChipId);
}

export function chipById(id: string): Chip | undefined {
  const key = id.toLowerCase().replace(/-/g, '');
  return CHIPS.find((c) => c.id === key);
}

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

export function hexOffset(v: number): string {
  return `0x${v.toString(16)}`;
}
