// Where a command may write. pose-edge writes only files it created: every output path a user names is
// checked here before any long work starts (so a bad path fails in the first second, not after a replay),
// and refused when writing it could destroy something that is not ours: an empty path (an unset shell
// variable), `/`, the working directory or a parent of it, the pose-edge project root, or one of the
// command's own input files.
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { PoseEdgeError } from '../errors.ts';
import { REPO_ROOT } from '../paths.ts';
import { describeFsError, isFsErrno } from './fs-errors.ts';

export class OutputPathError extends PoseEdgeError {}

export interface OutputRule {
  /** The option that named the path, for messages (e.g. `--out`). */
  flag: string;
  /** Files the command reads; an output may never be one of them (undefined/null entries are skipped). */
  inputs?: readonly (string | null | undefined)[];
}

/**
 * The real location of `p` even when it does not exist yet: the real path of its nearest existing
 * ancestor joined with the rest, so `./out` and a symlinked spelling of the same place compare equal.
 */
export function realLocation(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

function isSameOrAncestor(ancestor: string, p: string): boolean {
  return p === ancestor || p.startsWith(ancestor.endsWith(sep) ? ancestor : ancestor + sep);
}

function statOrNull(p: string, follow: boolean): Stats | null {
  try {
    return follow ? statSync(p) : lstatSync(p);
  } catch {
    return null;
  }
}

/** The checks every output shares: non-empty, not `/`, not the working directory or the project root or above. */
function checkPlace(path: string | undefined, rule: OutputRule, kind: 'file' | 'dir'): string {
  if (path === undefined || path.trim() === '') {
    throw new OutputPathError(`${rule.flag} '${path ?? ''}': an empty path (an unset shell variable?); name the file or directory to write`);
  }
  const abs = resolve(path);
  const real = realLocation(abs);
  const shown = path === abs ? abs : `${path} (${abs})`;
  if (real === sep || abs === sep) throw new OutputPathError(`${rule.flag} ${shown}: is the root directory; refusing to write there`);
  const cwd = realLocation(process.cwd());
  if (real === cwd) throw new OutputPathError(`${rule.flag} ${shown}: is the working directory; refusing to write over it (name a new file or folder inside it)`);
  if (isSameOrAncestor(real, cwd)) throw new OutputPathError(`${rule.flag} ${shown}: is a parent of the working directory; refusing to write over it`);
  const root = realLocation(REPO_ROOT);
  if (isSameOrAncestor(real, root)) {
    throw new OutputPathError(`${rule.flag} ${shown}: ${real === root ? 'is' : 'contains'} the pose-edge project root; refusing to write over it`);
  }
  for (const input of rule.inputs ?? []) {
    if (!input) continue;
    if (sameFile(real, input)) throw new OutputPathError(`${rule.flag} ${shown}: is also an input of this command (${input}); refusing to overwrite it`);
    if (kind === 'dir' && isSameOrAncestor(real, realLocation(input))) {
      throw new OutputPathError(`${rule.flag} ${shown}: holds an input of this command (${input}); write the output somewhere else`);
    }
  }
  return abs;
}

/** Same file by location, or by device and inode (a hard link or a symlink to it). */
function sameFile(real: string, input: string): boolean {
  if (realLocation(input) === real) return true;
  const a = statOrNull(real, true);
  const b = statOrNull(input, true);
  return !!a && !!b && a.dev === b.dev && a.ino === b.ino;
}

/** `out` is the output path the user named; `p` the place that must be writable (it or its directory). */
function checkWritable(out: string, p: string, flag: string, what: string): void {
  try {
    accessSync(p, constants.W_OK);
  } catch (err) {
    if (isFsErrno(err)) throw new OutputPathError(`${flag} ${out}: ${describeFsError(err, p, `cannot write ${what}`)}`);
    throw err;
  }
}

/** Nearest existing ancestor of `p` (for "can I create it here?"). */
function existingAncestor(p: string): string {
  let cur = dirname(p);
  while (!existsSync(cur) && dirname(cur) !== cur) cur = dirname(cur);
  return cur;
}

/**
 * Checks a file the command will create or replace. Its directory must exist and be writable; an existing
 * directory, a dangling symbolic link or a non-regular file (a device, a fifo) at the path is refused.
 * Returns the absolute path.
 */
export function checkOutputFile(path: string | undefined, rule: OutputRule): string {
  const abs = checkPlace(path, rule, 'file');
  const link = statOrNull(abs, false);
  if (link?.isSymbolicLink() && !statOrNull(abs, true)) {
    throw new OutputPathError(`${rule.flag} ${abs}: is a symbolic link to ${readlinkSync(abs)}, which does not exist; refusing to write through it`);
  }
  const st = statOrNull(abs, true);
  if (st?.isDirectory()) throw new OutputPathError(`${rule.flag} ${abs}: is a directory; name a file to write`);
  if (st && !st.isFile()) throw new OutputPathError(`${rule.flag} ${abs}: is not a regular file; refusing to write to it`);
  const dir = dirname(abs);
  const dst = statOrNull(dir, true);
  if (!dst) throw new OutputPathError(`${rule.flag} ${abs}: the directory ${dir} does not exist`);
  if (!dst.isDirectory()) throw new OutputPathError(`${rule.flag} ${abs}: ${dir} is not a directory`);
  checkWritable(abs, dir, rule.flag, 'files in this directory');
  if (st) checkWritable(abs, abs, rule.flag, 'this file');
  return abs;
}

/**
 * Checks a directory the command will create (with its parents) or write into. What may be replaced inside
 * an existing one is the caller's rule (a generated component's manifest). Returns the absolute path.
 */
export function checkOutputDir(path: string | undefined, rule: OutputRule): string {
  const abs = checkPlace(path, rule, 'dir');
  const st = statOrNull(abs, true);
  if (st && !st.isDirectory()) throw new OutputPathError(`${rule.flag} ${abs}: exists and is not a directory; refusing to replace it`);
  if (!st && statOrNull(abs, false)?.isSymbolicLink()) {
    throw new OutputPathError(`${rule.flag} ${abs}: is a symbolic link to ${readlinkSync(abs)}, which does not exist`);
  }
  if (st) checkWritable(abs, abs, rule.flag, 'into this directory');
  else {
    const anc = existingAncestor(abs);
    if (!statOrNull(anc, true)?.isDirectory()) throw new OutputPathError(`${rule.flag} ${abs}: ${anc} is not a directory`);
    checkWritable(abs, anc, rule.flag, `a new directory under ${anc}`);
  }
  return abs;
}

/** Refuses two outputs of one command that are the same file. */
export function checkDistinctOutputs(outputs: [flag: string, path: string | undefined][]): void {
  const seen = new Map<string, string>();
  for (const [flag, p] of outputs) {
    if (!p) continue;
    const real = realLocation(isAbsolute(p) ? p : resolve(p));
    const other = seen.get(real);
    if (other) throw new OutputPathError(`${flag} ${p}: is the same file as ${other}; give each output its own file`);
    seen.set(real, `${flag} ${p}`);
  }
}
