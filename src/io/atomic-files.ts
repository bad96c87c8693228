// Writing outputs so that nothing half-written can ever look complete: every file is written under a
// temporary name in its destination directory (same file system, so the rename is atomic) and renamed into
// place only once complete. On any error the temporaries are removed and what was there before stays.
// New directories get normal permissions (the process umask), not mkdtemp's 0700.
import { chmodSync, existsSync, fsyncSync, closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsError } from './fs-errors.ts';

export type FileProducer = () => string | Uint8Array;
export type FileContent = string | Uint8Array | FileProducer;

/** The mode a directory made by mkdir would get: 0777 minus the umask. */
export function umaskDirMode(): number {
  return 0o777 & ~process.umask();
}

function writeAndSync(path: string, content: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
}

/** Writes one file atomically. `what` says what the file is, for the error message. */
export function writeFileAtomic(path: string, content: string | Uint8Array, what?: string): void {
  writeFilesAtomic([[path, content]], what);
}

/**
 * Writes several files all or nothing: each goes to a temporary name first, and they are renamed into place
 * only once every one of them was written (a full disk or a bad directory never leaves a partial set).
 */
export function writeFilesAtomic(files: readonly [path: string, content: FileContent][], what?: string): void {
  const temps: string[] = [];
  let current = '';
  try {
    for (const [path, content] of files) {
      current = path;
      const tmp = tempNameFor(path);
      temps.push(tmp);
      writeAndSync(tmp, typeof content === 'function' ? content() : content);
    }
    files.forEach(([path], i) => {
      current = path;
      renameSync(temps[i], path);
    });
    temps.length = 0;
  } catch (err) {
    throw fsError(err, current, what ? `writing ${what}` : 'writing');
  } finally {
    for (const t of temps) rmSync(t, { force: true });
  }
}

/**
 * Creates or replaces a whole directory that belongs to pose-edge (a build cache, a parity model directory):
 * `files` maps a relative name to its content or to a function producing it (called inside the write).
 * The directory is assembled beside the destination and swapped in, so readers see the old one or the new
 * one, never a mix. Never use it on a folder a user may have put files in: see generated-dir.ts.
 */
export function writeDirAtomic(outDir: string, files: ReadonlyMap<string, FileContent>): void {
  const dest = resolve(outDir);
  const parent = dirname(dest);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dest)}.tmp-`));
  chmodSync(tmp, umaskDirMode());
  try {
    for (const [name, content] of files) {
      const path = join(tmp, name);
      mkdirSync(dirname(path), { recursive: true });
      writeAndSync(path, typeof content === 'function' ? content() : content);
    }
    if (existsSync(dest)) {
      const old = `${tmp}.old`;
      renameSync(dest, old);
      try {
        renameSync(tmp, dest);
      } catch (err) {
        renameSync(old, dest);
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dest);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
