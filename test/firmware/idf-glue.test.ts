// The ESP-IDF glue (firmware/main) cannot be built here (no ESP-IDF toolchain); this compiles it for
// rv32imc against hand-written signature stubs of the v5.x API (firmware/linux/idf-stubs) in both modes, so
// typos and type errors in the glue fail the tests. It does not prove the firmware links or runs.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR } from '../../src/paths.ts';
import { PLACEHOLDER_MODEL_DIR } from '../../src/host/virtual-node.ts';

const execFileP = promisify(execFile);

describe('ESP-IDF glue', () => {
  it.each([
    ['replay', []],
    ['live', ['-DCONFIG_POSE_EDGE_MODE_LIVE=1']],
  ] as const)('compiles with -Wall -Wextra -Werror in %s mode', async (_mode, defs) => {
    for (const f of ['app_main.c', 'csi_capture.c', 'uart_link.c']) {
      const args = [
        '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-std=gnu11', '-Wall', '-Wextra', '-Werror', ...defs,
        `-I${join(FIRMWARE_DIR, 'linux', 'idf-stubs')}`, `-I${join(FIRMWARE_DIR, 'core')}`, `-I${PLACEHOLDER_MODEL_DIR}`, `-I${join(FIRMWARE_DIR, 'main')}`,
        '-c', join(FIRMWARE_DIR, 'main', f), '-o', '/dev/null',
      ];
      const r = await execFileP('riscv64-unknown-elf-gcc', args).then(() => 'ok', (e: { stderr: string }) => e.stderr);
      expect(r, f).toBe('ok');
    }
  });
});
