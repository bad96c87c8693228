// The README's "Try the live path without a board" works exactly as written on a fresh clone: its shell block
// is taken from README.md and run with bash in a copy of the repository's tracked files (node_modules linked,
// as after `npm ci`; no build cache, so the virtual node is built from scratch), then checked: every command
// succeeds, the stream shows the CSI layout and 199 KEYPOINTS, and eval prints the figures the README quotes.
// The README's --bandwidth ht20 figure is checked the same way.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first ```sh block of a README section. */
function sectionBlock(title: string): string {
  const start = README.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "${title}"`);
  const end = README.indexOf('\n## ', start + 1);
  const m = /```sh\n([\s\S]*?)```/.exec(README.slice(start, end < 0 ? undefined : end));
  if (!m) throw new Error(`README.md section "${title}" has no sh block`);
  return m[1];
}

/** A fresh clone of the working tree: its tracked files as they are now, and files not yet added (not ignored ones); node_modules linked. */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pose-edge-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(REPO_ROOT, f))) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(REPO_ROOT, f), join(dir, f));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function bash(script: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

const block = sectionBlock('Try the live path without a board');
let clone: string;
beforeAll(() => {
  clone = freshClone();
});
afterAll(() => rmSync(clone, { recursive: true, force: true }));

describe('README: Try the live path without a board', () => {
  it('the block lists the commands this test runs', () => {
    expect(block.trim().split('\n')).toEqual([
      'mkdir -p try',
      'npx pose-edge synth --recording try/live.pecsrec --labels try/live_Y.npy',
      'npx pose-edge stream --virtual --replay-csi try/live.pecsrec --out try/live.pestrm',
      'npx pose-edge stream export try/live.pestrm --npy try/live_X.npy',
      'npx pose-edge eval --data try/live_X.npy --labels try/live_Y.npy',
    ]);
  });

  it('runs as written on a fresh clone, and prints what the README says', async () => {
    const r = await bash(block, clone);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('synth recording: 1000 slots of 3 transmitters (3000 packets, 10 s at 100 Hz), layout ht40-below');
    expect(r.out).toContain('CSI: ht40-below (ESP32/S2/S3/C3 HT40, secondary channel below)');
    expect(r.out).toMatch(/keypoints 199 .* node inferences 199/);
    expect(r.out).toContain('drops: 0 lost on the link, 0 dropped on the node');
    expect(r.out).toContain('try/live.pestrm: 1215 records, 1000 CSI packets, 0 UDP frames -> 199 windows in try/live_X.npy');
    const quoted = /Measured with these commands: torso-PCK@20 ([\d.]+)% \(mean pose ([\d.]+)%\)/.exec(README.replace(/\n\s*/g, ' '));
    expect(quoted, 'the README quotes the figures').not.toBeNull();
    expect(r.out).toMatch(new RegExp(`torso-PCK@20 +${quoted![1].replace('.', '\\.')} % +${quoted![2].replace('.', '\\.')} %`));
  }, 600_000);

  it('the --bandwidth ht20 figure the README quotes', async () => {
    const ht20 = block.replace('--recording try/live.pecsrec', '--recording try/live.pecsrec --bandwidth ht20').replace('mkdir -p try\n', 'mkdir -p try\nrm -f try/*\n');
    const r = await bash(ht20, clone);
    expect(r.code, r.out).toBe(0);
    const quoted = /--bandwidth ht20`[^%]*?114\) ([\d.]+)%/.exec(README.replace(/\n\s*/g, ' '));
    expect(quoted, 'the README quotes the ht20 figure').not.toBeNull();
    expect(r.out).toMatch(new RegExp(`torso-PCK@20 +${quoted![1].replace('.', '\\.')} %`));
  }, 600_000);
});
