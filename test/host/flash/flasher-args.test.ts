// flasher_args.json is untrusted input: every file it names must resolve inside the build directory, its sections
// must agree with flash_files, images must be what their section says, and flash_size must be one esptool accepts.
// Each refusal names the file and what is wrong with it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFlashSize } from '../../../src/host/flash/flash-size.ts';
import { planFromBuild, planFromImages } from '../../../src/host/flash/plan.ts';
import { buildAppImage, buildPartitionTable } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'pose-edge-flasher-args-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

type Json = Record<string, unknown>;

/** An ESP-IDF-shaped build directory; `edit` changes the JSON before it is written. */
function build(edit: (json: Json, dir: string) => void = () => {}): { dir: string; args: string } {
  const dir = join(root, `build${n++}`);
  mkdirSync(join(dir, 'bootloader'), { recursive: true });
  mkdirSync(join(dir, 'partition_table'), { recursive: true });
  writeFileSync(join(dir, 'bootloader/bootloader.bin'), buildAppImage({ size: 16 * 1024, seed: 2 }));
  writeFileSync(join(dir, 'partition_table/partition-table.bin'), buildPartitionTable({ md5: true }));
  writeFileSync(join(dir, 'pose_node.bin'), buildAppImage({ size: 64 * 1024, seed: 3 }));
  writeFileSync(join(dir, 'ota_data_initial.bin'), new Uint8Array(0x2000).fill(0xff));
  const json: Json = {
    flash_settings: { flash_mode: 'dio', flash_size: '4MB', flash_freq: '80m' },
    flash_files: {
      '0x0': 'bootloader/bootloader.bin',
      '0x8000': 'partition_table/partition-table.bin',
      '0xd000': 'ota_data_initial.bin',
      '0x10000': 'pose_node.bin',
    },
    bootloader: { offset: '0x0', file: 'bootloader/bootloader.bin', encrypted: 'false' },
    app: { offset: '0x10000', file: 'pose_node.bin', encrypted: 'false' },
    'partition-table': { offset: '0x8000', file: 'partition_table/partition-table.bin', encrypted: 'false' },
    otadata: { offset: '0xd000', file: 'ota_data_initial.bin', encrypted: 'false' },
    extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: 'esp32c3' },
  };
  edit(json, dir);
  writeFileSync(join(dir, 'flasher_args.json'), JSON.stringify(json));
  return { dir, args: join(dir, 'flasher_args.json') };
}

const files = (j: Json): Json => j.flash_files as Json;

describe('flasher_args.json: files stay inside the build directory', () => {
  it('an ESP-IDF build with otadata: four regions, the data region needs no magic, the table MD5 is checked', () => {
    const plan = planFromBuild(build().dir);
    expect(plan.regions.map((r) => [r.name, r.kind, r.offset])).toEqual([
      ['bootloader', 'bootloader', 0x0],
      ['partition-table', 'partition-table', 0x8000],
      ['ota_data_initial.bin', 'data', 0xd000],
      ['app', 'app', 0x10000],
    ]);
    expect(plan.regions[1].partitionTable?.md5Checked).toBe(true);
    expect(plan.sizeClaims.map((c) => c.bytes)).toEqual([4 << 20, 4 << 20, 4 << 20]);
  });

  it('refuses a ../ escape, naming the entry and the path', () => {
    const { args, dir } = build((j) => {
      files(j)['0x10000'] = '../../../../etc/hostname';
      delete j.app;
    });
    expect(() => planFromBuild(dir)).toThrow(
      `${args}: flash_files entry "0x10000" ("../../../../etc/hostname") points outside the build directory ${dir}: refusing to flash it`,
    );
  });

  it('refuses an absolute path, even one inside the build directory', () => {
    const { args, dir } = build((j, d) => {
      files(j)['0xd000'] = join(d, 'ota_data_initial.bin');
      delete j.otadata;
    });
    expect(() => planFromBuild(dir)).toThrow(
      `${args}: flash_files entry "0xd000" is an absolute path ("${join(dir, 'ota_data_initial.bin')}"): files must be named relative to the build directory ${dir} and lie inside it`,
    );
  });

  it('refuses a symlink that leads outside, accepts one that stays inside', () => {
    const outside = join(root, 'outside.bin');
    writeFileSync(outside, new Uint8Array(4096).fill(0xff));
    const { args, dir } = build((_, d) => symlinkSync(outside, join(d, 'ota_data_initial.bin.link')));
    writeFileSync(args, JSON.stringify({ flash_files: { '0xd000': 'ota_data_initial.bin.link' } }));
    expect(() => planFromBuild(dir)).toThrow(
      `${args}: flash_files entry "0xd000" ("ota_data_initial.bin.link") resolves to ${outside}, outside the build directory ${dir}: refusing to flash it`,
    );
    const inside = build((j, d) => {
      symlinkSync(join(d, 'pose_node.bin'), join(d, 'app-link.bin'));
      files(j)['0x10000'] = 'app-link.bin';
      j.app = { offset: '0x10000', file: 'app-link.bin' };
    });
    expect(planFromBuild(inside.dir).regions.at(-1)?.file).toBe(join(inside.dir, 'pose_node.bin'));
  });

  it('refuses a directory and a non-string path', () => {
    const dirEntry = build((j) => {
      files(j)['0x20000'] = 'bootloader';
    });
    expect(() => planFromBuild(dirEntry.dir)).toThrow(`${join(dirEntry.dir, 'bootloader')}: not a regular file (${dirEntry.args} flash_files entry "0x20000")`);
    const numeric = build((j) => {
      files(j)['0x20000'] = 42;
    });
    expect(() => planFromBuild(numeric.dir)).toThrow(
      `${numeric.args}: flash_files entry "0x20000" must be a file path relative to the build directory, got 42`,
    );
  });
});

describe('flasher_args.json: sections agree with flash_files, images are what they claim', () => {
  it('refuses a section whose offset differs from flash_files', () => {
    const { args, dir } = build((j) => {
      j.app = { offset: '0x20000', file: 'pose_node.bin' };
    });
    expect(() => planFromBuild(dir)).toThrow(
      `${args}: section "app" puts pose_node.bin at 0x20000 but flash_files puts it at 0x10000: refusing a build whose sections and flash_files disagree`,
    );
  });

  it('refuses a section naming a file that flash_files does not list at that offset', () => {
    const { args, dir } = build((j) => {
      j.bootloader = { offset: '0x0', file: 'pose_node.bin' };
    });
    expect(() => planFromBuild(dir)).toThrow(
      `${args}: section "bootloader" puts pose_node.bin at 0x0 but flash_files puts it at 0x10000: refusing a build whose sections and flash_files disagree`,
    );
    const missing = build((j) => {
      delete files(j)['0xd000'];
    });
    expect(() => planFromBuild(missing.dir)).toThrow(
      `${missing.args}: section "otadata" puts ota_data_initial.bin at 0xd000 but flash_files does not list it: refusing a build whose sections and flash_files disagree`,
    );
  });

  it('refuses an app or bootloader without the 0xE9 magic', () => {
    for (const which of ['pose_node.bin', 'bootloader/bootloader.bin']) {
      const { dir } = build((_, d) => writeFileSync(join(d, which), Buffer.from('#!/bin/sh\necho not firmware\n'.padEnd(4096, ' '))));
      expect(() => planFromBuild(dir)).toThrow(`${join(dir, which)}: not an ESP app image: magic 0x23, expected 0xe9`);
    }
  });

  it('refuses a bad partition table: wrong magic, or an MD5 entry that does not match', () => {
    const magic = build((_, d) => writeFileSync(join(d, 'partition_table/partition-table.bin'), new Uint8Array(0xc00).fill(0xff)));
    expect(() => planFromBuild(magic.dir)).toThrow(
      `${join(magic.dir, 'partition_table/partition-table.bin')}: not an ESP-IDF partition table (first entry lacks the AA 50 magic)`,
    );
    const md5 = build((_, d) => {
      const pt = buildPartitionTable({ md5: true });
      pt[4] ^= 0x10;
      writeFileSync(join(d, 'partition_table/partition-table.bin'), pt);
    });
    expect(() => planFromBuild(md5.dir)).toThrow(/partition-table\.bin: partition table MD5 mismatch \(entry 3\)/);
  });

  it('refuses a data region that is empty or not on a 4 KB sector', () => {
    const empty = build((_, d) => writeFileSync(join(d, 'ota_data_initial.bin'), new Uint8Array(0)));
    expect(() => planFromBuild(empty.dir)).toThrow(`${join(empty.dir, 'ota_data_initial.bin')}: file is empty`);
    const unaligned = build((j) => {
      files(j)['0xd100'] = 'ota_data_initial.bin';
      delete files(j)['0xd000'];
      delete j.otadata;
    });
    expect(() => planFromBuild(unaligned.dir)).toThrow(`${join(unaligned.dir, 'ota_data_initial.bin')}: offset 0xd100 is not a multiple of the 4 KB flash sector`);
  });

  it('refuses a partition table that lays out more flash than the build declares', () => {
    const { dir } = build((_, d) => {
      writeFileSync(join(d, 'partition_table/partition-table.bin'), buildPartitionTable({ md5: true, entries: [[0, 0, 0x10000, 0x7f0000, 'factory']] }));
    });
    expect(() => planFromBuild(dir)).toThrow(
      `${join(dir, 'partition_table/partition-table.bin')}: the partition table lays out partition "factory" (0x10000..0x800000), past the 4MB flash (${join(dir, 'flasher_args.json')} flash_settings.flash_size)`,
    );
  });
});

describe('flash_size is parsed strictly, as esptool does', () => {
  it('accepts exactly the sizes esptool offers ESP32-family chips, plus detect and keep', () => {
    expect(['1MB', '2MB', '4MB', '8MB', '16MB', '32MB', '64MB', '128MB'].map((s) => parseFlashSize(s, 'x') / (1 << 20))).toEqual([
      1, 2, 4, 8, 16, 32, 64, 128,
    ]);
    for (const keyword of ['detect', 'keep']) {
      const plan = planFromBuild(build((j) => ((j.flash_settings as Json).flash_size = keyword)).dir);
      expect(plan.flashSizeSource).toMatch(/bootloader\.bin header$/);
    }
  });

  for (const bad of ['3MB', '4 MB', '4mb', '0MB', '4096KB', '256KB', ' 4MB', 4]) {
    it(`refuses flash_size ${JSON.stringify(bad)}, naming the file and the value`, () => {
      const { args, dir } = build((j) => ((j.flash_settings as Json).flash_size = bad));
      expect(() => planFromBuild(dir)).toThrow(
        `${args} flash_settings.flash_size: flash size ${JSON.stringify(bad)} is not one esptool accepts (1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB, 128MB, detect or keep)`,
      );
    });
  }

  it('the simulator option is as strict', () => {
    expect(() => parseFlashSize('3MB', '--flash-size')).toThrow(
      '--flash-size: flash size "3MB" is not one esptool accepts (1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB)',
    );
  });

  it('explicit images: a device file is refused before it is read', () => {
    expect(() => planFromImages(['/dev/zero@0x10000'])).toThrow('/dev/zero: not a regular file (--image /dev/zero@0x10000)');
  });
});
