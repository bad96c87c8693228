// The real CLI (`node bin/pose-edge.mjs flash ... --json`) as a child process, against the ROM simulator running in
// another process (src/host/flash/sim/main.ts) whose pty is torn down in the middle of a transfer, the way a board
// is unplugged or hangs. The simulator stops answering at a known block (--stop-after-blocks), so the test acts
// while the CLI waits for that block's reply: the block and offset in the message are exact.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chipById } from '../../../src/host/flash/chips.ts';
import { startSimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { simChipFrom } from '../../../src/host/flash/sim/rom-sim.ts';
import { buildAppImage } from './fixtures.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pose-edge-cli-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const boot = buildAppImage({ size: 16 * 1024, seed: 61 });
const app = buildAppImage({ size: 64 * 1024, seed: 62 });
const bootFile = join(dir, 'boot.bin');
const appFile = join(dir, 'app.bin');
writeFileSync(bootFile, boot);
writeFileSync(appFile, app);
const IMAGES = ['--image', `${bootFile}@0x0`, '--image', `${appFile}@0x10000`];
/** 1 KB data blocks a region takes: plain, or deflated as the flasher does it. */
const blocks = (data: Uint8Array, compress: boolean): number => Math.ceil((compress ? zlibSync(data, { level: 9 }) : data).length / 1024);

interface SimProcess {
  child: ChildProcess;
  port: string;
  /** Resolves when the process has exited (created at spawn, so an early exit is not missed). */
  exited: Promise<unknown>;
  /** Resolves with the first stdout line matching `re` (now or later). */
  line(re: RegExp): Promise<string>;
}

const groups: number[] = [];
afterEach(() => {
  // The simulator runs in its own process group with its socat: whatever a test left alive ends here.
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function startSimProcess(args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/host/flash/sim/main.ts', ...args], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groups.push(child.pid!);
  const exited = once(child, 'exit');
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buf += text;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(l);
      for (const w of waiters.filter((x) => x.re.test(l))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  const line = (re: RegExp): Promise<string> =>
    new Promise((resolve) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) resolve(seen);
      else waiters.push({ re, resolve });
    });
  const port = /simulated on (\S+)/.exec(await line(/simulated on /))![1];
  return { child, port, exited, line };
}

interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }>;
}

function runCli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['bin/pose-edge.mjs', 'flash', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = once(child, 'close').then(([code]) => ({
    code: code as number | null,
    lines: stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr,
  }));
  return { child, done };
}

type Outcome = Awaited<CliRun['done']>;

/** One summary line, an error that stderr repeats as its only line (no stack), and only verified regions reported. */
function failedSummary(r: Outcome, port: string, verified: string[]): string {
  const summaries = r.lines.filter((l) => l.event === 'summary');
  expect(summaries).toHaveLength(1);
  const s = summaries[0] as { port: string; ok: boolean; error: string; regions: { name: string; verified: boolean }[] };
  expect([s.port, s.ok]).toEqual([port, false]);
  expect(s.regions.map((x) => [x.name, x.verified])).toEqual(verified.map((n) => [n, true]));
  expect(r.lines.filter((l) => l.event === 'verified').map((l) => l.region)).toEqual(verified);
  expect(r.stderr).toBe(`pose-edge: ${s.error}\n`);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return s.error;
}

function okSummary(r: Outcome): void {
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  const s = r.lines.filter((l) => l.event === 'summary');
  expect(s).toHaveLength(1);
  expect([s[0].ok, (s[0].regions as { verified: boolean }[]).map((x) => x.verified)]).toEqual([true, [true, true]]);
}

describe('pose-edge flash (child process) against a simulator process that goes away', () => {
  it('compressed: simulator and its socat killed mid-transfer -> port closed, block and offset named; a re-flash verifies', async () => {
    const bootBlocks = blocks(boot, true);
    const appBlocks = blocks(app, true);
    const sim = await startSimProcess(['--stop-after-blocks', String(bootBlocks + 10)]);
    const cli = runCli([sim.port, ...IMAGES, '--json', '--timeout', '5000']);
    await sim.line(/^stopped answering after/);
    process.kill(-sim.child.pid!, 'SIGKILL');
    const r = await cli.done;
    expect(r.code).toBe(1);
    const error = failedSummary(r, sim.port, ['boot.bin']);
    const shape = new RegExp(
      `^${sim.port}: the port closed \\(device unplugged or reset\\?\\) while writing app\\.bin: block 11/${appBlocks} \\(flash offset (0x[0-9a-f]+)\\): .+; app\\.bin is NOT written$`,
    );
    expect(error).toMatch(shape);
    const offset = parseInt(shape.exec(error)![1], 16);
    expect(offset).toBeGreaterThan(0x10000 + 10 * 1024);
    expect(offset).toBeLessThan(0x10000 + app.length);

    const fresh = await startSimulatedDevice({ chip: simChipFrom(chipById('esp32c3')!), flashSize: 4 << 20 });
    try {
      okSummary(await runCli([fresh.port, ...IMAGES, '--json']).done);
      expect(Buffer.compare(fresh.sim.flash.subarray(0x10000, 0x10000 + app.length), app)).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('plain: simulator stopped (SIGTERM: it saves its flash, closes its socat) -> port closed; re-flash over that flash verifies', async () => {
    const dump = join(dir, 'flash-after-kill.bin');
    const sim = await startSimProcess(['--stop-after-blocks', String(16 + 10), '--dump', dump]);
    const cli = runCli([sim.port, ...IMAGES, '--json', '--no-compress', '--timeout', '5000']);
    await sim.line(/^stopped answering after 26 data blocks/);
    process.kill(sim.child.pid!, 'SIGTERM');
    const r = await cli.done;
    expect(r.code).toBe(1);
    expect(failedSummary(r, sim.port, ['boot.bin'])).toMatch(
      new RegExp(`^${sim.port}: the port closed \\(device unplugged or reset\\?\\) while writing app\\.bin: block 11/64 \\(flash offset 0x12800\\): .+; app\\.bin is NOT written$`),
    );
    await sim.exited;
    const partial = readFileSync(dump);
    expect(Buffer.compare(partial.subarray(0, boot.length), boot)).toBe(0);
    expect(Buffer.compare(partial.subarray(0x10000, 0x10000 + app.length), app)).not.toBe(0);

    const dump2 = join(dir, 'flash-after-reflash.bin');
    const again = await startSimProcess(['--load', dump, '--dump', dump2]);
    okSummary(await runCli([again.port, ...IMAGES, '--json', '--no-compress']).done);
    process.kill(again.child.pid!, 'SIGTERM');
    await again.exited;
    expect(existsSync(dump2)).toBe(true);
    const flash = readFileSync(dump2);
    expect(Buffer.compare(flash.subarray(0, boot.length), boot)).toBe(0);
    expect(Buffer.compare(flash.subarray(0x10000, 0x10000 + app.length), app)).toBe(0);
  });

  it('only the simulator killed (its socat lives, the port stays open): the device stopped answering', async () => {
    const sim = await startSimProcess(['--stop-after-blocks', String(16 + 10)]);
    const cli = runCli([sim.port, ...IMAGES, '--json', '--no-compress', '--timeout', '300']);
    await sim.line(/^stopped answering after/);
    process.kill(sim.child.pid!, 'SIGKILL');
    const r = await cli.done;
    expect(r.code).toBe(1);
    expect(failedSummary(r, sim.port, ['boot.bin'])).toBe(
      `${sim.port}: device stopped answering while writing app.bin: block 11/64 (flash offset 0x12800) got no reply to FLASH_DATA within 300 ms after 4 tries; app.bin is NOT written`,
    );
  });

  it('the simulator refuses a flash size esptool would not accept', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/host/flash/sim/main.ts', '--flash-size', '4 MB'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const [code] = await once(child, 'close');
    expect([code, stderr]).toEqual([2, 'rom-sim: --flash-size: flash size "4 MB" is not one esptool accepts (1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB)\n']);
  });

  it('Ctrl-C (SIGINT) during the transfer: exit 130, the summary says where it stopped and what was verified', async () => {
    const sim = await startSimProcess(['--stop-after-blocks', String(16 + 10)]);
    const cli = runCli([sim.port, ...IMAGES, '--json', '--no-compress', '--timeout', '5000']);
    await sim.line(/^stopped answering after/);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    expect(failedSummary(r, sim.port, ['boot.bin'])).toBe(
      `${sim.port}: interrupted by SIGINT while writing app.bin: block 11/64 (flash offset 0x12800); app.bin is NOT written`,
    );
  });
});
