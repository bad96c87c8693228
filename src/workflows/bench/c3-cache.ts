// c3CacheMisses and c3LatencyMs: the counted rv32imc program runs under qemu-riscv32 with a TCG plugin
// (c/c3_cache.c) that models the ESP32-C3's flash cache (16 KB, 8-way, 32-byte lines, LRU, shared by
// instruction fetches and flash data reads). What ESP-IDF leaves in flash goes through it: every allocated
// section of the ELF in the flash region except those placed in on-chip SRAM (.iram1*, IRAM code; .dram1*,
// DRAM data), which bypass it. Misses per inference are counted two ways, each as a run on k windows minus a
// run on empty input, divided by k: with the cache invalidated at every entry to pose_model_run ("cold": the
// rest of the firmware, Wi-Fi included, has run in between and evicted the model) and without ("warm":
// inferences back to back). The latency estimate (docs/performance.md states the model):
//   low  = (instructions + warm misses x 50 cycles) / 160 MHz
//   high = (instructions + cold misses x 170 cycles) / 160 MHz
// one cycle per instruction otherwise (the C3 is a single-issue in-order core; the plugin's counts of taken
// control transfers, loads, multiplies and divisions are reported beside it so the cost of that assumption
// can be judged).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchError } from './errors.ts';

const execFileP = promisify(execFile);

export const C3_CACHE_PLUGIN_SOURCE = fileURLToPath(new URL('./c/c3_cache.c', import.meta.url));

/** The model of the chip behind c3LatencyMs. */
export const C3_MODEL = {
  clockMHz: 160,
  cacheBytes: 16384,
  ways: 8,
  lineBytes: 32,
  /** Cycles to fill a 32-byte line from flash: QIO flash at 80 MHz, command, address, dummy and 256 data
   * bits, with and without the continuous-read mode that skips the command. */
  missPenaltyCycles: [50, 170] as const,
};

/** Sections ESP-IDF places in on-chip SRAM (IRAM_ATTR-style code, DRAM_ATTR-style data): not cached. */
export const SRAM_SECTION = /^\.(iram1|dram1)(\.|$)/;

export async function buildCachePlugin(buildDir: string): Promise<string> {
  const flags = ['-shared', '-fPIC', '-O2', '-std=c11', '-Wall', '-Wextra', '-Werror'];
  const h = createHash('sha256').update(JSON.stringify(flags)).update(readFileSync(C3_CACHE_PLUGIN_SOURCE)).digest('hex').slice(0, 16);
  const so = join(buildDir, `c3-cache-${h}`, 'c3_cache.so');
  if (existsSync(so)) return so;
  mkdirSync(join(buildDir, `c3-cache-${h}`), { recursive: true });
  const tmp = `${so}.tmp${process.pid}`;
  try {
    await execFileP('gcc', [...flags, C3_CACHE_PLUGIN_SOURCE, '-o', tmp]);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new BenchError(`building the QEMU cache plugin ${C3_CACHE_PLUGIN_SOURCE} failed:\n${(err.stderr ?? err.message).trim()}`);
  }
  renameSync(tmp, so);
  return so;
}

export interface ElfSection { name: string; addr: number; size: number; flags: string }

export async function elfSections(elf: string): Promise<ElfSection[]> {
  const { stdout } = await execFileP('riscv64-unknown-elf-readelf', ['-SW', elf], { maxBuffer: 16 << 20 });
  const out: ElfSection[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)\s+\d+\s+\d+\s+\d+\s*$/.exec(line);
    if (m) out.push({ name: m[1], addr: parseInt(m[2], 16), size: parseInt(m[3], 16), flags: m[4] });
  }
  return out;
}

/** The flash-resident address ranges: allocated sections below the RAM region that are not SRAM sections,
 * sorted, adjacent ones merged (also across a gap that no other allocated section occupies). */
export function flashRanges(sections: ElfSection[], ramBase = 0x20000000): [number, number][] {
  const alloc = sections.filter((s) => s.flags.includes('A') && s.size > 0 && s.addr < ramBase).sort((a, b) => a.addr - b.addr);
  const out: [number, number][] = [];
  let open = false;
  for (const s of alloc) {
    if (SRAM_SECTION.test(s.name)) {
      open = false;
      continue;
    }
    if (open) out[out.length - 1][1] = s.addr + s.size;
    else out.push([s.addr, s.addr + s.size]);
    open = true;
  }
  return out;
}

export interface CacheCounts {
  instructions: number;
  fetchMisses: number;
  dataMisses: number;
  loads: number;
  stores: number;
  muls: number;
  divs: number;
  taken: number;
  /** With lines: misses by line address. */
  lines: Map<number, number>;
}

function parseCounts(text: string): CacheCounts {
  const get = (k: string) => {
    const m = new RegExp(`^${k} (\\d+)$`, 'm').exec(text);
    if (!m) throw new BenchError(`cache plugin output lacks '${k}'`);
    return Number(m[1]);
  };
  const lines = new Map<number, number>();
  for (const m of text.matchAll(/^line ([0-9a-f]+) (\d+)$/gm)) lines.set(parseInt(m[1], 16), Number(m[2]));
  return {
    instructions: get('instructions'), fetchMisses: get('fetch_misses'), dataMisses: get('data_misses'), loads: get('loads'),
    stores: get('stores'), muls: get('muls'), divs: get('divs'), taken: get('taken'), lines,
  };
}

export async function runWithCache(plugin: string, elf: string, input: Buffer, args: string[]): Promise<CacheCounts> {
  const dir = mkdtempSync(join(tmpdir(), 'pose-edge-c3-'));
  const out = join(dir, 'counts');
  try {
    await new Promise<void>((resolve, reject) => {
      const p = spawn('qemu-riscv32', ['-plugin', [plugin, ...args, `out=${out}`].join(','), elf], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', reject);
      p.stdin.on('error', () => {});
      p.stdin.end(input);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`qemu-riscv32 -plugin exited with ${code}: ${err.trim()}`))));
    });
    return parseCounts(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface C3CacheReport {
  /** Per inference, cache invalidated at each pose_model_run. */
  coldMisses: number;
  coldFetchMisses: number;
  coldDataMisses: number;
  /** Per inference, inferences back to back. */
  warmMisses: number;
  /** Per inference: control transfers taken, loads, multiplies, divisions (for the CPI assumption). */
  taken: number;
  loads: number;
  muls: number;
  divs: number;
}

/** Misses per inference of the program `elf` on `windows` (k windows of int16 input, concatenated). */
export async function c3Cache(elf: string, windows: Buffer, k: number, buildDir: string): Promise<C3CacheReport> {
  try {
    const plugin = await buildCachePlugin(buildDir);
    const ranges = flashRanges(await elfSections(elf)).map(([lo, hi]) => `flash=${lo.toString(16)}-${hi.toString(16)}`);
    const { stdout: nm } = await execFileP('riscv64-unknown-elf-nm', [elf], { maxBuffer: 16 << 20 });
    const run = /^([0-9a-f]+) [Tt] pose_model_run$/m.exec(nm);
    if (!run) throw new BenchError(`${elf}: no pose_model_run symbol`);
    const cold = [...ranges, `cold=${run[1]}`];
    const [c, c0, w, w0] = await Promise.all([
      runWithCache(plugin, elf, windows, cold), runWithCache(plugin, elf, Buffer.alloc(0), cold),
      runWithCache(plugin, elf, windows, ranges), runWithCache(plugin, elf, Buffer.alloc(0), ranges),
    ]);
    const per = (a: number, b: number) => (a - b) / k;
    return {
      coldMisses: per(c.fetchMisses + c.dataMisses, c0.fetchMisses + c0.dataMisses),
      coldFetchMisses: per(c.fetchMisses, c0.fetchMisses),
      coldDataMisses: per(c.dataMisses, c0.dataMisses),
      warmMisses: per(w.fetchMisses + w.dataMisses, w0.fetchMisses + w0.dataMisses),
      taken: per(c.taken, c0.taken), loads: per(c.loads, c0.loads), muls: per(c.muls, c0.muls), divs: per(c.divs, c0.divs),
    };
  } catch (e) {
    if (e instanceof BenchError) throw e;
    throw new BenchError(`${elf}: the C3 cache model under qemu-riscv32 failed: ${(e as Error).message}`);
  }
}

/** The latency range in ms (see the header). */
export function c3LatencyMs(instructions: number, cache: C3CacheReport): { low: number; high: number } {
  const [lo, hi] = C3_MODEL.missPenaltyCycles;
  const khz = C3_MODEL.clockMHz * 1000;
  return { low: (instructions + cache.warmMisses * lo) / khz, high: (instructions + cache.coldMisses * hi) / khz };
}
