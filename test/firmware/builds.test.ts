// The C side under every build the node's code goes through: the golden-frame checker (gcc, and clang
// with ASan + UBSan), the batch program under sanitizers over the whole test set, the rv32imc build under
// qemu-riscv32 (bit-exact with the host build; instruction counting checked against qemu's single-step
// count), the Xtensa compile, and a short libFuzzer run of the frame decoder.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildFirmwareProgram, PLACEHOLDER_MODEL_DIR, readModelHeader } from '../../src/host/virtual-node.ts';
import { countInstructions, sectionSizes, xtensaObjects } from '../../src/workflows/bench/rv32-count.ts';
import { REPO_ROOT } from '../../src/paths.ts';
import { GOLDEN_PATH } from './golden.ts';
import { packWindows, run, tempBuildDir, testWindows, snapshotModelDir } from './helpers.ts';

const execFileP = promisify(execFile);
const buildDir = tempBuildDir('builds');
const modelDir = snapshotModelDir(buildDir);
const header = readModelHeader(modelDir);

describe('golden frames in C', () => {
  it.each(['host', 'sanitize'] as const)('the C codec reproduces every golden vector (%s build)', async (target) => {
    const exe = await buildFirmwareProgram({ program: 'golden-test', target, modelDir, buildDir });
    const r = await run(exe, [GOLDEN_PATH], Buffer.alloc(0));
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toMatch(/^golden: \d{2,} checks, 0 failures$/m);
    expect(r.code).toBe(0);
  });
});

describe('sanitizers', () => {
  it('core + model under ASan + UBSan over the whole test set: no report, same outputs as the plain build', async () => {
    const { windows, source } = testWindows(100_000, header.inputFracBits);
    expect(source).toMatch(/test_X\.npy$/);
    const input = packWindows(windows);
    const [plain, asan] = await Promise.all([
      buildFirmwareProgram({ program: 'batch', target: 'host', modelDir, buildDir }),
      buildFirmwareProgram({ program: 'batch', target: 'sanitize', modelDir, buildDir }),
    ]);
    const [a, b] = await Promise.all([run(plain, [], input), run(asan, [], input)]);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout.length).toBe(windows.length * 68);
    expect(b.stdout.equals(a.stdout)).toBe(true);
  });

  it('the virtual node under ASan + UBSan on every golden stream and the replayed windows: no report', async () => {
    const exe = await buildFirmwareProgram({ program: 'virtual-node', target: 'sanitize', modelDir, buildDir });
    const { readGolden } = await import('./golden.ts');
    const g = readGolden();
    const { encodeMessage } = await import('../../src/host/protocol/index.ts');
    const { windows } = testWindows(8, header.inputFracBits);
    const bytes = Buffer.concat([
      ...g.streams.flatMap((s) => s.chunks),
      ...g.frames.map((f) => f.wire),
      ...windows.map((w, i) => encodeMessage({ type: 'CSI_WINDOW', windowSeq: i, window: w }, i)),
      encodeMessage({ type: 'GET_STATS' }, 99),
    ]);
    const r = await run(exe, ['--stdio'], bytes);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(windows.length * 80);
  });
});

describe('rv32imc under qemu-riscv32', () => {
  it('outputs equal the host build bit for bit on test windows', async () => {
    const { windows } = testWindows(32, header.inputFracBits);
    const input = packWindows(windows);
    const host = await buildFirmwareProgram({ program: 'batch', target: 'host', modelDir, buildDir });
    const rv32 = await buildFirmwareProgram({ program: 'batch', target: 'rv32', modelDir, buildDir });
    const [a, b] = await Promise.all([run(host, [], input), run('qemu-riscv32', [rv32], input)]);
    expect(b.code).toBe(0);
    expect(b.stdout.length).toBe(windows.length * 68);
    expect(b.stdout.equals(a.stdout)).toBe(true);
  });

  it('block-log instruction counting equals qemu single-step counting', async () => {
    // The placeholder model keeps the single-step log small; the method, not the model, is under test.
    const rv32 = await buildFirmwareProgram({ program: 'batch', target: 'rv32', modelDir: PLACEHOLDER_MODEL_DIR, buildDir });
    const input = packWindows(testWindows(1, 8).windows);
    const [blocks, steps, empty] = await Promise.all([
      countInstructions(rv32, input, 'blocks'),
      countInstructions(rv32, input, 'singlestep'),
      countInstructions(rv32, Buffer.alloc(0), 'blocks'),
    ]);
    expect(blocks.instructions).toBe(steps.instructions);
    expect(blocks.stdout.length).toBe(68);
    // The placeholder does 116280 MACs in a loop of a few instructions each.
    const perInference = blocks.instructions - empty.instructions;
    expect(perInference / readModelHeader(PLACEHOLDER_MODEL_DIR).macs).toBeGreaterThan(2);
    expect(empty.instructions).toBeLessThan(1000);
  });
});

describe('xtensa-lx106', () => {
  it('core + model compile with -mlongcalls -Werror and have code', async () => {
    const objs = await xtensaObjects(modelDir, join(buildDir, 'xtensa'));
    const sizes = await sectionSizes('xtensa-lx106-elf-size', objs);
    expect(sizes['.text']).toBeGreaterThan(1000);
    const { stdout } = await execFileP('xtensa-lx106-elf-objdump', ['-f', objs[0]]);
    expect(stdout).toMatch(/elf32-xtensa-le/);
  });
});

describe('fuzzing', () => {
  it('bench/fuzz-protocol.sh runs the decoder fuzz target briefly without a finding', async () => {
    const script = join(REPO_ROOT, 'bench', 'fuzz-protocol.sh');
    expect(existsSync(script)).toBe(true);
    const { stdout } = await execFileP(script, ['3'], { env: { ...process.env, FUZZ_BUILD_DIR: join(buildDir, 'fuzz') }, maxBuffer: 64 << 20 });
    const runs = Number(/stat::number_of_executed_units:\s+(\d+)/.exec(stdout)?.[1]);
    expect(runs).toBeGreaterThan(1000);
    expect(stdout).not.toMatch(/ERROR|SUMMARY/);
  });
});
