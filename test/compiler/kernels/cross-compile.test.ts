// The kernel header must build warning-free (-std=c99 -Wall -Wextra -Werror -pedantic) on the host gcc
// and clang, on riscv64-unknown-elf-gcc for the ESP32-C3 ISA (rv32imc) and on xtensa-lx106-elf-gcc, with
// every kernel instantiated (instantiate.c). The rv32 object must need no soft-float helper: the kernels
// are integer-only (the C3 has no FPU), which a stray float or double would silently break.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEADER_DIR } from './harness.ts';

// instantiate.c: every kernel with run-time arguments; instantiate_const.c: every kernel once with the
// constant arguments generated code passes (gcc specializes it, and some warnings only appear then).
const SOURCES = ['instantiate.c', 'instantiate_const.c'].map((f) => join(import.meta.dirname, f));
const WARN = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', `-I${HEADER_DIR}`, '-c'];
// Each target at the optimization the project builds it with (some warnings only appear when
// optimizing): rv32imc -O2 (bench/rv32-count.ts, virtual-node recipe), xtensa -Os (the ESP-IDF-like size
// build); the host compilers at -O0 to keep the suite fast (the -O2 host build is the driver of
// linear.test.ts, also under -Werror).
const O2 = '-O2';
const OS = '-Os';
const O0 = '-O0';
const dir = mkdtempSync(join(tmpdir(), 'pose-kernels-cc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = promisify(execFile);

// The four builds run concurrently (2 cores; each is a few seconds at -O2).
async function compile(cc: string, flags: string[], obj: string): Promise<string[]> {
  return Promise.all(
    SOURCES.map(async (src, i) => {
      const out = join(dir, `${i}-${obj}`);
      await run(cc, [...flags, ...WARN, src, '-o', out]);
      return out;
    }),
  );
}

describe.concurrent('pose_kernels.h compiles warning-free everywhere', () => {
  it('host gcc', async () => {
    await compile('gcc', [O0], 'host-gcc.o');
  });
  it('host clang', async () => {
    await compile('clang', [O0], 'host-clang.o');
  });
  it('riscv64-unknown-elf-gcc rv32imc, with no soft-float helper referenced', async () => {
    const objs = await compile('riscv64-unknown-elf-gcc', [O2, '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs'], 'rv32.o');
    const undef = execFileSync('riscv64-unknown-elf-nm', ['-u', ...objs], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter(Boolean);
    // 64-bit integer helpers (__udivdi3 for the per-row reciprocals) are expected; float ones are not.
    expect(undef.filter((s) => /^__.*(sf|df|sf2|df2|si[sd]f|[sd]fsi)\d?$/.test(s) || /float|double/.test(s))).toEqual([]);
  });
  it('each kernels/pk_<op>.h compiles on its own, in both host forms', async () => {
    const kernels = join(HEADER_DIR, 'kernels');
    // the target forms (pk_<op>_rv32.h, _x86.h, _avx2.h and pk_avx2.h) are parts of their op's header
    const headers = readdirSync(kernels).filter((f) => /^pk_\w+\.h$/.test(f) && !/_(rv32|x86|avx2)\.h$/.test(f));
    expect(headers).toContain('pk_linear.h');
    await Promise.all(headers.flatMap((h) => [[], ['-DPK_NO_HOST_VEC']].map((d) =>
      run('gcc', ['-std=c99', '-pedantic', '-Wall', '-Wextra', '-Werror', ...d, '-fsyntax-only', '-include', join(kernels, h), '-x', 'c', '/dev/null']))));
  });
  it('xtensa-lx106-elf-gcc', async () => {
    // This bare toolchain ships no libc: -ffreestanding makes <stdint.h> gcc's own.
    await compile('xtensa-lx106-elf-gcc', [OS, '-mlongcalls', '-ffreestanding'], 'xtensa.o');
  });
});
