// The ESP32-C3 flash-cache model (src/workflows/bench/c/c3_cache.c, a QEMU TCG plugin) on a probe program whose
// misses are known exactly: lines of one set (8 ways, LRU), a set overflowed by one line, data in a .dram1
// section (on-chip SRAM, never cached), and the cold-start invalidation at a marked function. Its instruction
// count must also equal the block-log count that rv32Instructions comes from.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LINUX_DIR } from '../../../src/host/virtual-node.ts';
import { RV32_LINK_FLAGS } from '../../../src/workflows/bench/rv32-build.ts';
import { buildCachePlugin, elfSections, flashRanges, runWithCache } from '../../../src/workflows/bench/c3-cache.ts';
import { countInstructions } from '../../../src/workflows/bench/rv32-count.ts';

describe('C3 flash-cache plugin', () => {
  let dir: string;
  let elf: string;
  let plugin: string;
  let dataRange: string;
  let ranges: string[];
  let markAddr: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pose-edge-c3-probe-'));
    elf = join(dir, 'probe');
    execFileSync('riscv64-unknown-elf-gcc', [
      ...RV32_LINK_FLAGS, '-O2', '-Wall', '-Wextra', '-Werror', `-I${LINUX_DIR}`,
      join(LINUX_DIR, 'rv32', 'start.S'), join(import.meta.dirname, 'c3_cache_probe.c'), join(LINUX_DIR, 'rv32', 'rv32_io.c'), '-o', elf,
    ]);
    plugin = await buildCachePlugin(dir);
    const nm = execFileSync('riscv64-unknown-elf-nm', [elf]).toString();
    const sym = (name: string) => new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(nm)![1];
    const flash = parseInt(sym('flash_data'), 16);
    dataRange = `flash=${flash.toString(16)}-${(flash + 10 * 2048).toString(16)}`;
    ranges = flashRanges(await elfSections(elf)).map(([lo, hi]) => `flash=${lo.toString(16)}-${hi.toString(16)}`);
    markAddr = sym('mark');
  }, 60_000);

  const phase = (p: number) => Buffer.from([p]);

  it('counts LRU misses of an 8-way set exactly', async () => {
    expect((await runWithCache(plugin, elf, phase(1), [dataRange])).dataMisses).toBe(8);
    expect((await runWithCache(plugin, elf, phase(2), [dataRange])).dataMisses).toBe(90);
  });

  it('leaves .dram1 (on-chip) data out of the flash ranges, so it never misses', async () => {
    const sections = await elfSections(elf);
    expect(sections.find((s) => s.name === '.dram1.probe')).toBeDefined();
    const sram = parseInt(execFileSync('riscv64-unknown-elf-nm', [elf]).toString().match(/^([0-9a-f]+) \w sram_data$/m)![1], 16);
    for (const [lo, hi] of flashRanges(sections)) expect(sram >= lo && sram < hi).toBe(false);
    const r = await runWithCache(plugin, elf, phase(3), ranges);
    expect(r.dataMisses).toBe(0);
    expect((await runWithCache(plugin, elf, phase(2), ranges)).dataMisses).toBeGreaterThanOrEqual(90);
  });

  it('starts cold at each execution of the marked function', async () => {
    expect((await runWithCache(plugin, elf, phase(4), [dataRange])).dataMisses).toBe(8);
    expect((await runWithCache(plugin, elf, phase(4), [dataRange, `cold=${markAddr}`])).dataMisses).toBe(16);
  });

  it('sees every executed instruction: its count equals the block-log count', async () => {
    const r = await runWithCache(plugin, elf, phase(2), ranges);
    expect(r.instructions).toBe((await countInstructions(elf, phase(2))).instructions);
    expect(r.fetchMisses).toBeGreaterThan(0);
    expect(r.loads).toBeGreaterThanOrEqual(90);
  });
});
