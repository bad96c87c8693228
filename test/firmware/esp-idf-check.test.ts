// The ESP-IDF glue (firmware/main/*.c) against the real ESP-IDF v5.5.5 headers, Kconfig and warning policy:
// ../shared/esp-idf-check/check_firmware.sh (its README; CI has ../shared beside the clone) for the ESP32-C3,
// ESP32-C6 (Wi-Fi 6: the other CSI config and rx_ctrl) and ESP32-S3, in replay mode (the project's
// sdkconfig.defaults) and in live mode (the same plus CONFIG_POSE_EDGE_MODE_LIVE=y, in a copy of the project
// whose folders link to the real ones). Each run is made twice: as written in the README (-fsyntax-only) and with
// --codegen (the -Og optimizer's warnings, which -Werror turns into errors in a real build). It proves the glue
// compiles for each chip as `idf.py build` would compile it; it cannot prove it links or runs.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR, REPO_ROOT } from '../../src/paths.ts';

const execFileP = promisify(execFile);
const CHECK_DIR = join(REPO_ROOT, '..', 'shared', 'esp-idf-check');
const TARGETS = ['esp32c3', 'esp32c6', 'esp32s3'] as const;
const MAIN_SOURCES = readdirSync(join(FIRMWARE_DIR, 'main')).filter((f) => f.endsWith('.c')).sort();

/** The project as a live-mode build sees it: main/, core/, components/ linked, sdkconfig.defaults + live mode. */
function liveProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pose-edge-live-fw-'));
  for (const d of ['main', 'core', 'components']) symlinkSync(join(FIRMWARE_DIR, d), join(dir, d));
  writeFileSync(join(dir, 'sdkconfig.defaults'), `${readFileSync(join(FIRMWARE_DIR, 'sdkconfig.defaults'), 'utf8')}\nCONFIG_POSE_EDGE_MODE_LIVE=y\n`);
  return dir;
}
const PROJECTS = { replay: FIRMWARE_DIR, live: liveProject() };

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return execFileP(cmd, args, { maxBuffer: 16 << 20, timeout: 120_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

describe('esp-idf-check', () => {
  it(`is beside the clone (${CHECK_DIR})`, () => {
    expect(existsSync(join(CHECK_DIR, 'check_firmware.sh')), `${CHECK_DIR}/check_firmware.sh is missing: CI checks out ../shared beside the clone`).toBe(true);
  });

  it('catches mistakes (its own self-test: a good probe passes, a bad one fails three ways)', async () => {
    const r = await run('bash', [join(CHECK_DIR, 'check_glue.sh'), '--target', 'esp32c6', '--selftest']);
    expect(r.out).toMatch(/^selftest: ok {3}good.c passes$/m);
    expect(r.out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.out.match(/^selftest: ok {3}bad.c fails with/gm)).toHaveLength(3);
    expect(r.code).toBe(0);
  }, 120_000);

  it('live mode is what the live project configures (CONFIG_POSE_EDGE_MODE_LIVE in its sdkconfig.h)', async () => {
    const kc = ['--projbuild', join(FIRMWARE_DIR, 'main', 'Kconfig.projbuild')];
    const gen = (dir: string) =>
      run('/usr/bin/python3', [join(CHECK_DIR, 'gen_sdkconfig.py'), '--target', 'esp32c6', ...kc, '--defaults', join(dir, 'sdkconfig.defaults'), 'IDF_TARGET=esp32c6']);
    const live = await gen(PROJECTS.live);
    expect(live.out).toMatch(/^#define CONFIG_POSE_EDGE_MODE_LIVE 1$/m);
    const replay = await gen(PROJECTS.replay);
    expect(replay.out).toMatch(/^#define CONFIG_POSE_EDGE_MODE_REPLAY 1$/m);
    expect(replay.out).not.toMatch(/CONFIG_POSE_EDGE_MODE_LIVE 1/);
  }, 120_000);

  describe.each(TARGETS)('%s', (target) => {
    it.each([
      ['replay', []],
      ['replay', ['--codegen']],
      ['live', []],
      ['live', ['--codegen']],
    ] as const)('%s mode %j: every main/*.c compiles without a warning', async (mode, extra) => {
      const r = await run('bash', [join(CHECK_DIR, 'check_firmware.sh'), '--target', target, ...extra, PROJECTS[mode]]);
      for (const f of MAIN_SOURCES) expect(r.out).toContain(`OK   ${join(PROJECTS[mode], 'main', f)}\n`);
      expect(r.out).not.toMatch(/warning|FAIL|error/i);
      expect(r.code, r.out).toBe(0);
    }, 120_000);
  });
});
