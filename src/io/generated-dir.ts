// A folder of generated files that may live among a user's own files (an ESP-IDF component in their
// project). pose-edge writes a manifest of what it generated (MANIFEST_NAME: each file's SHA-256), and on
// the next run it replaces only the files that manifest lists (removing listed files it no longer
// generates) and never touches anything else. A folder without a manifest is written only when it is new
// or empty. A new folder is assembled beside its destination and renamed into place whole; into an existing
// folder every file is renamed into place one by one, the manifest last.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PoseEdgeError } from '../errors.ts';
import { writeDirAtomic, writeFilesAtomic, type FileContent } from './atomic-files.ts';
import { fsError } from './fs-errors.ts';

export const MANIFEST_NAME = 'pose-edge-manifest.json';
const MANIFEST_FORMAT = 'pose-edge-manifest';

/**
 * What a component written before manifests existed (it has compile-report.json) is known to hold: only
 * these names are treated as ours in such a folder.
 */
const LEGACY_GENERATED = [
  'compile-report.json', 'pose_model.h', 'pose_model.c', 'pose_weights.h', 'pose_weights.c', 'pose_kernels.h', 'pose_stream.h',
  'CMakeLists.txt', 'idf_component.yml',
];

export class GeneratedDirError extends PoseEdgeError {}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  tool: string;
  /** Relative file name -> SHA-256 of its content as generated. */
  files: Record<string, string>;
}

function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The manifest text for a set of generated files (deterministic: names sorted). */
export function renderManifest(tool: string, files: ReadonlyMap<string, string | Uint8Array>): string {
  const entries: Record<string, string> = {};
  for (const name of [...files.keys()].filter((n) => n !== MANIFEST_NAME).sort()) entries[name] = sha256(files.get(name)!);
  const m: Manifest = { format: MANIFEST_FORMAT, version: 1, tool, files: entries };
  return `${JSON.stringify(m, null, 2)}\n`;
}

export interface DirPlan {
  dir: string;
  /** The folder does not exist yet. */
  fresh: boolean;
  /** Files pose-edge generated there before (from the manifest, or the legacy list): the only ones it may touch. */
  owned: Set<string>;
  /** Owned files edited since they were generated (their SHA-256 differs from the manifest's). */
  edited: string[];
}

function readManifest(dir: string): Manifest | null {
  const path = join(dir, MANIFEST_NAME);
  if (!existsSync(path)) return null;
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (err) {
    if (err instanceof SyntaxError) throw new GeneratedDirError(`${path}: damaged manifest (not JSON); refusing to write into ${dir}`);
    throw fsError(err, path, 'reading the manifest of generated files');
  }
  if (m?.format !== MANIFEST_FORMAT || m.version !== 1 || typeof m.files !== 'object' || m.files === null) {
    throw new GeneratedDirError(`${path}: not a pose-edge manifest of version 1; refusing to write into ${dir}`);
  }
  for (const name of Object.keys(m.files)) {
    if (name.includes('..') || name.startsWith('/') || name === MANIFEST_NAME) {
      throw new GeneratedDirError(`${path}: lists '${name}', which is not a file of this folder; refusing to write into ${dir}`);
    }
  }
  return m;
}

/**
 * Decides what a write into `dir` may touch, or refuses (GeneratedDirError naming the folder and why).
 * Call it before long work so a bad folder fails at once; `files` are the names about to be written.
 */
export function planGeneratedDir(dir: string, names: Iterable<string>): DirPlan {
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, fresh: true, owned: new Set(), edited: [] };
    throw fsError(err, dir, 'output folder');
  }
  if (!st.isDirectory()) throw new GeneratedDirError(`${dir}: exists and is not a directory; refusing to replace it`);
  const entries = readdirSync(dir);
  const manifest = readManifest(dir);
  let owned: Set<string>;
  const edited: string[] = [];
  if (manifest) {
    owned = new Set(Object.keys(manifest.files));
    for (const [name, hash] of Object.entries(manifest.files)) {
      const p = join(dir, name);
      if (existsSync(p) && statSync(p).isFile() && sha256(readFileSync(p)) !== hash) edited.push(name);
    }
  } else if (entries.includes('compile-report.json')) {
    owned = new Set(LEGACY_GENERATED.filter((n) => entries.includes(n)));
  } else if (entries.length === 0) {
    owned = new Set();
  } else {
    throw new GeneratedDirError(
      `${dir}: holds files pose-edge did not generate (no ${MANIFEST_NAME}); refusing to write into it. ` +
        'Name a new or empty folder, or one written by `pose-edge compile`.',
    );
  }
  for (const name of names) {
    if (name === MANIFEST_NAME || owned.has(name)) continue;
    const p = join(dir, name);
    if (existsSync(p)) {
      throw new GeneratedDirError(`${p}: exists and pose-edge did not generate it (it is not in ${MANIFEST_NAME}); refusing to overwrite it`);
    }
  }
  return { dir, fresh: false, owned, edited };
}

/**
 * Writes `files` (which must include the manifest, see renderManifest) into `dir` under the plan's rules.
 * Returns the owned files removed because this run no longer generates them.
 */
export function writeGeneratedDir(dir: string, files: ReadonlyMap<string, FileContent>): { removed: string[]; edited: string[] } {
  if (!files.has(MANIFEST_NAME)) throw new Error(`writeGeneratedDir: ${dir}: the files to write lack ${MANIFEST_NAME}`);
  const plan = planGeneratedDir(dir, files.keys());
  try {
    if (plan.fresh) {
      writeDirAtomic(dir, files);
      return { removed: [], edited: [] };
    }
    const ordered = [...files].filter(([n]) => n !== MANIFEST_NAME);
    for (const [name] of ordered) mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFilesAtomic(ordered.map(([n, c]) => [join(dir, n), c]), 'a generated file');
    const removed = [...plan.owned].filter((n) => !files.has(n) && n !== MANIFEST_NAME);
    for (const n of removed) rmSync(join(dir, n), { force: true });
    writeFilesAtomic([[join(dir, MANIFEST_NAME), files.get(MANIFEST_NAME)!]], 'the manifest');
    return { removed, edited: plan.edited };
  } catch (err) {
    throw fsError(err, dir, 'writing the generated files');
  }
}
