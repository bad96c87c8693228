// Flash sizes as ESP-IDF and esptool write them. Parsed strictly, as esptool's --flash_size does (a fixed list of
// exact, case-sensitive choices): "4MB" is a size; "4mb", "4 MB", "4096KB", "3MB" and "0MB" are refused rather than
// guessed at, because a wrong guess decides which flash addresses the bootloader believes exist.
import { hexOffset } from './chips.ts';
import { FlashPlanError } from './errors.ts';

const MB = 1024 * 1024;

/** The sizes an ESP32-family image header can state (esptool's FLASH_SIZES for ESP32 and later chips). */
export const FLASH_SIZES: readonly string[] = ['1MB', '2MB', '4MB', '8MB', '16MB', '32MB', '64MB', '128MB'];

/** flasher_args.json may also say "detect" or "keep": no size of its own, the image headers decide. */
export type FlashSizeSetting = { bytes: number; text: string } | { bytes?: undefined; text: 'detect' | 'keep' };

function choices(withKeywords: boolean): string {
  return `${FLASH_SIZES.slice(0, -1).join(', ')}${withKeywords ? `, ${FLASH_SIZES.at(-1)}, detect or keep` : ` or ${FLASH_SIZES.at(-1)}`}`;
}

/** One of FLASH_SIZES, in bytes; `where` starts the message (a file and field, or an option). */
export function parseFlashSize(text: unknown, where: string): number {
  if (typeof text === 'string' && FLASH_SIZES.includes(text)) return Number(text.slice(0, -2)) * MB;
  throw new FlashPlanError(`${where}: flash size ${JSON.stringify(text)} is not one esptool accepts (${choices(false)})`);
}

/** flasher_args.json's flash_settings.flash_size: a size, "detect" or "keep". */
export function parseFlashSizeSetting(text: unknown, where: string): FlashSizeSetting {
  if (text === 'detect' || text === 'keep') return { text };
  if (typeof text === 'string' && FLASH_SIZES.includes(text)) return { bytes: parseFlashSize(text, where), text };
  throw new FlashPlanError(`${where}: flash size ${JSON.stringify(text)} is not one esptool accepts (${choices(true)})`);
}

/** A size as people write it: 4MB, 512KB (or a hex byte count when it is neither). */
export function formatSize(bytes: number): string {
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB}MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KB`;
  return `${hexOffset(bytes)} bytes`;
}
