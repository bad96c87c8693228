// Validates the ROM simulator with an independent client: Espressif's esptool-js 0.7.0 (from npm), told not to
// upload its stub, writes an image over a pty and checks it with SPI_FLASH_MD5. If our simulator misread the
// protocol, Espressif's own client would fail here.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESPLoader, Transport, type IEspLoaderTerminal } from 'esptool-js';
import { chipById } from '../../../src/host/flash/chips.ts';
import { startSimulatedDevice, type SimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { simChipFrom } from '../../../src/host/flash/sim/rom-sim.ts';
import { buildAppImage } from './fixtures.ts';
import { NodeWebSerialPort } from './web-serial-adapter.ts';

const silent: IEspLoaderTerminal = { clean() {}, writeLine() {}, write() {} };

/**
 * esptool-js in ROM mode hex-encodes the ROM's 32 ASCII hex characters before comparing (a known quirk), so the
 * expected value handed to it is encoded the same way; the comparison is still of the MD5 of the file.
 */
function esptoolJsRomMd5(image: Uint8Array): string {
  const ascii = createHash('md5').update(image).digest('hex');
  return Buffer.from(ascii, 'ascii').toString('hex');
}

async function writeWithEsptoolJs(port: string, image: Uint8Array, offset: number, compress: boolean): Promise<string> {
  const transport = new Transport(new NodeWebSerialPort(port) as unknown as ConstructorParameters<typeof Transport>[0], false);
  const loader = new ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal: silent });
  try {
    // detectChip connects and identifies without main()'s stub upload: the ROM path only.
    await loader.detectChip('no_reset');
    // esptool-js never sends SPI_ATTACH itself; a real ROM needs it before flash commands.
    await loader.flashSpiAttach(0);
    await loader.writeFlash({
      fileArray: [{ data: image, address: offset }],
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: '4MB',
      eraseAll: false,
      compress,
      calculateMD5Hash: esptoolJsRomMd5,
    });
    return loader.chip.CHIP_NAME;
  } finally {
    await transport.disconnect();
  }
}

describe('ROM simulator driven by esptool-js 0.7.0 (independent client)', () => {
  let dev: SimulatedDevice;
  beforeAll(async () => {
    dev = await startSimulatedDevice({ chip: simChipFrom(chipById('esp32c3')!), flashSize: 4 << 20 });
  });
  afterAll(async () => {
    await dev?.close();
  });

  for (const compress of [true, false]) {
    it(`writes and verifies a 192 KB ESP32-C3 image (${compress ? 'FLASH_DEFL_*' : 'FLASH_*'})`, async () => {
      dev.sim.resetDevice();
      const image = buildAppImage({ size: 192 * 1024, seed: compress ? 11 : 12 });
      const chipName = await writeWithEsptoolJs(dev.port, image, 0x10000, compress);
      expect(chipName).toBe('ESP32-C3');
      expect(Buffer.compare(dev.sim.flash.subarray(0x10000, 0x10000 + image.length), image)).toBe(0);
      // The rest of the erased sector stays erased (NOR: erase sets 0xFF).
      const sectorEnd = Math.ceil((0x10000 + image.length) / 0x1000) * 0x1000;
      expect(dev.sim.flash.subarray(0x10000 + image.length, sectorEnd).every((b) => b === 0xff)).toBe(true);
      expect(dev.sim.stats.commands[compress ? 'FLASH_DEFL_DATA' : 'FLASH_DATA']).toBeGreaterThan(0);
      expect(dev.sim.stats.commands.SPI_FLASH_MD5).toBeGreaterThanOrEqual(1);
    });
  }

  it('esptool-js reports an MD5 mismatch when the simulated flash goes bad (its check is live)', async () => {
    dev.sim.resetDevice();
    // esptool-js sends 16 KB blocks even to the ROM, so a 64 KB image is 4 blocks.
    dev.sim.setFaults({ corruptFlashAfterBlock: 1 });
    try {
      const image = buildAppImage({ size: 64 * 1024, seed: 14 });
      await expect(writeWithEsptoolJs(dev.port, image, 0x10000, false)).rejects.toThrow(/MD5 of file does not match data in flash/);
    } finally {
      dev.sim.setFaults({});
    }
  });

  it("esptool-js reads the simulated flash's JEDEC ID through its own SPI register tables (ESP32, C3, C6)", async () => {
    for (const [id, size, expected] of [
      ['esp32', 16 << 20, '16MB'],
      ['esp32c3', 2 << 20, '2MB'],
      ['esp32c6', 8 << 20, '8MB'],
    ] as const) {
      const d = await startSimulatedDevice({ chip: simChipFrom(chipById(id)!), flashSize: size });
      const transport = new Transport(new NodeWebSerialPort(d.port) as unknown as ConstructorParameters<typeof Transport>[0], false);
      try {
        const loader = new ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal: silent });
        await loader.detectChip('no_reset');
        await loader.flashSpiAttach(0);
        expect([id, await loader.detectFlashSize()]).toEqual([id, expected]);
        expect(d.sim.stats.flashIdReads).toBe(1);
      } finally {
        await transport.disconnect();
        await d.close();
      }
    }
  });

  it('an ESP32 (no GET_SECURITY_INFO) is found by esptool-js through the magic register', async () => {
    const esp32 = await startSimulatedDevice({ chip: simChipFrom(chipById('esp32')!), flashSize: 4 << 20 });
    try {
      const image = buildAppImage({ size: 64 * 1024, chipId: 0, seed: 13 });
      expect(await writeWithEsptoolJs(esp32.port, image, 0x10000, true)).toBe('ESP32');
      expect(Buffer.compare(esp32.sim.flash.subarray(0x10000, 0x10000 + image.length), image)).toBe(0);
      // It asked GET_SECURITY_INFO, got the ROM's 01 05, and fell back to the magic register.
      expect(esp32.sim.stats.commands.GET_SECURITY_INFO).toBeGreaterThan(0);
      expect(esp32.sim.stats.commands.READ_REG).toBeGreaterThan(0);
    } finally {
      await esp32.close();
    }
  });
});
