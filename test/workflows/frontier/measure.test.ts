// What bench/frontier.ts refuses before measuring anything, with messages that say what to do, and the
// parameter count it reports (PyTorch's: the ONNX float values minus the fixed skeleton adjacency).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MODELS_DIR, REPO_ROOT } from '../../../src/paths.ts';
import { measureFrontier, parameterCount, sizeFiles } from '../../../src/workflows/frontier/measure.ts';

const execFileP = promisify(execFile);

describe('frontier measurement', () => {
  it('parameter counts are PyTorch\'s (docs/model.md): micro 75,253 (its 289 adjacency values excluded), nano 40,851', () => {
    expect(parameterCount(sizeFiles('micro').fp32Onnx)).toBe(75_253);
    expect(parameterCount(sizeFiles('nano').qatOnnx)).toBe(40_851);
  });

  it('a reproduced size whose files are missing is refused before anything runs, naming the files and the command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pe-frontier-models-'));
    mkdirSync(join(dir, 'tiny'));
    writeFileSync(join(dir, 'tiny', 'tiny.onnx'), 'not used');
    await expect(measureFrontier({ sizes: ['nano', 'tiny'], modelsDir: dir, runs: 1, countWindows: 1, sources: 'test' })).rejects.toThrow(
      /^nano: missing .*nano_fp32\.onnx.*\(they are bundled with the repository\)$/,
    );
    await expect(measureFrontier({ sizes: ['tiny'], modelsDir: dir, runs: 1, countWindows: 1, sources: 'test' })).rejects.toThrow(
      /^tiny: missing .*tiny_fp32\.onnx, .*pose_tiny_int8\.npz, .*pose_tiny_int4\.npz \(they are not committed: run `reference\/make_models\.sh frontier` \(or SIZES=tiny reference\/make_models\.sh frontier\), or pass --sizes without tiny\)$/,
    );
    expect(MODELS_DIR).not.toBe(dir);
  });

  it('bench/frontier.ts: an unknown --sizes or a bad --runs exits 1 with the reason', async () => {
    const run = (args: string[]) => execFileP('npx', ['tsx', 'bench/frontier.ts', ...args], { cwd: REPO_ROOT }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    const sizes = await run(['--sizes', 'micro,huge', '--stdout']);
    expect(sizes.code).toBe(1);
    expect(sizes.stderr).toContain('frontier: --sizes: unknown size huge; the sizes are nano, micro, tiny, small, base');
    const runs = await run(['--runs', '0', '--stdout']);
    expect(runs.code).toBe(1);
    expect(runs.stderr).toContain('frontier: --runs must be a positive integer, got 0');
  });
});
