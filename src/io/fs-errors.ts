// Ordinary filesystem failures (a file that is not there, a read-only disk, a directory where a file was
// expected, a dangling symbolic link...) are the user's situation, not a bug in pose-edge: they become one
// line that names the path and says what is wrong, and exit 1. Only real bugs end with a stack trace.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { PoseEdgeError } from '../errors.ts';

export class FileSystemError extends PoseEdgeError {
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** errno code -> what it means for the person who named the path. */
const MEANING: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory (a file was expected)',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links (a link loop?)',
  ENAMETOOLONG: 'file name too long',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EBUSY: 'busy (in use by another program)',
  EMFILE: 'too many open files',
  EXDEV: 'crosses file systems',
  EIO: 'input/output error (a failing disk or a removed device?)',
  EFBIG: 'file too large',
};

export function isFsErrno(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  const e = err as NodeJS.ErrnoException | null;
  return !!e && typeof e === 'object' && typeof e.code === 'string' && e.code in MEANING && typeof e.syscall === 'string';
}

/** A dangling link reads as ENOENT; say so, since the link itself is plainly there. */
function danglingTarget(path: string): string | null {
  try {
    if (!lstatSync(path).isSymbolicLink()) return null;
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/**
 * One line for an errno error on `path`: "<path>: <meaning>" plus what the path was for (`what`), e.g.
 * "models/x.onnx: permission denied (reading the ONNX model)".
 */
export function describeFsError(err: NodeJS.ErrnoException, path: string, what?: string): string {
  const code = err.code ?? '';
  let meaning = MEANING[code] ?? err.message;
  if (code === 'ENOENT') {
    const target = danglingTarget(path);
    if (target !== null) meaning = `is a symbolic link to ${target}, which does not exist`;
  }
  return `${path}: ${meaning}${what ? ` (${what})` : ''}`;
}

/** Wraps an errno error as a FileSystemError naming the path; anything else is returned unchanged. */
export function fsError(err: unknown, path: string, what?: string): unknown {
  if (!isFsErrno(err)) return err;
  return new FileSystemError(path, err.code, describeFsError(err, path, what));
}

/** readFileSync with the one-line error of describeFsError. */
export function readFileChecked(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw fsError(err, path, what);
  }
}
