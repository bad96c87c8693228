// Our flasher against the simulated ROM loader on pseudo-terminals: sizes from 64 KB to 4 MB, deflate and plain,
// one and four ports, and every fault the issue lists, each with its message; a re-run after a fault verifies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chipById } from '../../../src/host/flash/chips.ts';
import { flashPort, flashPorts, type FlashOptions } from '../../../src/host/flash/flasher.ts';
import { DEFAULT_TIMING } from '../../../src/host/flash/loader.ts';
import { planFromImages, type FlashPlan } from '../../../src/host/flash/plan.ts';
import { startSimulatedDevice, type SimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { simChipFrom, type SimChip, type SimFaults } from '../../../src/host/flash/sim/rom-sim.ts';
import { createPtyPair } from '../../../src/host/transport/pty-pair.ts';
import { SerialTransport } from '../../../src/host/transport/serial.ts';
import { buildAppImage, buildPartitionTable } from './fixtures.ts';

const MB = 1024 * 1024;
const C3 = simChipFrom(chipById('esp32c3')!);
// Short timeouts so the fault tests take well under a second each; the protocol is the same.
const FAST: Partial<FlashOptions> = { timing: { ...DEFAULT_TIMING, commandTimeoutMs: 300, retries: 2 }, connectAttempts: 2 };

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-flash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function withDevice<T>(
  opts: { chip?: SimChip; flashSize?: number; faults?: SimFaults },
  body: (dev: SimulatedDevice) => Promise<T>,
): Promise<T> {
  const dev = await startSimulatedDevice({ chip: opts.chip ?? C3, flashSize: opts.flashSize ?? 4 * MB, faults: opts.faults });
  try {
    return await body(dev);
  } finally {
    await dev.close();
  }
}

function flashHas(dev: SimulatedDevice, offset: number, data: Uint8Array): boolean {
  return Buffer.compare(dev.sim.flash.subarray(offset, offset + data.length), data) === 0;
}

/** bootloader at 0x0, partition table at 0x8000, app at 0x10000: the ESP32-C3 layout of an ESP-IDF build. */
function threeRegionPlan(appSize: number, seed: number): { plan: FlashPlan; boot: Uint8Array; pt: Uint8Array; app: Uint8Array } {
  const boot = buildAppImage({ size: 20 * 1024, seed: seed + 1000 });
  const pt = buildPartitionTable();
  const app = buildAppImage({ size: appSize, seed });
  const plan = planFromImages([
    `${file(`boot${seed}.bin`, boot)}@0x0`,
    `${file(`pt${seed}.bin`, pt)}@0x8000`,
    `${file(`app${seed}.bin`, app)}@0x10000`,
  ]);
  return { plan, boot, pt, app };
}

describe('flashing the simulated ROM loader', () => {
  for (const compress of [true, false]) {
    it(`writes bootloader + partition table + 64 KB app ${compress ? 'compressed' : 'plain'}; flash equals input byte for byte`, async () => {
      const { plan, boot, pt, app } = threeRegionPlan(64 * 1024, compress ? 1 : 2);
      await withDevice({}, async (dev) => {
        const s = await flashPort(dev.port, plan, { compress });
        expect(s.error).toBeUndefined();
        expect(s.ok).toBe(true);
        expect(s.chip).toBe('ESP32-C3');
        expect(s.regions.map((r) => [r.offset, r.verified])).toEqual([
          [0x0, true],
          [0x8000, true],
          [0x10000, true],
        ]);
        expect(flashHas(dev, 0x0, boot) && flashHas(dev, 0x8000, pt) && flashHas(dev, 0x10000, app)).toBe(true);
        // Untouched flash stays erased.
        expect(dev.sim.flash.subarray(0x10000 + app.length + 4096).every((b) => b === 0xff)).toBe(true);
        const ops = dev.sim.stats.commands;
        expect(ops[compress ? 'FLASH_DEFL_DATA' : 'FLASH_DATA']).toBeGreaterThan(0);
        expect(ops[compress ? 'FLASH_DATA' : 'FLASH_DEFL_DATA']).toBeUndefined();
        expect(ops.SPI_FLASH_MD5).toBe(3);
        expect(ops.SPI_ATTACH).toBe(1);
        expect(ops.CHANGE_BAUDRATE).toBe(1);
        expect(dev.sim.stats.baud).toBe(460800);
        expect(dev.sim.stats.beginWords).toBe(5);
        if (compress) expect(s.regions[2].sentBytes).toBeLessThan(app.length);
        // A pty has no reset lines, so the ROM is asked to run the application (esptool's ROM soft reset).
        expect(s.started).toBe('run-user-code');
        expect(dev.sim.leftLoader).toBe('run-user-code');
      });
    });
  }

  it('writes a 1 MB app plain at 115200 (no CHANGE_BAUDRATE) on an ESP32 (4-word FLASH_BEGIN)', async () => {
    const app = buildAppImage({ size: MB, seed: 5, chipId: 0 });
    const plan = planFromImages([`${file('esp32.bin', app)}@0x10000`]);
    await withDevice({ chip: simChipFrom(chipById('esp32')!) }, async (dev) => {
      const s = await flashPort(dev.port, plan, { compress: false, baud: 115200 });
      expect(s.ok).toBe(true);
      expect(s.chip).toBe('ESP32');
      expect(flashHas(dev, 0x10000, app)).toBe(true);
      expect(dev.sim.stats.commands.CHANGE_BAUDRATE).toBeUndefined();
      expect(dev.sim.stats.beginWords).toBe(4);
    });
  });

  // The ESP32-C2's ROM sets baud rates for a 40 MHz crystal; on a 26 MHz part (its UART divider at 115200 says
  // so) the flasher asks for baud * 40 / 26, so the UART really runs at --baud; a 40 MHz part gets --baud as is.
  for (const xtalMhz of [26, 40] as const) {
    it(`ESP32-C2 with a ${xtalMhz} MHz crystal: CHANGE_BAUDRATE asks ${xtalMhz === 26 ? 'baud * 40 / 26' : 'the baud rate itself'} and the UART runs at --baud`, async () => {
      const app = buildAppImage({ size: 64 * 1024, seed: 9, chipId: 12 });
      const plan = planFromImages([`${file('c2.bin', app)}@0x10000`]);
      await withDevice({ chip: { ...simChipFrom(chipById('esp32c2')!), xtalMhz } }, async (dev) => {
        const s = await flashPort(dev.port, plan, { baud: 460800 });
        expect(s.ok).toBe(true);
        expect(s.chip).toBe('ESP32-C2');
        expect(flashHas(dev, 0x10000, app)).toBe(true);
        expect(dev.sim.stats.requestedBaud).toBe(xtalMhz === 26 ? 708923 : 460800);
        expect(Math.abs(dev.sim.stats.baud - 460800)).toBeLessThanOrEqual(1); // 708923 * 26 / 40 = 460799.95
      });
    });
  }

  it('writes a 4 MB app compressed into an 8 MB flash', async () => {
    const app = buildAppImage({ size: 4 * MB, seed: 6, flashSizeCode: 3 });
    const plan = planFromImages([`${file('big.bin', app)}@0x10000`]);
    expect(plan.flashSizeBytes).toBe(8 * MB);
    await withDevice({ flashSize: 8 * MB }, async (dev) => {
      const s = await flashPort(dev.port, plan, { compress: true });
      expect(s.error).toBeUndefined();
      expect(s.bytes).toBe(app.length);
      expect(flashHas(dev, 0x10000, app)).toBe(true);
    });
  });

  it('flashes four ports at once, each flash equal to the input', async () => {
    const { plan, boot, pt, app } = threeRegionPlan(256 * 1024, 7);
    const devs = await Promise.all([0, 1, 2, 3].map(() => startSimulatedDevice({ chip: C3, flashSize: 4 * MB })));
    try {
      const summaries = await flashPorts(
        devs.map((d) => d.port),
        plan,
        { compress: true },
      );
      expect(summaries.map((s) => [s.port, s.ok])).toEqual(devs.map((d) => [d.port, true]));
      for (const d of devs) expect(flashHas(d, 0x0, boot) && flashHas(d, 0x8000, pt) && flashHas(d, 0x10000, app)).toBe(true);
    } finally {
      await Promise.all(devs.map((d) => d.close()));
    }
  });
});

describe('faults on the line and in the device', () => {
  const app = buildAppImage({ size: 64 * 1024, seed: 9 });
  const appPlan = (): FlashPlan => planFromImages([`${file('fault.bin', app)}@0x10000`]);

  it('a corrupted byte and a dropped byte on the line are recovered by resending the block', async () => {
    // Host-to-device offsets well inside the data phase (after ~200 bytes of SYNC/READ_REG/SPI setup).
    for (const faults of [{ corruptRxBytes: [5000] }, { dropRxBytes: [9000] }] as SimFaults[]) {
      await withDevice({ faults }, async (dev) => {
        const s = await flashPort(dev.port, appPlan(), { ...FAST, compress: false });
        expect(s.error).toBeUndefined();
        expect(s.retries).toBeGreaterThanOrEqual(1);
        expect(dev.sim.stats.checksumErrors + dev.sim.stats.malformedFrames).toBeGreaterThanOrEqual(1);
        expect(flashHas(dev, 0x10000, app)).toBe(true);
      });
    }
  });

  it('a corrupted reply is recovered: the resent block is acknowledged again, not applied twice', async () => {
    // Reply frames: 8 SYNC, READ_REG, SPI_ATTACH, 11 for the flash ID (READ_REG x2, WRITE_REG x5, READ_REG x2,
    // WRITE_REG x2), SPI_SET_PARAMS, CHANGE_BAUDRATE, DEFL_BEGIN, then data acks: 27 is the 4th data ack.
    await withDevice({ faults: { corruptReplies: [27] } }, async (dev) => {
      const s = await flashPort(dev.port, appPlan(), { ...FAST, compress: true });
      expect(s.error).toBeUndefined();
      expect(dev.sim.stats.duplicateBlocks).toBe(1);
      expect(flashHas(dev, 0x10000, app)).toBe(true);
    });
  });

  it('a persistently bad line fails with the block, offset and a cable hint; a re-run on a clean line verifies', async () => {
    // Every data frame from the 6th on arrives damaged, resends included.
    await withDevice({ faults: { corruptDataFramesFrom: 5 } }, async (dev) => {
      const bad = await flashPort(dev.port, appPlan(), { ...FAST, compress: false });
      expect(bad.ok).toBe(false);
      expect(bad.error).toMatch(
        new RegExp(
          `^${dev.port}: writing fault\\.bin failed at block 6/64 \\(flash offset 0x11400\\): FLASH_DATA failed \\(after 3 tries\\): ` +
            'ROM status 1, bad data checksum \\(0x07\\) \\(bytes damaged on the line: check the cable, or lower --baud\\); fault\\.bin is NOT written$',
        ),
      );
      expect(bad.regions).toEqual([]);
      dev.sim.setFaults({});
      dev.sim.resetDevice();
      const good = await flashPort(dev.port, appPlan(), { ...FAST, compress: false });
      expect(good.ok).toBe(true);
      expect(flashHas(dev, 0x10000, app)).toBe(true);
    });
  });

  it('under random line noise a run either verifies with the exact bytes or fails clearly: never a false "written"', async () => {
    // Flipping every Nth byte: some blocks get one flip (bad checksum, resent), some two that cancel in the XOR
    // checksum and are written wrong; only the MD5 check can catch those, and it must.
    const outcomes: string[] = [];
    for (const every of [550, 650, 1500, 4000]) {
      await withDevice({ faults: { corruptRxEvery: every } }, async (dev) => {
        const s = await flashPort(dev.port, appPlan(), { ...FAST, compress: false, connectAttempts: 1 });
        outcomes.push(s.ok ? 'ok' : s.error!.slice(dev.port.length + 2, dev.port.length + 14));
        if (s.ok) expect(flashHas(dev, 0x10000, app)).toBe(true);
        else expect(s.error).toMatch(new RegExp(`^${dev.port}: (MD5 mismatch|writing fault\\.bin failed|no sync|device stopped|READ_REG|SPI_|CHANGE_BAUDRATE)`));
        for (const r of s.regions) expect(flashHas(dev, r.offset, app)).toBe(true);
      });
    }
    // The noise rates are chosen so both sides are exercised: a cancelled-checksum block caught by MD5, and a
    // run that recovers by resending.
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('MD5 mismatch');
  });

  it('a device that stops answering mid-write: timeout with block and offset, earlier regions kept, re-run verifies', async () => {
    const { plan, boot, app: app3 } = threeRegionPlan(64 * 1024, 10);
    // Blocks: bootloader 20, partition table 3, then the app's blocks; stop after the app's 10th.
    await withDevice({ faults: { stopAfterBlocks: 20 + 3 + 10 } }, async (dev) => {
      const bad = await flashPort(dev.port, plan, { ...FAST, compress: false });
      expect(bad.ok).toBe(false);
      expect(bad.error).toBe(
        `${dev.port}: device stopped answering while writing app10.bin: block 11/64 (flash offset 0x12800) ` +
          'got no reply to FLASH_DATA within 300 ms after 3 tries; app10.bin is NOT written',
      );
      // Only what was verified is reported; the interrupted app is not.
      expect(bad.regions.map((r) => r.name)).toEqual(['boot10.bin', 'pt10.bin']);
      expect(bad.bytes).toBe(boot.length + 3072);
      dev.sim.setFaults({});
      dev.sim.resetDevice(); // the user presses RESET with BOOT held
      const good = await flashPort(dev.port, plan, { ...FAST, compress: true });
      expect(good.ok).toBe(true);
      expect(flashHas(dev, 0x10000, app3)).toBe(true);
    });
  });

  it('a compressed write that stops reports the flash offset its acknowledged blocks inflate to', async () => {
    await withDevice({ faults: { stopAfterBlocks: 5 } }, async (dev) => {
      const bad = await flashPort(dev.port, appPlan(), { ...FAST, compress: true });
      expect(bad.error).toMatch(/device stopped answering while writing fault\.bin: block 6\/\d+ \(flash offset 0x1[0-9a-f]{4}\) got no reply to FLASH_DEFL_DATA/);
      const offset = parseInt(/flash offset (0x[0-9a-f]+)/.exec(bad.error!)![1], 16);
      // 5 KB of deflate stream from firmware-like data inflates to more than 5 KB and less than the image.
      expect(offset).toBeGreaterThan(0x10000 + 5 * 1024);
      expect(offset).toBeLessThan(0x10000 + app.length);
    });
  });

  it('an MD5 mismatch is reported as such and the region is not reported written; a re-run verifies', async () => {
    await withDevice({ faults: { corruptFlashAfterBlock: 3 } }, async (dev) => {
      const bad = await flashPort(dev.port, appPlan(), { ...FAST, compress: true });
      expect(bad.error).toMatch(
        new RegExp(`^${dev.port}: MD5 mismatch after writing fault\\.bin \\(65536 bytes at 0x10000\\): flash has [0-9a-f]{32}, file has [0-9a-f]{32}; fault\\.bin is NOT verified$`),
      );
      expect(bad.regions).toEqual([]);
      dev.sim.setFaults({});
      dev.sim.resetDevice();
      expect((await flashPort(dev.port, appPlan(), FAST)).ok).toBe(true);
      expect(flashHas(dev, 0x10000, app)).toBe(true);
    });
  });

  it('an image for another chip is refused before anything is written', async () => {
    const s3 = buildAppImage({ size: 64 * 1024, chipId: 9 });
    const plan = planFromImages([`${file('s3.bin', s3)}@0x10000`]);
    await withDevice({}, async (dev) => {
      const s = await flashPort(dev.port, plan, FAST);
      expect(s.error).toBe(`${join(dir, 's3.bin')}: image is for ESP32-S3 (chip id 9) but ${dev.port} has an ESP32-C3 (chip id 5): refusing to flash`);
      expect(dev.sim.stats.commands.FLASH_DEFL_BEGIN).toBeUndefined();
      expect(dev.sim.stats.commands.FLASH_BEGIN).toBeUndefined();
      expect(dev.sim.flash.every((b) => b === 0xff)).toBe(true);
    });
  });

  it('an unknown chip is named by its magic value', async () => {
    const odd: SimChip = { name: 'mystery', magic: 0xdeadbeef, imageChipId: 99, securityInfoLen: 0 };
    await withDevice({ chip: odd }, async (dev) => {
      const s = await flashPort(dev.port, appPlan(), FAST);
      expect(s.error).toBe(
        `${dev.port}: unknown chip: magic value 0xdeadbeef at 0x40001000 matches no supported chip (ESP32, S2, S3, C3, C6, C2, H2)`,
      );
    });
  });

  it('a chip in normal boot (nothing answers SYNC) gives the BOOT-button hint', async () => {
    const pair = await createPtyPair();
    try {
      const s = await flashPort(pair.host, appPlan(), { ...FAST, connectAttempts: 1 });
      expect(s.error).toBe(
        `${pair.host}: no sync: the ROM loader did not answer SYNC after 1 connect attempts ` +
          '(hint: hold BOOT while pressing RESET to enter the download mode, then run again)',
      );
    } finally {
      await pair.close();
    }
  });

  it('a chip that booted its application prints a boot log: the no-sync message names the boot mode', async () => {
    const dev = await startSimulatedDevice({ chip: C3, flashSize: 4 * MB, normalBoot: true });
    try {
      const s = await flashPort(dev.port, appPlan(), { ...FAST, connectAttempts: 1 });
      expect(s.error).toBe(
        `${dev.port}: no sync: the ROM loader did not answer SYNC after 1 connect attempts; the chip printed a boot log ` +
          'with boot mode 0xc (SPI_FAST_FLASH_BOOT), not download mode (hint: hold BOOT while pressing RESET to enter the download mode, then run again)',
      );
    } finally {
      await dev.close();
    }
  });

  it('no such port and a busy port are named', async () => {
    const missing = await flashPort('/dev/pose-edge-no-such-port', appPlan(), FAST);
    expect(missing.error).toMatch(/^\/dev\/pose-edge-no-such-port: no such port/);
    await withDevice({}, async (dev) => {
      const holder = await SerialTransport.open(dev.port, 115200);
      try {
        const busy = await flashPort(dev.port, appPlan(), FAST);
        expect(busy.error).toMatch(new RegExp(`^${dev.port}: port busy \\(another program holds it open`));
      } finally {
        await holder.close();
      }
    });
  });
});
