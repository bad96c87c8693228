// Test harness for the kernel library: builds driver.c against templates/c/pose_kernels.h with gcc
// (UBSan + ASan, so undefined behaviour or an out-of-bounds access in a kernel fails the test), feeds it
// cases as whitespace-separated integers and returns one output line per case. Also a seeded PRNG so
// every random case is reproducible.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATES_DIR } from '../../../src/paths.ts';

export const HEADER_DIR = join(TEMPLATES_DIR, 'c');
const DRIVER_SRC = join(import.meta.dirname, 'driver.c');
/** Built drivers, shared by the test files (each build of all the kernels takes 13-27 s; seven files asked
 * for 22 builds of five kinds): keyed by the flags and every source the driver includes. */
const DRIVER_CACHE = join(tmpdir(), 'pose-edge-kernel-drivers');

function sourcesHash(mode: string[]): string {
  const h = createHash('sha256').update(JSON.stringify(mode));
  const kernels = join(HEADER_DIR, 'kernels');
  for (const f of [DRIVER_SRC, join(import.meta.dirname, 'all_kernels.h'), ...readdirSync(kernels).sort().map((k) => join(kernels, k))]) {
    h.update(f).update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 20);
}

/** Bytes of the sentinel the driver writes into every output buffer before a kernel runs. */
export const SENTINEL_BYTE = 0x55;

export interface Driver {
  run(cases: CaseWriter): string[];
  dispose(): void;
}

/**
 * Default: -O0 with UBSan + ASan (fast to build, catches undefined behaviour and stray accesses).
 * `optimized`: -O2 without sanitizers, as firmware builds it (catches optimizer-sensitive code).
 * `portable`: without the x86-64 host variants of the linear kernels (PK_NO_HOST_VEC), so this machine runs
 * the kernels the node runs (rv32imc, xtensa), whose blocking and tails differ.
 * `noAvx2`: the x86-64 host variants without their AVX2 intrinsics forms (PK_NO_HOST_AVX2): what a host
 * without AVX2 runs (on an AVX2 machine the default build runs the AVX2 forms).
 */
export function buildDriver(opts: { optimized?: boolean; portable?: boolean; noAvx2?: boolean } = {}): Driver {
  const mode = opts.optimized
    ? ['-O2']
    : ['-O0', '-fsanitize=undefined,address', '-fno-sanitize-recover=all'];
  if (opts.portable) mode.push('-DPK_NO_HOST_VEC');
  if (opts.noAvx2) mode.push('-DPK_NO_HOST_AVX2');
  const exe = join(DRIVER_CACHE, `driver-${sourcesHash(mode)}`);
  if (!existsSync(exe)) {
    // built under a name of its own, then renamed: another test file may be building the same driver
    mkdirSync(DRIVER_CACHE, { recursive: true });
    const tmp = `${exe}.${process.pid}.${Date.now()}`;
    execFileSync('gcc', ['-std=c99', ...mode, '-Wall', '-Wextra', '-Werror', `-I${HEADER_DIR}`, DRIVER_SRC, '-o', tmp]);
    renameSync(tmp, exe);
  }
  return {
    run(cases: CaseWriter): string[] {
      const out = execFileSync(exe, [], { input: cases.text(), maxBuffer: 1 << 28, encoding: 'utf8' });
      const lines = out.split('\n');
      lines.pop();
      if (lines.length !== cases.count) throw new Error(`driver printed ${lines.length} lines for ${cases.count} cases`);
      return lines;
    },
    dispose(): void {
      // the build stays in the cache for the other test files
    },
  };
}

/**
 * Several builds of the driver used as one (e.g. this host's kernels and the node's, -DPK_NO_HOST_VEC): every
 * build runs the cases and must print the same lines, which `run` returns; a difference fails naming the
 * build and the first differing case.
 */
export function buildDrivers(builds: Array<Parameters<typeof buildDriver>[0]>): Driver {
  const drivers = builds.map((b) => buildDriver(b));
  return {
    run(cases: CaseWriter): string[] {
      const [first, ...others] = drivers.map((d) => d.run(cases));
      others.forEach((lines, k) => {
        const i = lines.findIndex((l, j) => l !== first[j]);
        if (i >= 0) throw new Error(`driver build ${JSON.stringify(builds[k + 1])} differs from ${JSON.stringify(builds[0])} at case ${i}: '${lines[i].slice(0, 120)}' vs '${first[i].slice(0, 120)}'`);
      });
      return first;
    },
    dispose(): void {
      for (const d of drivers) d.dispose();
    },
  };
}

/** Accumulates cases in the driver's input format. */
export class CaseWriter {
  private parts: string[] = [];
  count = 0;
  begin(name: string): this {
    this.parts.push(name);
    this.count++;
    return this;
  }
  ints(...v: Array<number | bigint>): this {
    for (const x of v) this.parts.push(String(x));
    return this;
  }
  array(a: ArrayLike<number>): this {
    for (let i = 0; i < a.length; i++) this.parts.push(String(a[i]));
    return this;
  }
  text(): string {
    return this.parts.join(' ') + '\n';
  }
}

/** Formats a kernel output buffer the way the driver prints it. */
export function line(a: ArrayLike<number>): string {
  return Array.from(a).join(' ');
}

/** An output buffer pre-filled like the driver's (each byte SENTINEL_BYTE). */
export function sentinelBuffer<T extends Int8Array | Int16Array>(make: (n: number) => T, n: number): T {
  const a = make(n);
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength).fill(SENTINEL_BYTE);
  return a;
}

/** mulberry32: small, fast, seeded. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)];
  }
  fill<T extends Int8Array | Int16Array | Int32Array | Uint8Array>(a: T, lo: number, hi: number): T {
    for (let i = 0; i < a.length; i++) a[i] = this.int(lo, hi);
    return a;
  }
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
