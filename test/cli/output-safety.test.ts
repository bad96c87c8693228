// pose-edge writes only files it created. Every command that writes is driven with the paths the hostile-user
// audit used (an empty path, the working directory, its parent, /, the project root, its own input files),
// and a property test runs `compile --out` with random choices in a sandbox: no file outside the
// component's manifest may ever change, and a refused run changes nothing at all.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { buildProgram } from '../../src/cli/program.ts';
import { reportFatal } from '../../src/cli/errors.ts';
import { encodeNpy, readNpy } from '../../src/io/npy.ts';
import { DATA_DIR, REPO_ROOT } from '../../src/paths.ts';
import { MANIFEST_NAME } from '../../src/io/generated-dir.ts';
import { realLocation } from '../../src/io/output-paths.ts';

let sandbox: string;
let calib: string;
const startCwd = process.cwd();

beforeAll(() => {
  sandbox = realLocation(mkdtempSync(join(tmpdir(), 'pe-outsafe-')));
  // A 4-window calibration set keeps each compile well under a second.
  calib = join(sandbox, 'inputs', 'calib4.npy');
  mkdirSync(dirname(calib));
  const all = readNpy(join(DATA_DIR, 'calib_X.npy'));
  writeFileSync(calib, encodeNpy((all.data as Float32Array).slice(0, 4 * 3420), [4, 3, 114, 10]));
});
afterEach(() => {
  process.chdir(startCwd);
  vi.restoreAllMocks();
});
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

/** Runs a command in-process; returns stdout, and the error with what the CLI would print for it. */
async function run(args: string[]): Promise<{ out: string; err: Error | null; stderr: string; exit: number }> {
  let out = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  let err: Error | null = null;
  let exit = 0;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', ...args]);
  } catch (e) {
    err = e as Error;
    exit = reportFatal(e);
  } finally {
    vi.restoreAllMocks();
  }
  return { out, err, stderr, exit };
}

/** Every file below `dir` (not following links): relative path -> content hash and mode. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(relative(dir, p), `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mode.toString(8)}`);
      else out.set(relative(dir, p), 'link');
    }
  };
  walk(dir);
  return out;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
}

describe('compile --out', () => {
  it('refuses the paths that used to destroy a folder, and changes nothing', async () => {
    const work = join(sandbox, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'compile-report.json'), '{}');
    writeFileSync(join(work, 'thesis.tex'), 'two years of work');
    process.chdir(work);
    const before = snapshot(sandbox);
    const cases: [string, RegExp][] = [
      ['', /^--out '': an empty path \(an unset shell variable\?\)/],
      ['.', /^--out \. \(.*\/work\): is the working directory; refusing to write over it/],
      ['..', /: is a parent of the working directory; refusing to write over it/],
      ['/', /^--out \/: is the root directory/],
      [REPO_ROOT, /: is the pose-edge project root; refusing to write over it/],
      [join(sandbox, 'inputs'), /: holds an input of this command/],
    ];
    for (const [out, message] of cases) {
      const r = await run(['compile', '--calib', calib, '--out', out]);
      expect(r.err?.message, `--out '${out}'`).toMatch(message);
      expect(r.exit).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(changed(before, snapshot(sandbox))).toEqual([]);
  });

  it('leaves a file the user added to the component alone, and removes only the files it listed', async () => {
    const comp = join(sandbox, 'component');
    expect((await run(['compile', '--calib', calib, '--out', comp, '--streaming'])).err).toBeNull();
    expect(existsSync(join(comp, 'pose_stream.h'))).toBe(true);
    writeFileSync(join(comp, 'board_config.h'), '#define MY_BOARD 1\n');
    const r = await run(['compile', '--calib', calib, '--out', comp]);
    expect(r.err).toBeNull();
    // pose_stream.h was generated by the first run and is not by the second: it goes; the user's file stays.
    expect(existsSync(join(comp, 'pose_stream.h'))).toBe(false);
    expect(readFileSync(join(comp, 'board_config.h'), 'utf8')).toBe('#define MY_BOARD 1\n');
    expect(JSON.parse(readFileSync(join(comp, MANIFEST_NAME), 'utf8')).files).not.toHaveProperty('board_config.h');
    expect(statSync(comp).mode & 0o777).toBe(0o777 & ~process.umask());
  });

  it('warns about a generated file that was edited by hand, then replaces it', async () => {
    const comp = join(sandbox, 'edited');
    await run(['compile', '--calib', calib, '--out', comp]);
    writeFileSync(join(comp, 'pose_model.c'), '/* my tweak */\n');
    const r = await run(['compile', '--calib', calib, '--out', comp]);
    expect(r.err).toBeNull();
    expect(r.stderr).toContain(`pose-edge: warning: ${comp}/pose_model.c had been edited since it was generated; it is replaced by the new one`);
  });

  it('property: with random --out choices in a sandbox, no file outside the component manifest ever changes', async () => {
    let seed = 2026;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const root = join(sandbox, 'prop');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'notes.md'), 'mine');
    writeFileSync(join(root, 'a', 'b', 'main.c'), 'int main;');
    symlinkSync(join(root, 'a'), join(root, 'link-to-a'));
    const outs = ['', '.', '..', 'a', 'a/b', 'a/comp', 'comp', 'comp/sub', 'link-to-a', 'link-to-a/comp', 'a/notes.md', '/', REPO_ROOT, 'inputs-here'];
    const counts = { written: 0, refused: 0 };
    for (let round = 0; round < 24; round++) {
      const cwd = [root, join(root, 'a'), join(root, 'a', 'b')][rand(3)];
      process.chdir(cwd);
      const out = outs[rand(outs.length)];
      // Sometimes the user drops a file into a component folder between two compiles.
      if (rand(3) === 0 && existsSync(join(root, 'comp', MANIFEST_NAME))) writeFileSync(join(root, 'comp', `user-${round}.c`), 'mine');
      const target = out.trim() === '' ? null : realLocation(join(cwd, out));
      const manifestOf = (dir: string | null): string[] =>
        dir && existsSync(join(dir, MANIFEST_NAME)) ? Object.keys(JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8')).files) : [];
      const listedBefore = manifestOf(target);
      const before = snapshot(sandbox);
      const r = await run(['compile', '--calib', calib, '--out', out, ...(rand(2) ? ['--streaming'] : [])]);
      const diff = changed(before, snapshot(sandbox));
      if (r.err) {
        counts.refused++;
        expect(r.exit, `${out}: ${r.err.message}`).toBe(1);
        expect(diff, `refused --out '${out}' from ${cwd} still changed files`).toEqual([]);
        continue;
      }
      counts.written++;
      // What may change: the files the old or the new manifest lists, and the manifest itself.
      const listed = new Set([...listedBefore, ...manifestOf(target), MANIFEST_NAME].map((n) => join(relative(sandbox, target!), n)));
      for (const f of diff) expect(listed.has(f), `--out '${out}' from ${cwd} changed ${f}`).toBe(true);
    }
    expect(counts.written, JSON.stringify(counts)).toBeGreaterThan(5);
    expect(counts.refused, JSON.stringify(counts)).toBeGreaterThan(5);
  });
});

describe('other writers', () => {
  it('stream export refuses to write over its own recording, and an empty path', async () => {
    const rec = join(sandbox, 'session.pestrm');
    writeFileSync(rec, 'PESTRM01 not really, but it must survive');
    const before = readFileSync(rec);
    const r = await run(['stream', 'export', rec, '--npy', rec]);
    expect(r.err?.message).toBe(`--npy ${rec}: is also an input of this command (${rec}); refusing to overwrite it`);
    expect(readFileSync(rec).equals(before)).toBe(true);
    expect((await run(['stream', 'export', rec, '--npy', ''])).err?.message).toMatch(/^--npy '': an empty path/);
    expect((await run(['stream', 'export', rec, '--npy', join(sandbox, 'x.npy'), '--keypoints', join(sandbox, 'x.npy')])).err?.message).toMatch(
      /--keypoints .*x\.npy: is the same file as --npy/,
    );
  });

  it('stream --out and synth outputs are checked the same way', async () => {
    expect((await run(['stream', '--udp', '0', '--out', ''])).err?.message).toMatch(/^--out '': an empty path/);
    expect((await run(['stream', '--udp', '0', '--out', sandbox])).err?.message).toBe(`--out ${sandbox}: is a directory; name a file to write`);
    expect((await run(['synth', '--split', 'test', '--windows', '1', '--out-x', '', '--out-y', join(sandbox, 'y.npy')])).err?.message).toMatch(
      /^--out-x '': an empty path/,
    );
  });

  it('parity --report is checked before anything is compiled or replayed', async () => {
    const report = join(sandbox, 'no-such-dir', 'parity.html');
    const r = await run(['parity', '--virtual', '--report', report]);
    expect(r.err?.message).toBe(`--report ${report}: the directory ${join(sandbox, 'no-such-dir')} does not exist`);
    // The stage lines ("compiling ...", "building and starting the virtual node ...") never appeared.
    expect(r.stderr).not.toMatch(/compiling|building/);
    const data = join(DATA_DIR, 'test_X.npy');
    expect((await run(['parity', '--virtual', '--report', data])).err?.message).toBe(`--report ${data}: is also an input of this command (${data}); refusing to overwrite it`);
  });
});
