// What to write where: from ESP-IDF's DIR/flasher_args.json or explicit FILE@OFFSET pairs. Every region is read
// and validated here, before any port is opened, so a bad build never half-flashes a fleet.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PoseEdgeError } from '../../cli/errors.ts';
import { chipById, hexOffset, type Chip } from './chips.ts';
import { checkImageChip, ImageError, IMAGE_MAGIC, looksLikePartitionTable, parseAppImage, type AppImage } from './image.ts';

export const SECTOR = 0x1000;
const MB = 1024 * 1024;

export class FlashPlanError extends PoseEdgeError {}

export type RegionKind = 'bootloader' | 'app' | 'partition-table' | 'data';

export interface Region {
  name: string;
  file: string;
  offset: number;
  data: Uint8Array;
  kind: RegionKind;
  /** Parsed header of an app or bootloader image. */
  image?: AppImage;
}

export interface FlashPlan {
  regions: Region[];
  /** Flash size the regions are checked against, in bytes. */
  flashSizeBytes: number;
  /** Where the size came from, for messages. */
  flashSizeSource: string;
  /** Target chip the build was made for (flasher_args.json), if known. */
  buildChip?: Chip;
}

export function parseFlashSize(text: string, where: string): number {
  const m = /^(\d+)\s*(MB|KB)$/i.exec(text.trim());
  if (!m) throw new FlashPlanError(`${where}: cannot read flash size "${text}" (expected e.g. 4MB)`);
  return Number(m[1]) * (m[2].toUpperCase() === 'MB' ? MB : 1024);
}

function parseOffset(text: string, where: string): number {
  const t = text.trim();
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? parseInt(t, 10) : NaN;
  if (!Number.isFinite(v)) throw new FlashPlanError(`${where}: invalid offset "${text}" (expected e.g. 0x10000)`);
  return v;
}

function readRegionFile(path: string, where: string): Uint8Array {
  if (!existsSync(path)) throw new FlashPlanError(`${path}: no such file (${where})`);
  const buf = readFileSync(path);
  if (buf.length === 0) throw new FlashPlanError(`${path}: file is empty (${where})`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Classifies and validates one file. Explicit files must be an app image or a partition table. */
function makeRegion(name: string, file: string, offset: number, data: Uint8Array, hint?: RegionKind): Region {
  if (offset % SECTOR !== 0) {
    throw new FlashPlanError(`${file}: offset ${hexOffset(offset)} is not a multiple of the 4 KB flash sector`);
  }
  let kind: RegionKind;
  if (hint === 'partition-table' || (!hint && looksLikePartitionTable(data))) kind = 'partition-table';
  else if (hint === 'bootloader' || hint === 'app') kind = hint;
  else if (hint === 'data') kind = 'data';
  else if (data[0] === IMAGE_MAGIC) kind = 'app';
  else {
    throw new ImageError(
      file,
      `neither an ESP app image (magic 0x${data[0].toString(16).padStart(2, '0')}, expected 0xe9) nor a partition table: refusing to flash it`,
    );
  }
  if (kind === 'partition-table' && !looksLikePartitionTable(data)) {
    throw new ImageError(file, 'not an ESP-IDF partition table (first entry lacks the AA 50 magic)');
  }
  const region: Region = { name, file, offset, data, kind };
  if (kind === 'app' || kind === 'bootloader') region.image = parseAppImage(data, file);
  return region;
}

interface FlasherArgsEntry {
  offset: string;
  file: string;
}

/** Reads DIR/flasher_args.json as written by ESP-IDF's `idf.py build`. */
export function planFromBuild(dir: string): FlashPlan {
  const argsPath = join(resolve(dir), 'flasher_args.json');
  if (!existsSync(argsPath)) {
    throw new FlashPlanError(`${argsPath}: not found (build the firmware with \`idf.py build\`, or pass --image FILE@OFFSET)`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(argsPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new FlashPlanError(`${argsPath}: not valid JSON (${(e as Error).message})`);
  }
  const files = json.flash_files as Record<string, string> | undefined;
  if (!files || typeof files !== 'object' || Object.keys(files).length === 0) {
    throw new FlashPlanError(`${argsPath}: no "flash_files" entries`);
  }
  // The named sections tell which file is the bootloader, the app and the partition table.
  const kinds = new Map<string, RegionKind>();
  for (const key of ['bootloader', 'app', 'partition-table'] as const) {
    const e = json[key] as FlasherArgsEntry | undefined;
    if (e?.file) kinds.set(e.file, key);
  }
  const settings = (json.flash_settings ?? {}) as { flash_size?: string };
  const extra = (json.extra_esptool_args ?? {}) as { chip?: string };
  const regions = Object.entries(files).map(([off, rel]) => {
    const file = join(resolve(dir), rel);
    const offset = parseOffset(off, argsPath);
    const kind = kinds.get(rel) ?? 'data';
    return makeRegion(kind === 'data' ? basename(rel) : kind, file, offset, readRegionFile(file, argsPath), kind);
  });
  let flashSizeBytes: number;
  let flashSizeSource: string;
  if (settings.flash_size && settings.flash_size !== 'detect' && settings.flash_size !== 'keep') {
    flashSizeBytes = parseFlashSize(settings.flash_size, argsPath);
    flashSizeSource = `${argsPath} flash_settings.flash_size`;
  } else {
    ({ flashSizeBytes, flashSizeSource } = sizeFromImages(regions));
  }
  const buildChip = extra.chip ? chipById(extra.chip) : undefined;
  if (extra.chip && !buildChip) throw new FlashPlanError(`${argsPath}: unsupported target chip "${extra.chip}"`);
  return checkLayout({ regions, flashSizeBytes, flashSizeSource, buildChip });
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
  return checkLayout({ regions, ...sizeFromImages(regions) });
}

function sizeFromImages(regions: Region[]): { flashSizeBytes: number; flashSizeSource: string } {
  const withImage = regions.find((r) => r.image);
  if (!withImage?.image) return { flashSizeBytes: 4 * MB, flashSizeSource: 'default (4MB)' };
  return { flashSizeBytes: withImage.image.flashSizeBytes, flashSizeSource: `${withImage.file} header` };
}

/** Regions must fit in the flash and must not overlap (a later one would silently clobber an earlier one). */
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
