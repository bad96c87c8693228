// Every way a session can end early names the port, the region and (while writing) the block and flash offset,
// and says what happened: the port closed, the device stopped answering, a reply was malformed, the user
// interrupted. A region is reported only once its MD5 matched, never one that was cut short.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chipById } from '../../../src/host/flash/chips.ts';
import { flashPort, type FlashEvent, type FlashOptions, type PortSummary } from '../../../src/host/flash/flasher.ts';
import { DEFAULT_TIMING } from '../../../src/host/flash/loader.ts';
import { planFromImages, type FlashPlan } from '../../../src/host/flash/plan.ts';
import { Op } from '../../../src/host/flash/protocol.ts';
import { startSimulatedDevice, type SimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { simChipFrom, type SimFaults } from '../../../src/host/flash/sim/rom-sim.ts';
import { PortClosedError, PortIoError } from '../../../src/host/transport/errors.ts';
import { SerialTransport } from '../../../src/host/transport/serial.ts';
import type { Transport } from '../../../src/host/transport/transport.ts';
import { buildAppImage } from './fixtures.ts';

// Short timeouts (erase and MD5 too) so a silent device costs under a second; the protocol is the same.
const FAST: Partial<FlashOptions> = {
  timing: { ...DEFAULT_TIMING, commandTimeoutMs: 300, retries: 2, eraseTimeoutPerMbMs: 1000, md5TimeoutPerMbMs: 1000 },
  connectAttempts: 1,
};
const EIO = 'EIO: i/o error, write';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const boot = buildAppImage({ size: 16 * 1024, seed: 51 });
const app = buildAppImage({ size: 64 * 1024, seed: 52 });
writeFileSync(join(dir, 'boot.bin'), boot);
writeFileSync(join(dir, 'app.bin'), app);
const plan: FlashPlan = planFromImages([`${join(dir, 'boot.bin')}@0x0`, `${join(dir, 'app.bin')}@0x10000`]);

async function run(
  opts: Partial<FlashOptions>,
  faults: SimFaults = {},
): Promise<{ s: PortSummary; events: FlashEvent[]; dev: SimulatedDevice; port: string }> {
  const dev = await startSimulatedDevice({ chip: simChipFrom(chipById('esp32c3')!), flashSize: 4 << 20, faults });
  const events: FlashEvent[] = [];
  try {
    const s = await flashPort(dev.port, plan, { ...FAST, ...opts }, (e) => events.push(e));
    return { s, events, dev, port: dev.port };
  } finally {
    await dev.close();
  }
}

/** Only the regions whose MD5 matched are reported, each with a 'verified' event. */
function verifiedNames(s: PortSummary, events: FlashEvent[]): string[] {
  const fromEvents = events.flatMap((e) => (e.event === 'verified' ? [e.region] : []));
  expect(s.regions.map((r) => r.name)).toEqual(fromEvents);
  expect(s.regions.every((r) => r.verified)).toBe(true);
  return fromEvents;
}

/**
 * A link that goes away (as SerialTransport reports EIO) when the host sends the `nth` request with `op`; with
 * `silent`, that request and everything after it vanish instead, so the device seems to stop answering; with
 * `io`, the write fails with an I/O error that is not a closed link.
 */
function failingLink(op: number, nth: number, how: 'close' | 'silent' | 'io'): FlashOptions['openTransport'] {
  return async (path, baud) => {
    const inner = await SerialTransport.open(path, baud);
    const listeners = new Set<(reason: string) => void>();
    let seen = 0;
    let broken = false;
    const link: Transport = {
      name: inner.name,
      async write(bytes) {
        // A SLIP-framed request starts C0 00 <op>.
        if (!broken && bytes[1] === 0x00 && bytes[2] === op && ++seen === nth) broken = true;
        if (!broken) return inner.write(bytes);
        if (how === 'silent') return;
        if (how === 'io') throw new PortIoError(inner.name, 'write', 'EBADF: bad file descriptor, write');
        for (const l of listeners) l(EIO);
        listeners.clear();
        throw new PortClosedError(inner.name, EIO);
      },
      onData: (l) => inner.onData(l),
      onClose: (l) => {
        listeners.add(l);
        const off = inner.onClose(l);
        return () => {
          listeners.delete(l);
          off();
        };
      },
      setSignals: (s) => inner.setSignals(s),
      setBaudRate: (b) => inner.setBaudRate(b),
      close: () => inner.close(),
    };
    return link;
  };
}

describe('the port closes: every stage names what it interrupted', () => {
  it('while connecting: nothing was written', async () => {
    const { s, events, port } = await run({ openTransport: failingLink(Op.READ_REG, 1, 'close') });
    expect(s.error).toBe(`${port}: the port closed (device unplugged or reset?) before any region was written: ${EIO}`);
    expect(verifiedNames(s, events)).toEqual([]);
  });

  it('while erasing the second region: the first stays verified, the second is NOT written', async () => {
    const { s, events, port } = await run({ openTransport: failingLink(Op.FLASH_DEFL_BEGIN, 2, 'close') });
    expect(s.error).toBe(`${port}: the port closed (device unplugged or reset?) while erasing app.bin (65536 bytes at 0x10000): ${EIO}; app.bin is NOT written`);
    expect(verifiedNames(s, events)).toEqual(['boot.bin']);
  });

  it('while writing: block and flash offset (plain, 16 boot blocks then the 5th app block)', async () => {
    const { s, events, port } = await run({ compress: false, openTransport: failingLink(Op.FLASH_DATA, 16 + 5, 'close') });
    expect(s.error).toBe(
      `${port}: the port closed (device unplugged or reset?) while writing app.bin: block 5/64 (flash offset 0x11000): ${EIO}; app.bin is NOT written`,
    );
    expect(verifiedNames(s, events)).toEqual(['boot.bin']);
  });

  it('any other I/O failure of the port is named the same way', async () => {
    const { s, events, port } = await run({ compress: false, openTransport: failingLink(Op.FLASH_DATA, 16 + 5, 'io') });
    expect(s.error).toBe(
      `${port}: the port failed while writing app.bin: block 5/64 (flash offset 0x11000): write failed: EBADF: bad file descriptor, write; app.bin is NOT written`,
    );
    expect(verifiedNames(s, events)).toEqual(['boot.bin']);
  });

  it('while verifying: the region is NOT verified', async () => {
    const { s, events, port } = await run({ openTransport: failingLink(Op.SPI_FLASH_MD5, 2, 'close') });
    expect(s.error).toBe(`${port}: the port closed (device unplugged or reset?) while verifying app.bin (65536 bytes at 0x10000): ${EIO}; app.bin is NOT verified`);
    expect(verifiedNames(s, events)).toEqual(['boot.bin']);
  });

  it('after every region was verified: the port is ok, the start is unknown, and a warning says why', async () => {
    const { s, events, port } = await run({ openTransport: failingLink(Op.FLASH_END, 1, 'close') });
    expect([s.ok, s.error, s.started]).toEqual([true, undefined, 'unknown']);
    expect(s.warnings).toEqual([
      `${port}: the port closed (device unplugged or reset?) after every region was verified, while starting the application: ${EIO} ` +
        '(the flash is verified; press RESET if the application does not start)',
    ]);
    expect(verifiedNames(s, events)).toEqual(['boot.bin', 'app.bin']);
  });
});

describe('the device stops answering outside the data blocks', () => {
  it('during an erase', async () => {
    const { s, events, port } = await run({ openTransport: failingLink(Op.FLASH_DEFL_BEGIN, 2, 'silent') });
    expect(s.error).toBe(
      `${port}: device stopped answering while erasing app.bin (65536 bytes at 0x10000): got no reply to FLASH_DEFL_BEGIN within 300 ms after 3 tries; app.bin is NOT written`,
    );
    expect(verifiedNames(s, events)).toEqual(['boot.bin']);
  });

  it('during the MD5 check', async () => {
    const { s, events, port } = await run({ openTransport: failingLink(Op.SPI_FLASH_MD5, 1, 'silent') });
    expect(s.error).toBe(
      `${port}: device stopped answering while verifying boot.bin (16384 bytes at 0x0): got no reply to SPI_FLASH_MD5 within 300 ms after 3 tries; boot.bin is NOT verified`,
    );
    expect(verifiedNames(s, events)).toEqual([]);
  });
});

describe('the ROM refuses a region command', () => {
  it('an erase past the end of a flash whose size could not be detected: named by region, NOT written', async () => {
    const dev = await startSimulatedDevice({ chip: simChipFrom(chipById('esp32c3')!), flashSize: 1 << 20, flashId: 0xffffff });
    try {
      const big = planFromImages([`${join(dir, 'app.bin')}@0x100000`]);
      const s = await flashPort(dev.port, big, FAST);
      expect(s.warnings).toHaveLength(1);
      expect(s.error).toBe(
        `${dev.port}: FLASH_DEFL_BEGIN failed: ROM status 1, failed to act on the command (0x06) while erasing app.bin (65536 bytes at 0x100000); app.bin is NOT written`,
      );
      expect(s.regions).toEqual([]);
    } finally {
      await dev.close();
    }
  });
});

describe('malformed replies are protocol errors, never an MD5 to compare', () => {
  it('an MD5 reply of 31 characters', async () => {
    const { s, events, port } = await run({}, { malformedMd5: 'short' });
    expect(s.error).toBe(
      `${port}: protocol error while verifying boot.bin (16384 bytes at 0x0): SPI_FLASH_MD5 reply carries 31 bytes, expected 32 hex characters; boot.bin is NOT verified`,
    );
    expect(verifiedNames(s, events)).toEqual([]);
  });

  it('an MD5 reply of 32 characters that are not hex', async () => {
    const { s, events, port } = await run({}, { malformedMd5: 'non-hex' });
    expect(s.error).toMatch(
      new RegExp(
        `^${port}: protocol error while verifying boot\\.bin \\(16384 bytes at 0x0\\): SPI_FLASH_MD5 reply is not 32 hex characters: "zz[0-9a-f]{30}"; boot\\.bin is NOT verified$`,
      ),
    );
    expect(s.error).not.toMatch(/MD5 mismatch/);
    expect(verifiedNames(s, events)).toEqual([]);
  });

  it('a READ_REG reply without the ROM status bytes, before any region', async () => {
    const { s, port } = await run({}, { shortReplyOps: [Op.READ_REG] });
    expect(s.error).toBe(`${port}: protocol error before any region was written: READ_REG reply carries 2 status bytes, expected the ROM's 4`);
  });

  it('a data ack without the ROM status bytes: named by region and block', async () => {
    const { s, events, port } = await run({ compress: false }, { shortReplyOps: [Op.FLASH_DATA] });
    expect(s.error).toBe(
      `${port}: protocol error while writing boot.bin: block 1/16 (flash offset 0x0): FLASH_DATA reply carries 2 status bytes, expected the ROM's 4; boot.bin is NOT written`,
    );
    expect(verifiedNames(s, events)).toEqual([]);
  });
});

describe('interrupted by the user (the CLI aborts on SIGINT/SIGTERM)', () => {
  it('stops at the next block and says where; regions verified before stay reported', async () => {
    const controller = new AbortController();
    const dev = await startSimulatedDevice({ chip: simChipFrom(chipById('esp32c3')!), flashSize: 4 << 20 });
    const events: FlashEvent[] = [];
    try {
      const s = await flashPort(dev.port, plan, { ...FAST, compress: false, signal: controller.signal }, (e) => {
        events.push(e);
        // After the app's 10th block is acknowledged.
        if (e.event === 'progress' && e.region === 'app.bin' && e.written >= 10 * 1024) controller.abort('SIGINT');
      });
      expect(s.error).toBe(`${dev.port}: interrupted by SIGINT while writing app.bin: block 11/64 (flash offset 0x12800); app.bin is NOT written`);
      expect(verifiedNames(s, events)).toEqual(['boot.bin']);
      expect(dev.sim.stats.commands.FLASH_DATA).toBe(16 + 10);
    } finally {
      await dev.close();
    }
  });

  it('an abort before the port is opened touches nothing', async () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const { s, dev, port } = await run({ signal: controller.signal });
    expect(s.error).toBe(`${port}: interrupted by SIGTERM before any region was written`);
    expect(dev.sim.stats.commands.SYNC).toBeUndefined();
  });
});
