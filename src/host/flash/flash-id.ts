// The real size of the SPI flash, read from the flash chip itself before anything is written (what esptool's
// flash_id / detect_flash_size do). The ROM loader has no command for it, so the host drives the chip's SPI flash
// controller through READ_REG/WRITE_REG: a "user" command RDID (0x9F) that clocks 24 bits back into the first
// data register W0. Those bits are the JEDEC ID: manufacturer, memory type, capacity code (W0's bytes 0, 1, 2).
import type { SpiRegs } from './chips.ts';

export const SPIFLASH_RDID = 0x9f;
/** SPI_CMD_REG: setting this bit starts the user command; the controller clears it when the command is done. */
export const SPI_CMD_USR = 1 << 18;
/** SPI_USR_REG phase bits: send a command byte, then read MISO data. */
export const SPI_USR_COMMAND = 0x80000000;
export const SPI_USR_MISO = 1 << 28;
/** SPI_USR2_REG holds the command length in bits minus one from this bit up, and the command byte below it. */
export const SPI_USR2_COMMAND_LEN_SHIFT = 28;
/** RDID answers 3 bytes. */
const RDID_BITS = 24;
/** Like esptool: the busy bit is read this many times (each a round trip) before the command counts as stuck. */
const DONE_POLLS = 10;

/** The two register commands of the ROM loader, which is all this needs. */
export interface RegisterAccess {
  readReg(addr: number): Promise<number>;
  writeReg(addr: number, value: number): Promise<void>;
}

/** Runs RDID on the controller at `spi`: the 24-bit JEDEC ID, or 'busy' when the controller never finished. */
export async function readJedecId(regs: RegisterAccess, spi: SpiRegs): Promise<number | 'busy'> {
  const reg = (offset: number): number => spi.base + offset;
  // The ROM's own flash routines use USR and USR2 too: put them back afterwards, as esptool does.
  const oldUsr = await regs.readReg(reg(spi.usr));
  const oldUsr2 = await regs.readReg(reg(spi.usr2));
  await regs.writeReg(reg(spi.misoDlen), RDID_BITS - 1);
  await regs.writeReg(reg(spi.usr), (SPI_USR_COMMAND | SPI_USR_MISO) >>> 0);
  await regs.writeReg(reg(spi.usr2), ((7 << SPI_USR2_COMMAND_LEN_SHIFT) | SPIFLASH_RDID) >>> 0);
  // Cleared first, so a controller that clocks nothing in leaves 0 there rather than stale data.
  await regs.writeReg(reg(spi.w0), 0);
  await regs.writeReg(spi.base, SPI_CMD_USR);
  let done = false;
  for (let i = 0; i < DONE_POLLS && !done; i++) done = ((await regs.readReg(spi.base)) & SPI_CMD_USR) === 0;
  const id = done ? (await regs.readReg(reg(spi.w0))) & 0xffffff : 'busy';
  await regs.writeReg(reg(spi.usr), oldUsr);
  await regs.writeReg(reg(spi.usr2), oldUsr2);
  return id;
}

/**
 * Flash size in bytes for the capacity code (third JEDEC ID byte), for the codes esptool knows: most vendors
 * use 2^code bytes (0x12 = 256 KB .. 0x1C = 256 MB); some 0x20..0x22 for 64..256 MB, some 0x32..0x3A for
 * 256 KB..64 MB. Undefined for any other code.
 */
export function sizeFromJedecId(id: number): number | undefined {
  const code = (id >> 16) & 0xff;
  if (code >= 0x12 && code <= 0x1c) return 2 ** code;
  if (code >= 0x20 && code <= 0x22) return 2 ** (code - 6);
  if (code >= 0x32 && code <= 0x3a) return 2 ** (code - 0x20);
  return undefined;
}

/** The ID as the flash sends it: manufacturer, memory type, capacity (e.g. "ef 40 16" for a 4 MB Winbond). */
export function formatJedecId(id: number): string {
  return [id & 0xff, (id >> 8) & 0xff, (id >> 16) & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export type FlashDetection = { ok: true; id: number; sizeBytes: number } | { ok: false; id?: number; reason: string };

/** Interprets what RDID returned; a failure says why in words for the warning line. */
export function interpretJedecId(id: number | 'busy'): FlashDetection {
  if (id === 'busy') return { ok: false, reason: 'the SPI flash controller did not finish the RDID command' };
  if (id === 0 || id === 0xffffff) {
    return { ok: false, id, reason: `the flash answered RDID with ${formatJedecId(id)} (no flash chip answering, or it is on other pins)` };
  }
  const sizeBytes = sizeFromJedecId(id);
  if (sizeBytes === undefined) {
    return { ok: false, id, reason: `JEDEC ID ${formatJedecId(id)} has capacity code 0x${((id >> 16) & 0xff).toString(16)}, which esptool does not know` };
  }
  return { ok: true, id, sizeBytes };
}
