// Our chip table against an independent source: Espressif's esptool-js 0.7.0 target classes (chip name, image
// chip id, bootloader offset, SPI register layout) and its magic-register detection, driven over a pty against the
// simulator.
import { describe, expect, it } from 'vitest';
import { ESPLoader, Transport, type IEspLoaderTerminal } from 'esptool-js';
import { CHIPS, chipByImageId, chipByMagic } from '../../../src/host/flash/chips.ts';
import { startSimulatedDevice } from '../../../src/host/flash/sim/device.ts';
import { NodeWebSerialPort } from './web-serial-adapter.ts';

const silent: IEspLoaderTerminal = { clean() {}, writeLine() {}, write() {} };
const CLASS: Record<string, string> = {
  esp32: 'ESP32ROM',
  esp32s2: 'ESP32S2ROM',
  esp32s3: 'ESP32S3ROM',
  esp32c3: 'ESP32C3ROM',
  esp32c6: 'ESP32C6ROM',
  esp32c2: 'ESP32C2ROM',
  esp32h2: 'ESP32H2ROM',
};

describe('chip table', () => {
  for (const chip of CHIPS) {
    it(`${chip.name}: name, image chip id and bootloader offset agree with esptool-js`, async () => {
      const mod = (await import(`esptool-js/lib/targets/${chip.id}.js`)) as Record<string, new () => Record<string, unknown>>;
      const rom = new mod[CLASS[chip.id]]();
      expect([rom.CHIP_NAME, rom.IMAGE_CHIP_ID, rom.BOOTLOADER_FLASH_OFFSET]).toEqual([chip.name, chip.imageChipId, chip.bootloaderOffset]);
    });

    it(`${chip.name}: SPI flash controller registers (for the JEDEC ID) agree with esptool-js`, async () => {
      const mod = (await import(`esptool-js/lib/targets/${chip.id}.js`)) as Record<string, new () => Record<string, number>>;
      const rom = new mod[CLASS[chip.id]]();
      expect(chip.spi).toEqual({
        base: rom.SPI_REG_BASE,
        usr: rom.SPI_USR_OFFS,
        usr1: rom.SPI_USR1_OFFS,
        usr2: rom.SPI_USR2_OFFS,
        mosiDlen: rom.SPI_MOSI_DLEN_OFFS,
        misoDlen: rom.SPI_MISO_DLEN_OFFS,
        w0: rom.SPI_W0_OFFS,
      });
    });
  }

  it('every magic value and image chip id maps back to exactly its chip', () => {
    for (const chip of CHIPS) {
      for (const m of chip.magicValues) expect(chipByMagic(m)).toBe(chip);
      expect(chipByImageId(chip.imageChipId)).toBe(chip);
    }
    expect(chipByMagic(0xfff0c101)).toBeUndefined(); // ESP8266: not supported here
  });

  it('esptool-js identifies each magic value of the table as the same chip (magic-register path)', async () => {
    const pairs = CHIPS.flatMap((c) => c.magicValues.map((m) => [c, m] as const));
    for (const [chip, magic] of pairs) {
      // No GET_SECURITY_INFO, so esptool-js must decide from the magic register alone.
      const dev = await startSimulatedDevice({ chip: { name: chip.name, magic, imageChipId: chip.imageChipId, securityInfoLen: 0 }, flashSize: 1 << 20 });
      const transport = new Transport(new NodeWebSerialPort(dev.port) as unknown as ConstructorParameters<typeof Transport>[0], false);
      try {
        const loader = new ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal: silent });
        await loader.detectChip('no_reset');
        expect([magic.toString(16), loader.chip.CHIP_NAME]).toEqual([magic.toString(16), chip.name]);
      } finally {
        await transport.disconnect();
        await dev.close();
      }
    }
  });
});
