// What to write where: from ESP-IDF's DIR/flasher_args.json or explicit FILE@OFFSET pairs. Every region is read
// and validated here, before any port is opened, so a bad build never half-flashes a fleet. Once a port's flash
// chip is known, checkPlanFitsFlash refuses a plan that needs more flash than the chip has.
import { statSync } from 'node:fs';
import { fsError, readFileChecked } from '../../io/fs-errors.ts';
import { basename, resolve } from 'node:path';
import { hexOffset, type Chip } from './chips.ts';
import { FlashPlanError, FlashTooSmallError } from './errors.ts';
import { formatJedecId } from './flash-id.ts';
import { formatSize } from './flash-size.ts';
import { parseOffset, readFlasherArgs } from './flasher-args.ts';
import { checkImageChip, ImageError, IMAGE_MAGIC, looksLikePartitionTable, parseAppImage, type AppImage } from './image.ts';
import { furthestPartition, parsePartitionTable, type PartitionTable } from './partition-table.ts';

export { FlashPlanError };
export { parseFlashSize } from './flash-size.ts';

export const SECTOR = 0x1000;
const MB = 1024 * 1024;

export type RegionKind = 'bootloader' | 'app' | 'partition-table' | 'data';

export interface Region {
  name: string;
  file: string;
  offset: number;
  data: Uint8Array;
  kind: RegionKind;
  /** Parsed header of an app or bootloader image. */
  image?: AppImage;
  /** Parsed partition table. */
  partitionTable?: PartitionTable;
}

/** A flash size the plan states, and who states it. */
export interface SizeClaim {
  bytes: number;
  source: string;
}

export interface FlashPlan {
  regions: Region[];
  /** Flash size the regions are checked against, in bytes. */
  flashSizeBytes: number;
  /** Where the size came from, for messages. */
  flashSizeSource: string;
  /** Every size the plan states (flasher_args.json, each image header): each must fit the flash a port has. */
  sizeClaims: SizeClaim[];
  /** Target chip the build was made for (flasher_args.json), if known. */
  buildChip?: Chip;
}

function readRegionFile(path: string, where: string): Uint8Array {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw fsError(err, path, where);
  }
  // A device or a directory is never an image (and reading /dev/zero would not end).
  if (!st.isFile()) throw new FlashPlanError(`${path}: not a regular file (${where})`);
  const buf = readFileChecked(path, where);
  if (buf.length === 0) throw new FlashPlanError(`${path}: file is empty (${where})`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Classifies and validates one file. Explicit files must be an app image or a partition table. */
function makeRegion(name: string, file: string, offset: number, data: Uint8Array, hint?: RegionKind): Region {
  if (offset % SECTOR !== 0) {
    throw new FlashPlanError(`${file}: offset ${hexOffset(offset)} is not a multiple of the 4 KB flash sector`);
  }
  let kind: RegionKind;
  if (hint) kind = hint;
  else if (looksLikePartitionTable(data)) kind = 'partition-table';
  else if (data[0] === IMAGE_MAGIC) kind = 'app';
  else {
    throw new ImageError(
      file,
      `neither an ESP app image (magic 0x${data[0].toString(16).padStart(2, '0')}, expected 0xe9) nor a partition table: refusing to flash it`,
    );
  }
  const region: Region = { name, file, offset, data, kind };
  if (kind === 'app' || kind === 'bootloader') region.image = parseAppImage(data, file);
  if (kind === 'partition-table') region.partitionTable = parsePartitionTable(data, file);
  return region;
}

function headerClaims(regions: Region[]): SizeClaim[] {
  return regions.flatMap((r) => (r.image ? [{ bytes: r.image.flashSizeBytes, source: `${r.file} header` }] : []));
}

/** Reads DIR/flasher_args.json as written by ESP-IDF's `idf.py build`. */
export function planFromBuild(dir: string): FlashPlan {
  const args = readFlasherArgs(dir);
  const regions = args.files.map((f) => makeRegion(f.name, f.file, f.offset, readRegionFile(f.file, `${args.argsPath} ${f.entry}`), f.kind));
  const claims = headerClaims(regions);
  let size: { flashSizeBytes: number; flashSizeSource: string };
  if (args.flashSize?.bytes !== undefined) {
    size = { flashSizeBytes: args.flashSize.bytes, flashSizeSource: `${args.argsPath} flash_settings.flash_size` };
    claims.unshift({ bytes: size.flashSizeBytes, source: size.flashSizeSource });
  } else {
    size = sizeFromImages(regions);
  }
  return checkLayout({ regions, ...size, sizeClaims: claims, buildChip: args.chip });
}

/** Parses `FILE@OFFSET` (offset hex with 0x, or decimal). */
export function parseImageSpec(spec: string): { file: string; offset: number } {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) throw new FlashPlanError(`--image ${spec}: expected FILE@OFFSET, e.g. app.bin@0x10000`);
  return { file: spec.slice(0, at), offset: parseOffset(spec.slice(at + 1), `--image ${spec}`) };
}

export function planFromImages(specs: string[]): FlashPlan {
  const regions = specs.map((spec) => {
    const { file, offset } = parseImageSpec(spec);
    return makeRegion(basename(file), resolve(file), offset, readRegionFile(resolve(file), `--image ${spec}`));
  });
  return checkLayout({ regions, ...sizeFromImages(regions), sizeClaims: headerClaims(regions) });
}

function sizeFromImages(regions: Region[]): { flashSizeBytes: number; flashSizeSource: string } {
  const withImage = regions.find((r) => r.image);
  if (!withImage?.image) return { flashSizeBytes: 4 * MB, flashSizeSource: 'default (4MB)' };
  return { flashSizeBytes: withImage.image.flashSizeBytes, flashSizeSource: `${withImage.file} header` };
}

/**
 * Regions must fit in the flash and must not overlap (a later one would silently clobber an earlier one), and a
 * partition table must not lay out partitions past the end of the flash.
 */
function checkLayout(plan: FlashPlan): FlashPlan {
  const sorted = [...plan.regions].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    const end = r.offset + r.data.length;
    if (end > plan.flashSizeBytes) {
      throw new FlashPlanError(
        `${r.file}: ${r.data.length} bytes at ${hexOffset(r.offset)} end at ${hexOffset(end)}, past the ${plan.flashSizeBytes / MB}MB flash (${plan.flashSizeSource})`,
      );
    }
    const next = sorted[i + 1];
    if (next && end > next.offset) {
      throw new FlashPlanError(`${r.file} (${hexOffset(r.offset)}..${hexOffset(end)}) overlaps ${next.file} at ${hexOffset(next.offset)}`);
    }
    if (r.partitionTable && r.partitionTable.layoutEnd > plan.flashSizeBytes) {
      throw new FlashPlanError(
        `${r.file}: the partition table lays out ${furthestPartition(r.partitionTable)}, past the ${formatSize(plan.flashSizeBytes)} flash (${plan.flashSizeSource})`,
      );
    }
  }
  return { ...plan, regions: sorted };
}

/** Refuses the plan for the chip detected on a port: each image's chip id and the build target must match. */
export function checkPlanForChip(plan: FlashPlan, chip: Chip, port: string): void {
  if (plan.buildChip && plan.buildChip.id !== chip.id) {
    throw new ImageError(plan.regions[0].file, `build is for ${plan.buildChip.name} but ${port} has an ${chip.name}: refusing to flash`);
  }
  for (const r of plan.regions) if (r.image) checkImageChip(r.image, r.file, chip, port);
}

/**
 * Refuses the plan for the flash detected on a port (size from its JEDEC ID): every size the plan states, the
 * partition layout and every region must fit. Runs before the first FLASH_BEGIN, so nothing is written.
 */
export function checkPlanFitsFlash(plan: FlashPlan, detected: { sizeBytes: number; id: number }, port: string): void {
  const chip = `the flash chip has ${formatSize(detected.sizeBytes)} (JEDEC ID ${formatJedecId(detected.id)})`;
  const assumed = `; the plan assumes ${formatSize(plan.flashSizeBytes)} (${plan.flashSizeSource})`;
  for (const c of plan.sizeClaims) {
    if (c.bytes > detected.sizeBytes) throw new FlashTooSmallError(port, `${chip} but ${c.source} says ${formatSize(c.bytes)}`);
  }
  for (const r of plan.regions) {
    if (r.partitionTable && r.partitionTable.layoutEnd > detected.sizeBytes) {
      throw new FlashTooSmallError(port, `${chip} but the partition table ${r.file} lays out ${furthestPartition(r.partitionTable)}${assumed}`);
    }
    const end = r.offset + r.data.length;
    if (end > detected.sizeBytes) {
      throw new FlashTooSmallError(port, `${chip} but ${r.file} (${r.data.length} bytes at ${hexOffset(r.offset)}) ends at ${hexOffset(end)}${assumed}`);
    }
  }
}
