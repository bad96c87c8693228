// ESP-IDF's DIR/flasher_args.json, read as untrusted input: it decides which files go to which flash offsets, so
// every file it names must lie inside the build directory (after resolving symlinks), every named section
// (bootloader, app, partition-table, otadata, ...) must agree with flash_files, and every field must have the type
// ESP-IDF writes. Nothing here reads file contents; plan.ts validates those.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { chipById, hexOffset, type Chip } from './chips.ts';
import { FlashPlanError } from './errors.ts';
import { parseFlashSizeSetting, type FlashSizeSetting } from './flash-size.ts';
import type { RegionKind } from './plan.ts';

export interface BuildFile {
  /** Region name: the section name for bootloader/app/partition-table, the file name otherwise. */
  name: string;
  /** Real path (symlinks resolved), inside the build directory. */
  file: string;
  offset: number;
  kind: RegionKind;
  /** How flasher_args.json names it, for messages: flash_files entry "0x10000". */
  entry: string;
}

export interface FlasherArgs {
  argsPath: string;
  /** The build directory, symlinks resolved. */
  root: string;
  files: BuildFile[];
  flashSize?: FlashSizeSetting;
  chip?: Chip;
}

/** Offset in hex with 0x, or decimal. */
export function parseOffset(text: string, where: string): number {
  const t = text.trim();
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? parseInt(t, 10) : NaN;
  if (!Number.isFinite(v)) throw new FlashPlanError(`${where}: invalid offset "${text}" (expected e.g. 0x10000)`);
  return v;
}

const SECTION_KINDS: Record<string, RegionKind> = { bootloader: 'bootloader', app: 'app', 'partition-table': 'partition-table' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `path` is `root` itself or below it. */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/** The real path of a file flasher_args.json names, refused unless it is inside the build directory. */
function resolveInBuild(root: string, rel: unknown, argsPath: string, what: string): string {
  if (typeof rel !== 'string' || rel.trim() === '') {
    throw new FlashPlanError(`${argsPath}: ${what} must be a file path relative to the build directory, got ${JSON.stringify(rel)}`);
  }
  if (isAbsolute(rel)) {
    throw new FlashPlanError(`${argsPath}: ${what} is an absolute path ("${rel}"): files must be named relative to the build directory ${root} and lie inside it`);
  }
  const lexical = resolve(root, rel);
  if (!isInside(root, lexical)) {
    throw new FlashPlanError(`${argsPath}: ${what} ("${rel}") points outside the build directory ${root}: refusing to flash it`);
  }
  if (!existsSync(lexical)) throw new FlashPlanError(`${lexical}: no such file (${argsPath} ${what})`);
  const real = realpathSync(lexical);
  if (!isInside(root, real)) {
    throw new FlashPlanError(`${argsPath}: ${what} ("${rel}") resolves to ${real}, outside the build directory ${root}: refusing to flash it`);
  }
  return real;
}

interface Section {
  key: string;
  file: string;
  rel: string;
  offset: number;
}

/** Top-level objects with a "file" (bootloader, app, partition-table, otadata, ...): each must be whole. */
function readSections(json: Record<string, unknown>, root: string, argsPath: string): Section[] {
  const sections: Section[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === 'flash_files' || !isObject(value) || !('file' in value || 'offset' in value)) continue;
    if (typeof value.offset !== 'string') {
      throw new FlashPlanError(`${argsPath}: section "${key}" must have an "offset" string and a "file" string`);
    }
    const file = resolveInBuild(root, value.file, argsPath, `section "${key}" file`);
    sections.push({ key, file, rel: String(value.file), offset: parseOffset(value.offset, `${argsPath} section "${key}"`) });
  }
  return sections;
}

export function readFlasherArgs(dir: string): FlasherArgs {
  const dirPath = resolve(dir);
  const argsPath = join(dirPath, 'flasher_args.json');
  if (!existsSync(argsPath)) {
    throw new FlashPlanError(`${argsPath}: not found (build the firmware with \`idf.py build\`, or pass --image FILE@OFFSET)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(argsPath, 'utf8'));
  } catch (e) {
    throw new FlashPlanError(`${argsPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new FlashPlanError(`${argsPath}: expected a JSON object`);
  const root = realpathSync(dirPath);
  const flashFiles = json.flash_files;
  if (!isObject(flashFiles) || Object.keys(flashFiles).length === 0) throw new FlashPlanError(`${argsPath}: no "flash_files" entries`);

  const files: BuildFile[] = Object.entries(flashFiles).map(([off, rel]) => {
    const entry = `flash_files entry "${off}"`;
    const file = resolveInBuild(root, rel, argsPath, entry);
    return { name: basename(file), file, offset: parseOffset(off, `${argsPath} flash_files`), kind: 'data', entry };
  });

  // A named section says what a flash_files entry is; it must name the same file at the same offset.
  const claimedBy = new Map<BuildFile, string>();
  for (const s of readSections(json, root, argsPath)) {
    const sameFile = files.filter((f) => f.file === s.file);
    const match = sameFile.find((f) => f.offset === s.offset);
    if (!match) {
      const listed = sameFile.length ? `flash_files puts it at ${sameFile.map((f) => hexOffset(f.offset)).join(', ')}` : 'flash_files does not list it';
      throw new FlashPlanError(
        `${argsPath}: section "${s.key}" puts ${s.rel} at ${hexOffset(s.offset)} but ${listed}: refusing a build whose sections and flash_files disagree`,
      );
    }
    const other = claimedBy.get(match);
    if (other) throw new FlashPlanError(`${argsPath}: sections "${other}" and "${s.key}" both name ${s.rel} at ${hexOffset(s.offset)}`);
    claimedBy.set(match, s.key);
    const kind = SECTION_KINDS[s.key];
    if (kind) {
      match.kind = kind;
      match.name = kind;
    }
  }

  const settings = json.flash_settings;
  if (settings !== undefined && !isObject(settings)) throw new FlashPlanError(`${argsPath}: "flash_settings" must be an object`);
  const flashSize =
    settings?.flash_size === undefined ? undefined : parseFlashSizeSetting(settings.flash_size, `${argsPath} flash_settings.flash_size`);

  const extra = json.extra_esptool_args;
  const chipText = isObject(extra) ? extra.chip : undefined;
  if (chipText !== undefined && typeof chipText !== 'string') throw new FlashPlanError(`${argsPath}: extra_esptool_args.chip must be a string`);
  const chip = chipText ? chipById(chipText) : undefined;
  if (chipText && !chip) throw new FlashPlanError(`${argsPath}: unsupported target chip "${chipText}"`);
  return { argsPath, root, files, flashSize, chip };
}
