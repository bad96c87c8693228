import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chipById } from '../../../src/host/flash/chips.ts';
import { checkPlanForChip, parseImageSpec, planFromBuild, planFromImages } from '../../../src/host/flash/plan.ts';
import { buildAppImage, buildPartitionTable } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'pose-edge-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An ESP-IDF-shaped build directory (file names and JSON layout as `idf.py build` writes them). */
function fakeBuild(name: string, opts: { appOffset?: string; flashSize?: string; chip?: string; appSize?: number } = {}): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'bootloader'), { recursive: true });
  mkdirSync(join(dir, 'partition_table'), { recursive: true });
  writeFileSync(join(dir, 'bootloader/bootloader.bin'), buildAppImage({ size: 20 * 1024, seed: 2 }));
  writeFileSync(join(dir, 'partition_table/partition-table.bin'), buildPartitionTable());
  writeFileSync(join(dir, 'pose_node.bin'), buildAppImage({ size: opts.appSize ?? 100 * 1024, seed: 3 }));
  const app = opts.appOffset ?? '0x10000';
  writeFileSync(
    join(dir, 'flasher_args.json'),
    JSON.stringify({
      write_flash_args: ['--flash_mode', 'dio', '--flash_size', opts.flashSize ?? '4MB', '--flash_freq', '80m'],
      flash_settings: { flash_mode: 'dio', flash_size: opts.flashSize ?? '4MB', flash_freq: '80m' },
      flash_files: { '0x0': 'bootloader/bootloader.bin', [app]: 'pose_node.bin', '0x8000': 'partition_table/partition-table.bin' },
      bootloader: { offset: '0x0', file: 'bootloader/bootloader.bin', encrypted: 'false' },
      app: { offset: app, file: 'pose_node.bin', encrypted: 'false' },
      'partition-table': { offset: '0x8000', file: 'partition_table/partition-table.bin', encrypted: 'false' },
      extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: opts.chip ?? 'esp32c3' },
    }),
  );
  return dir;
}

describe('flashing plan', () => {
  it('reads offsets, files and flash size from flasher_args.json, sorted by offset', () => {
    const plan = planFromBuild(fakeBuild('ok', { appOffset: '0x20000' }));
    expect(plan.regions.map((r) => [r.kind, r.offset])).toEqual([
      ['bootloader', 0x0],
      ['partition-table', 0x8000],
      ['app', 0x20000],
    ]);
    expect(plan.flashSizeBytes).toBe(4 * 1024 * 1024);
    expect(plan.buildChip?.id).toBe('esp32c3');
    expect(plan.regions[2].image?.chipId).toBe(5);
    expect(plan.regions[1].image).toBeUndefined();
  });

  it('names the missing flasher_args.json with a hint', () => {
    expect(() => planFromBuild(join(root, 'nope'))).toThrow(/nope\/flasher_args\.json: not found \(build the firmware with `idf\.py build`, or pass --image FILE@OFFSET\)/);
  });

  it('refuses an app that does not fit in the flash size of the build', () => {
    const dir = fakeBuild('big', { flashSize: '2MB', appOffset: '0x100000', appSize: 1200 * 1024 });
    expect(() => planFromBuild(dir)).toThrow(/pose_node\.bin: 1228800 bytes at 0x100000 end at 0x22c000, past the 2MB flash/);
  });

  it('refuses a build for another chip once the chip is detected', () => {
    const plan = planFromBuild(fakeBuild('s3', { chip: 'esp32s3' }));
    expect(() => checkPlanForChip(plan, chipById('esp32c3')!, '/dev/ttyUSB0')).toThrow(/build is for ESP32-S3 but \/dev\/ttyUSB0 has an ESP32-C3: refusing to flash/);
  });

  it('parses FILE@OFFSET and refuses malformed specs', () => {
    expect(parseImageSpec('a@b.bin@0x10000')).toEqual({ file: 'a@b.bin', offset: 0x10000 });
    expect(parseImageSpec('app.bin@65536')).toEqual({ file: 'app.bin', offset: 65536 });
    expect(() => parseImageSpec('app.bin')).toThrow('--image app.bin: expected FILE@OFFSET, e.g. app.bin@0x10000');
    expect(() => parseImageSpec('app.bin@zz')).toThrow('--image app.bin@zz: invalid offset "zz" (expected e.g. 0x10000)');
  });

  it('explicit images: refuses unaligned offsets, overlaps, non-images and missing files', () => {
    const app = join(root, 'app.bin');
    const blob = join(root, 'blob.bin');
    writeFileSync(app, buildAppImage({ size: 64 * 1024 }));
    writeFileSync(blob, Buffer.from('hello world'));
    expect(planFromImages([`${app}@0x10000`]).regions[0].kind).toBe('app');
    expect(() => planFromImages([`${app}@0x10010`])).toThrow(/offset 0x10010 is not a multiple of the 4 KB flash sector/);
    expect(() => planFromImages([`${app}@0x10000`, `${app}@0x18000`])).toThrow(/app\.bin \(0x10000\.\.0x20000\) overlaps .*app\.bin at 0x18000/);
    expect(() => planFromImages([`${blob}@0x10000`])).toThrow(/blob\.bin: neither an ESP app image \(magic 0x68, expected 0xe9\) nor a partition table/);
    expect(() => planFromImages([`${join(root, 'missing.bin')}@0x0`])).toThrow(/missing\.bin: no such file/);
  });
});
