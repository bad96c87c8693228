// The flash chip's real size, read from its JEDEC ID through the SPI controller registers before anything is
// written: a plan that needs more flash is refused with nothing written (the simulator saw no FLASH_BEGIN); a flash
// that cannot be identified gives one warning and the plan's own size is trusted, as esptool does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHIPS, chipById } from '../../../src/host/flash/chips.ts';
import { interpretJedecId, readJedecId, sizeFromJedecId } from '../../../src/host/flash/flash-id.ts';
import { flashPort, type FlashEvent, type FlashOptions } from '../../../src/host/flash/flasher.ts';
import { DEFAULT_TIMING, RomLoader } from '../../../src/host/flash/loader.ts';
import { planFromImages } from '../../../src/host/flash/plan.ts';
import { startSimulatedDevice, type SimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { simChipFrom, type SimOptions } from '../../../src/host/flash/sim/rom-sim.ts';
import { SerialTransport } from '../../../src/host/transport/serial.ts';
import { buildAppImage, buildPartitionTable } from './fixtures.ts';

const MB = 1 << 20;
const C3 = simChipFrom(chipById('esp32c3')!);
const FAST: Partial<FlashOptions> = { timing: { ...DEFAULT_TIMING, commandTimeoutMs: 300, retries: 2 }, connectAttempts: 1 };
const dir = mkdtempSync(join(tmpdir(), 'pose-edge-flash-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function withDevice<T>(opts: Partial<SimOptions>, body: (dev: SimulatedDevice) => Promise<T>): Promise<T> {
  const dev = await startSimulatedDevice({ chip: C3, flashSize: 4 * MB, ...opts });
  try {
    return await body(dev);
  } finally {
    await dev.close();
  }
}

function nothingWritten(dev: SimulatedDevice): void {
  expect(dev.sim.stats.commands.FLASH_BEGIN).toBeUndefined();
  expect(dev.sim.stats.commands.FLASH_DEFL_BEGIN).toBeUndefined();
  expect(dev.sim.flash.every((b) => b === 0xff)).toBe(true);
}

describe('flash size detection (JEDEC ID through the SPI registers)', () => {
  it('reads the JEDEC ID of every supported chip at its own SPI controller address', async () => {
    for (const chip of CHIPS) {
      await withDevice({ chip: simChipFrom(chip), flashSize: 8 * MB }, async (dev) => {
        const t = await SerialTransport.open(dev.port, 115200);
        const loader = new RomLoader(t, FAST.timing);
        try {
          await loader.connect(1, async () => {});
          expect((await loader.detectChip()).id).toBe(chip.id);
          await loader.spiAttach();
          const id = await readJedecId(loader, chip.spi);
          expect(id).toBe(0x1740ef);
          expect(interpretJedecId(id)).toEqual({ ok: true, id: 0x1740ef, sizeBytes: 8 * MB });
        } finally {
          loader.detach();
          await t.close();
        }
      });
    }
  });

  it('capacity codes map as esptool maps them; anything else is unknown', () => {
    expect([0x14, 0x16, 0x18, 0x1b, 0x20, 0x36, 0x3a].map((c) => sizeFromJedecId((c << 16) | 0x40ef) ?? 0)).toEqual([
      MB,
      4 * MB,
      16 * MB,
      128 * MB,
      64 * MB,
      4 * MB,
      64 * MB,
    ]);
    expect(sizeFromJedecId(0x1140ef)).toBeUndefined();
    expect(interpretJedecId(0x1140ef)).toEqual({ ok: false, id: 0x1140ef, reason: 'JEDEC ID ef 40 11 has capacity code 0x11, which esptool does not know' });
  });

  it('a 16MB build on a 4MB chip is refused before any write, naming port, detected size and ID, the plan size and its source', async () => {
    const app = buildAppImage({ size: 64 * 1024, seed: 41, flashSizeCode: 4 });
    const appFile = file('app16.bin', app);
    const plan = planFromImages([`${appFile}@0x10000`]);
    await withDevice({}, async (dev) => {
      const s = await flashPort(dev.port, plan, FAST);
      expect(s.ok).toBe(false);
      expect(s.error).toBe(`${dev.port}: the flash chip has 4MB (JEDEC ID ef 40 16) but ${appFile} header says 16MB: refusing to write anything`);
      expect([s.flashId, s.flashSizeDetected, s.regions]).toEqual(['ef4016', 4 * MB, []]);
      nothingWritten(dev);
    });
  });

  it('a partition layout or a region past the detected flash is refused, though the plan had no size of its own', async () => {
    const pt = buildPartitionTable({ entries: [[0, 0, 0x10000, 0x2f0000, 'factory']] });
    const ptFile = file('pt3m.bin', pt);
    await withDevice({ flashSize: 2 * MB }, async (dev) => {
      const s = await flashPort(dev.port, planFromImages([`${ptFile}@0x8000`]), FAST);
      expect(s.error).toBe(
        `${dev.port}: the flash chip has 2MB (JEDEC ID ef 40 15) but the partition table ${ptFile} lays out partition "factory" (0x10000..0x300000); ` +
          'the plan assumes 4MB (default (4MB)): refusing to write anything',
      );
      nothingWritten(dev);
    });
    const small = file('pt-small.bin', buildPartitionTable({ entries: [[1, 2, 0x9000, 0x6000, 'nvs']] }));
    await withDevice({ flashSize: 1 * MB }, async (dev) => {
      const s = await flashPort(dev.port, planFromImages([`${small}@0x200000`]), FAST);
      expect(s.error).toBe(
        `${dev.port}: the flash chip has 1MB (JEDEC ID ef 40 14) but ${small} (3072 bytes at 0x200000) ends at 0x200c00; ` +
          'the plan assumes 4MB (default (4MB)): refusing to write anything',
      );
      nothingWritten(dev);
    });
  });

  it('a flash bigger than the plan is fine, and its size is in the summary', async () => {
    const app = buildAppImage({ size: 32 * 1024, seed: 42 });
    await withDevice({ flashSize: 16 * MB }, async (dev) => {
      const s = await flashPort(dev.port, planFromImages([`${file('app4.bin', app)}@0x10000`]), FAST);
      expect([s.ok, s.flashId, s.flashSizeDetected, s.warnings]).toEqual([true, 'ef4018', 16 * MB, []]);
      expect(dev.sim.stats.flashIdReads).toBe(1);
    });
  });

  for (const [what, opts, reason] of [
    ['RDID answers ff ff ff', { flashId: 0xffffff }, 'the flash answered RDID with ff ff ff (no flash chip answering, or it is on other pins)'],
    ['RDID answers 00 00 00', { flashId: 0 }, 'the flash answered RDID with 00 00 00 (no flash chip answering, or it is on other pins)'],
    ['the SPI controller never finishes', { faults: { spiStuck: true } }, 'the SPI flash controller did not finish the RDID command'],
  ] as [string, Partial<SimOptions>, string][]) {
    it(`detection impossible (${what}): one warning, the plan's size is trusted, the write verifies`, async () => {
      const app = buildAppImage({ size: 32 * 1024, seed: 43 });
      const appFile = file('app-nodetect.bin', app);
      await withDevice(opts, async (dev) => {
        const events: FlashEvent[] = [];
        const s = await flashPort(dev.port, planFromImages([`${appFile}@0x10000`]), FAST, (e) => events.push(e));
        const warning = `${dev.port}: could not detect the flash size (${reason}); trusting the plan's 4MB (${appFile} header)`;
        expect(s.ok).toBe(true);
        expect(s.warnings).toEqual([warning]);
        expect(events.filter((e) => e.event === 'warning')).toEqual([{ event: 'warning', port: dev.port, message: warning }]);
        expect(s.flashSizeDetected).toBeUndefined();
        expect(s.regions.map((r) => r.verified)).toEqual([true]);
      });
    });
  }
});
