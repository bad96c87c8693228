// Ordinary filesystem errors are the user's situation, not pose-edge's bug: for each command that reads or
// writes files, each error class (not found, permission, read-only, is-a-directory, not-a-directory, no space,
// dangling link) must end in one line that names the path, exit 1 and no stack trace. Read-only and full file
// systems are real tmpfs mounts (root only, as in CI); permission errors run the real binary as `nobody`
// when the tests run as root (root reads and writes through any mode bits).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../src/cli/program.ts';
import { reportFatal } from '../../src/cli/errors.ts';
import { DATA_DIR, MODELS_DIR } from '../../src/paths.ts';

const BIN = fileURLToPath(new URL('../../bin/pose-edge.mjs', import.meta.url));
const MICRO = join(MODELS_DIR, 'micro', 'micro.onnx');
const W4 = join(MODELS_DIR, 'micro', 'pose_micro_int4.npz');
const TEST_X = join(DATA_DIR, 'test_X.npy');
const TEST_Y = join(DATA_DIR, 'test_Y.npy');
const isRoot = process.getuid?.() === 0;

let dir: string;
let ro: string | null = null;
let full: string | null = null;

function mount(target: string, options: string): boolean {
  mkdirSync(target, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', target]).status === 0;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pe-fserr-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'file'), 'a plain file');
  mkdirSync(join(dir, 'adir'));
  symlinkSync(join(dir, 'gone.npy'), join(dir, 'dangling.npy'));
  writeFileSync(join(dir, 'secret.npy'), 'unreadable');
  chmodSync(join(dir, 'secret.npy'), 0o000);
  mkdirSync(join(dir, 'locked'));
  chmodSync(join(dir, 'locked'), 0o555);
  if (isRoot) {
    if (mount(join(dir, 'ro'), 'ro,size=64k')) ro = join(dir, 'ro');
    // Room for the component's temporaries to start, not for the 250 KB of weights.
    if (mount(join(dir, 'full'), 'size=48k')) full = join(dir, 'full');
  }
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  for (const m of [ro, full]) if (m) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs in-process; returns the exit code and what the CLI prints on stderr. */
async function run(args: string[]): Promise<{ exit: number; stderr: string }> {
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  let exit = 0;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', ...args]);
  } catch (e) {
    exit = reportFatal(e);
  } finally {
    vi.restoreAllMocks();
  }
  return { exit, stderr };
}

function expectClean(r: { exit: number; stderr: string }, message: string | RegExp): void {
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.exit, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines[lines.length - 1]).toMatch(typeof message === 'string' ? new RegExp(`^pose-edge: ${escape(message)}$`) : message);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const p = (name: string) => join(dir, name);

describe('reading: each error class names the path', () => {
  const readers: [string, (f: string) => string[]][] = [
    ['eval --model', (f) => ['eval', '--model', f]],
    ['eval --data', (f) => ['eval', '--data', f, '--labels', TEST_Y]],
    ['compile --calib', (f) => ['compile', '--calib', f, '--out', p('never')]],
    ['compile --weights', (f) => ['compile', '--model', MICRO, '--weights', f, '--out', p('never')]],
    ['parity --data', (f) => ['parity', '--virtual', '--data', f]],
    ['stream export', (f) => ['stream', 'export', f, '--npy', p('out.npy')]],
    ['node --replay-csi', (f) => ['node', '--virtual', '--replay-csi', f]],
    ['flash --image', (f) => ['flash', '/dev/null', '--image', `${f}@0x10000`, '--json']],
  ];
  const classes: [string, () => string, (f: string) => string][] = [
    ['not found', () => p('missing.npy'), (f) => `${f}: no such file or directory`],
    ['is a directory', () => p('adir'), (f) => `${f}: is a directory (a file was expected)`],
    ['not a directory', () => p('file/x.npy'), (f) => `${f}: a part of the path is not a directory`],
    ['dangling link', () => p('dangling.npy'), (f) => `${f}: is a symbolic link to ${p('gone.npy')}, which does not exist`],
  ];
  for (const [cmd, argv] of readers) {
    for (const [what, file, message] of classes) {
      it(`${cmd}: ${what}`, async () => {
        const f = file();
        // A directory is refused before reading when the command takes only regular files (flash images).
        const want = cmd === 'flash --image' && what === 'is a directory' ? `${f}: not a regular file` : message(f);
        expectClean(await run(argv(f)), new RegExp(`^pose-edge: ${escape(want)}( \\(.*\\))?$`));
      });
    }
  }
});

describe('writing: each error class names the path', () => {
  const writers: [string, (f: string) => string[]][] = [
    ['compile --out', (f) => ['compile', '--out', f]],
    ['synth --out-x', (f) => ['synth', '--split', 'test', '--windows', '1', '--out-x', f, '--out-y', p('y.npy'), '--no-progress']],
    ['stream --out', (f) => ['stream', '--udp', '0', '--udp-host', '127.0.0.1', '--duration', '0', '--out', f]],
    ['stream export --npy', (f) => ['stream', 'export', p('missing.pestrm'), '--npy', f]],
    ['parity --report', (f) => ['parity', '--virtual', '--report', f]],
  ];
  for (const [cmd, argv] of writers) {
    const flag = cmd.split(' ').pop()!;
    const dirOut = cmd === 'compile --out';
    it(`${cmd}: not a directory, is a directory, dangling link`, async () => {
      expectClean(await run(argv(p('file/x'))), `${flag} ${p('file/x')}: ${dirOut ? `${p('file')} is not a directory` : `${p('file')} is not a directory`}`);
      if (!dirOut) {
        expectClean(await run(argv(p('adir'))), `${flag} ${p('adir')}: is a directory; name a file to write`);
        expectClean(await run(argv(p('dangling.npy'))), `${flag} ${p('dangling.npy')}: is a symbolic link to ${p('gone.npy')}, which does not exist; refusing to write through it`);
      } else {
        expectClean(await run(argv(p('file'))), `${flag} ${p('file')}: exists and is not a directory; refusing to replace it`);
        expectClean(await run(argv(p('dangling.npy'))), `${flag} ${p('dangling.npy')}: is a symbolic link to ${p('gone.npy')}, which does not exist`);
      }
    });
    it.runIf(isRoot)(`${cmd}: read-only file system`, async () => {
      expect(ro, 'tmpfs mount (root in CI)').not.toBeNull();
      const f = join(ro!, dirOut ? 'comp' : 'out.npy');
      expectClean(await run(argv(f)), new RegExp(`^pose-edge: ${escape(flag)} ${escape(f)}: ${escape(ro!)}: read-only file system \\(cannot write`));
    });
  }

  it.runIf(isRoot)('compile --out, synth, stream export: no space left on the device, and nothing half-written stays', async () => {
    expect(full, 'tmpfs mount (root in CI)').not.toBeNull();
    expectClean(await run(['compile', '--out', join(full!, 'comp')]), new RegExp(`^pose-edge: ${escape(join(full!, 'comp'))}.*: no space left on the device`));
    expectClean(
      await run(['synth', '--split', 'test', '--windows', '8', '--out-x', join(full!, 'x.npy'), '--out-y', join(full!, 'y.npy'), '--no-progress']),
      new RegExp(`^pose-edge: ${escape(full!)}/[xy]\\.npy: no space left on the device`),
    );
    expect(spawnSync('ls', ['-A', full!], { encoding: 'utf8' }).stdout).toBe('');
  });
});

describe('permission denied (the real binary, as an unprivileged user)', () => {
  // Root bypasses mode bits, so as root the binary runs as `nobody`; otherwise as the current user.
  const runAs = (args: string[]) =>
    isRoot
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: dir } })
      : spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

  it('reading an unreadable file, and writing into a read-only folder', () => {
    const r1 = runAs(['eval', '--data', p('secret.npy'), '--labels', TEST_Y]);
    expect(r1.stderr.trim()).toBe(`pose-edge: ${p('secret.npy')}: permission denied (--data, CSI windows)`);
    expect(r1.status).toBe(1);
    const r2 = runAs(['synth', '--split', 'test', '--windows', '1', '--out-x', p('locked/x.npy'), '--out-y', p('locked/y.npy'), '--no-progress']);
    expect(r2.stderr.trim()).toBe(`pose-edge: --out-x ${p('locked/x.npy')}: ${p('locked')}: permission denied (cannot write files in this directory)`);
    expect(r2.status).toBe(1);
    void TEST_X;
    void W4;
  });
});
