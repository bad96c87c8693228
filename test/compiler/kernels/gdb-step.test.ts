// The node's kernels are plain functions a debugger can step through: gdb_step.c (one call of
// pk_linear_w4_i16_i16) built for rv32imc at -O0 -g, run under qemu-riscv32's gdb stub, stops at a breakpoint
// on the kernel's name and steps on the source lines of kernels/pk_linear_w4_i16_rv32.inc, with the
// kernel's locals in view. The recipe is in templates/c/kernels/README.md. Needs gdb-multiarch.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FIRMWARE_DIR } from '../../../src/paths.ts';
import { HEADER_DIR } from './harness.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pose-kernels-gdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INC = 'pk_linear_w4_i16_rv32.inc';

/** 1-based number of the first line of `file` (in templates/c/kernels) containing `text` after the line containing `after`. */
function lineOf(file: string, after: string, text: string): number {
  const lines = readFileSync(join(HEADER_DIR, 'kernels', file), 'utf8').split('\n');
  const i = lines.findIndex((l, k) => k > lines.findIndex((m) => m.includes(after)) && l.includes(text));
  if (i < 0) throw new Error(`${file} has no line with '${text}' after '${after}'`);
  return i + 1;
}

async function waitFor(path: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`qemu-riscv32 did not open its gdb socket ${path} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rv32 kernels in gdb', () => {
  it('pk_linear_w4_i16_i16: a breakpoint on its name, steps on the lines of its .inc, its locals', async () => {
    const elf = join(dir, 'gdb_step.elf');
    execFileSync('riscv64-unknown-elf-gcc', [
      '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-O0', '-g', '-std=c99', '-Wall', '-Wextra', '-Werror',
      '-static', '-nostartfiles',
      '-Wl,--defsym=__flash=0x10000000,--defsym=__flash_size=0x1000000,--defsym=__ram=0x20000000,--defsym=__ram_size=0x1000000',
      `-I${HEADER_DIR}`, join(FIRMWARE_DIR, 'linux', 'rv32', 'start.S'), join(import.meta.dirname, 'gdb_step.c'), '-o', elf,
    ]);
    const sock = join(dir, 'gdb.sock');
    const qemu = spawn('qemu-riscv32', ['-g', sock, elf], { stdio: 'ignore' });
    try {
      await waitFor(sock, 10_000);
      const fn = 'static inline PK_SPECIALIZE PK_IRAM void PK_FN(';
      const first = lineOf(INC, fn, 'const int32_t row_bytes = (in + 1) >> 1, pairs = in >> 1;');
      const pair = lineOf(INC, fn, 'PK_W4_I16_PAIR(PK_TOK2_COL10, i, 0);');
      const cmds = [
        `target remote ${sock}`, 'break pk_linear_w4_i16_i16', 'continue', 'step', 'step', 'step',
        `break ${INC}:${pair}`, 'continue', 'print t', 'print i', 'print a00_0', 'print t10', 'next', 'delete', 'continue',
      ];
      const { stdout } = await run('gdb-multiarch', ['-batch', '-nx', ...cmds.flatMap((c) => ['-ex', c]), elf], { timeout: 60_000 });
      // the breakpoint on the kernel's name stops on its first line, in the .inc, with its arguments
      expect(stdout).toMatch(new RegExp(`Breakpoint 1, pk_linear_w4_i16_i16 \\(.*\\bin=64, T=10,.*\\) at \\S*kernels/${INC}:${first}\\n`));
      // each step goes to a later source line of the function, before the hot loop
      const steps = [...stdout.slice(stdout.indexOf('Breakpoint 1, ')).matchAll(/^(\d+)\t/gm)].map((m) => Number(m[1]));
      expect(steps[0]).toBe(first);
      for (let k = 1; k < 4; k++) expect(steps[k] > steps[k - 1] && steps[k] < pair, `step ${k}: line ${steps[k]}`).toBe(true);
      // the breakpoint on a line of the hot loop, with the block's locals: token 0, input pair 0, the row's bias
      expect(stdout).toMatch(new RegExp(`Breakpoint 2, pk_linear_w4_i16_i16 \\(.*\\) at \\S*kernels/${INC}:${pair}\\n`));
      expect(stdout).toMatch(/\$1 = 0\n\$2 = 0\n\$3 = 100\n\$4 = 10\n/);
      expect(steps).toContain(pair + 1);
      expect(stdout).toMatch(/\[Inferior 1 \(process \d+\) exited (normally|with code \d+)\]/);
    } finally {
      qemu.kill();
    }
  });
});
