// `pose-edge flash` through commander, as a user runs it: a build directory with flasher_args.json, JSON lines out,
// and a non-zero exit (a thrown PoseEdgeError, which main.ts turns into exit 1) when any port fails.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/commands/flash.ts';
import { reportFatal } from '../../../src/cli/errors.ts';
import { chipById } from '../../../src/host/flash/chips.ts';
import { startSimulatedDevice, type SimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { simChipFrom, type SimOptions } from '../../../src/host/flash/sim/rom-sim.ts';
import { buildAppImage, buildPartitionTable } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'pose-edge-flash-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const boot = buildAppImage({ size: 16 * 1024, seed: 21 });
const pt = buildPartitionTable();
const app = buildAppImage({ size: 128 * 1024, seed: 22 });

function buildDir(edit: (json: Record<string, unknown>) => void = () => {}, name = 'build'): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'bootloader'), { recursive: true });
  mkdirSync(join(dir, 'partition_table'), { recursive: true });
  writeFileSync(join(dir, 'bootloader/bootloader.bin'), boot);
  writeFileSync(join(dir, 'partition_table/partition-table.bin'), pt);
  writeFileSync(join(dir, 'pose_node.bin'), app);
  const json = {
    flash_settings: { flash_mode: 'dio', flash_size: '4MB', flash_freq: '80m' },
    flash_files: { '0x0': 'bootloader/bootloader.bin', '0x8000': 'partition_table/partition-table.bin', '0x20000': 'pose_node.bin' },
    bootloader: { offset: '0x0', file: 'bootloader/bootloader.bin' },
    app: { offset: '0x20000', file: 'pose_node.bin' },
    'partition-table': { offset: '0x8000', file: 'partition_table/partition-table.bin' },
    extra_esptool_args: { chip: 'esp32c3' },
  };
  edit(json);
  writeFileSync(join(dir, 'flasher_args.json'), JSON.stringify(json));
  return dir;
}

/** Runs `pose-edge flash ...` in-process; returns the JSON lines printed and the error main.ts would report. */
async function cli(args: string[]): Promise<{ lines: Record<string, unknown>[]; error?: string; exit: number }> {
  const program = new Command().exitOverride();
  register(program);
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  let error: string | undefined;
  let exit = 0;
  const errs: string[] = [];
  try {
    await program.parseAsync(['node', 'pose-edge', 'flash', ...args]);
  } catch (e) {
    error = (e as Error).message;
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errs.push(String(chunk));
      return true;
    });
    exit = reportFatal(e);
  }
  vi.restoreAllMocks();
  const lines = out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, error: error && errs.join('').trim(), exit };
}

async function withDevices<T>(n: number, body: (devs: SimulatedDevice[]) => Promise<T>, sim: Partial<SimOptions> = {}): Promise<T> {
  const devs = await Promise.all(
    Array.from({ length: n }, () => startSimulatedDevice({ chip: simChipFrom(chipById('esp32c3')!), flashSize: 4 << 20, ...sim })),
  );
  try {
    return await body(devs);
  } finally {
    await Promise.all(devs.map((d) => d.close()));
  }
}

describe('pose-edge flash (CLI)', () => {
  it('--build DIR flashes the three files at the offsets of flasher_args.json, JSON lines with a summary per port', async () => {
    await withDevices(2, async (devs) => {
      const r = await cli([devs[0].port, devs[1].port, '--build', buildDir(), '--json']);
      expect(r.error).toBeUndefined();
      const summaries = r.lines.filter((l) => l.event === 'summary');
      expect(summaries.map((s) => [s.port, s.ok, s.chip])).toEqual(devs.map((d) => [d.port, true, 'ESP32-C3']));
      expect((summaries[0].regions as { offset: string; verified: boolean }[]).map((x) => [x.offset, x.verified])).toEqual([
        ['0x0', true],
        ['0x8000', true],
        ['0x20000', true],
      ]);
      expect(r.lines.filter((l) => l.event === 'connected')).toHaveLength(2);
      expect(r.lines.filter((l) => l.event === 'verified')).toHaveLength(6);
      for (const d of devs) {
        expect(Buffer.compare(d.sim.flash.subarray(0, boot.length), boot)).toBe(0);
        expect(Buffer.compare(d.sim.flash.subarray(0x8000, 0x8000 + pt.length), pt)).toBe(0);
        expect(Buffer.compare(d.sim.flash.subarray(0x20000, 0x20000 + app.length), app)).toBe(0);
      }
    });
  });

  it('exits non-zero naming the failed port while the other port still succeeds', async () => {
    await withDevices(1, async ([dev]) => {
      const appFile = join(root, 'only-app.bin');
      writeFileSync(appFile, app);
      const r = await cli([dev.port, '/dev/pose-edge-missing', '--image', `${appFile}@0x10000`, '--json', '--no-compress']);
      expect(r.exit).toBe(1);
      expect(r.error).toBe('pose-edge: flash failed on 1 of 2 ports: /dev/pose-edge-missing: no such port (is the board plugged in? list ports with `ls /dev/tty*`)');
      const summaries = r.lines.filter((l) => l.event === 'summary');
      expect(summaries.map((s) => [s.port, s.ok])).toEqual([
        [dev.port, true],
        ['/dev/pose-edge-missing', false],
      ]);
      expect(summaries[1].regions).toEqual([]);
      expect(dev.sim.stats.commands.FLASH_DATA).toBeGreaterThan(0);
    });
  });

  it('a hostile flasher_args.json (../../../../etc/hostname) is refused: exit 1, a failed summary for every port, no byte sent', async () => {
    await withDevices(1, async ([dev]) => {
      const dir = buildDir((j) => {
        (j.flash_files as Record<string, string>)['0x20000'] = '../../../../etc/hostname';
        delete j.app;
      }, 'hostile');
      const r = await cli([dev.port, '--build', dir, '--json']);
      const message = `${join(dir, 'flasher_args.json')}: flash_files entry "0x20000" ("../../../../etc/hostname") points outside the build directory ${dir}: refusing to flash it`;
      expect([r.exit, r.error]).toEqual([1, `pose-edge: ${message}`]);
      expect(r.lines).toEqual([
        { event: 'summary', port: dev.port, ok: false, compressed: true, regions: [], bytes: 0, seconds: 0, kbPerSecond: 0, retries: 0, warnings: [], error: message },
      ]);
      expect(dev.sim.stats.commands).toEqual({});
    });
  });

  it('a 16MB build on a 4MB chip is refused before any write; the summary carries the detected size', async () => {
    await withDevices(1, async ([dev]) => {
      const dir = buildDir((j) => ((j.flash_settings as Record<string, string>).flash_size = '16MB'), 'build16');
      const r = await cli([dev.port, '--build', dir, '--json']);
      const message = `${dev.port}: the flash chip has 4MB (JEDEC ID ef 40 16) but ${join(dir, 'flasher_args.json')} flash_settings.flash_size says 16MB: refusing to write anything`;
      expect([r.exit, r.error]).toEqual([1, `pose-edge: ${message}`]);
      const summary = r.lines.find((l) => l.event === 'summary')!;
      expect([summary.ok, summary.error, summary.flashId, summary.flashSizeDetected, summary.regions]).toEqual([false, message, 'ef4016', 4 << 20, []]);
      expect(dev.sim.stats.commands.FLASH_DEFL_BEGIN).toBeUndefined();
      expect(dev.sim.stats.commands.FLASH_BEGIN).toBeUndefined();
    });
  });

  it('a flash whose size cannot be detected: a warning line and summary field, the plan size is used, exit 0', async () => {
    await withDevices(
      1,
      async ([dev]) => {
        const r = await cli([dev.port, '--build', buildDir(), '--json']);
        expect(r.exit).toBe(0);
        const warning = `${dev.port}: could not detect the flash size (the flash answered RDID with ff ff ff (no flash chip answering, or it is on other pins)); trusting the plan's 4MB (${join(root, 'build', 'flasher_args.json')} flash_settings.flash_size)`;
        expect(r.lines.filter((l) => l.event === 'warning')).toEqual([{ event: 'warning', port: dev.port, message: warning }]);
        const summary = r.lines.find((l) => l.event === 'summary')!;
        expect([summary.ok, summary.warnings, summary.flashId, summary.flashSizeDetected]).toEqual([true, [warning], 'ffffff', undefined]);
      },
      { flashId: 0xffffff },
    );
  });

  it('refuses bad arguments before touching any port', async () => {
    expect((await cli(['/dev/x', '--build', join(root, 'nowhere')])).error).toBe(
      `pose-edge: ${join(root, 'nowhere', 'flasher_args.json')}: not found (build the firmware with \`idf.py build\`, or pass --image FILE@OFFSET)`,
    );
    expect((await cli(['/dev/x', '--image', 'a.bin'])).error).toBe('pose-edge: --image a.bin: expected FILE@OFFSET, e.g. app.bin@0x10000');
    expect((await cli(['/dev/x', '/dev/x', '--image', 'a.bin@0'])).error).toBe('pose-edge: a port is listed twice: /dev/x /dev/x');
    expect((await cli(['/dev/x', '--baud', 'fast', '--image', 'a.bin@0'])).error).toBe('pose-edge: --baud fast: expected an integer 1..16000000');
  });
});
