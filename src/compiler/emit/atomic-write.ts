// Writes a generated component directory atomically: everything is rendered into a temporary directory
// next to the destination (same file system, so rename is atomic), and only a complete directory is moved
// into place. On any error the temporary directory is removed and the previous component stays untouched,
// so nothing half-written can ever look like a finished component.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export type FileProducer = () => string | Uint8Array;

/** `files` maps a relative file name to its content or to a function producing it (called inside the write). */
export function writeDirAtomic(outDir: string, files: ReadonlyMap<string, string | Uint8Array | FileProducer>): void {
  const dest = resolve(outDir);
  const parent = dirname(dest);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dest)}.tmp-`));
  try {
    for (const [name, content] of files) {
      const path = join(tmp, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, typeof content === 'function' ? content() : content);
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
