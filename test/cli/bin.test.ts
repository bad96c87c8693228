// Runs the installed entry point as a user would (node + tsx loader), not buildProgram() in-process:
// module-format problems (e.g. a CommonJS package imported by name) only show up this way.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pose-edge.mjs', import.meta.url));

describe('bin/pose-edge.mjs', () => {
  it('lists every subcommand in --help', () => {
    const out = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    for (const cmd of ['compile', 'eval', 'flash', 'stream', 'view', 'parity', 'node', 'synth', 'bench', 'demo']) {
      expect(out).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
  });

  it('runs eval end to end through the real loader and prints the JSON contract', () => {
    const out = execFileSync(process.execPath, [BIN, 'eval', '--json'], { encoding: 'utf8' });
    const r = JSON.parse(out) as Record<string, unknown>;
    for (const k of ['samples', 'pck20', 'mpjpe', 'perKeypointPck20', 'meanPosePck20']) expect(r).toHaveProperty(k);
    expect(r.samples).toBe(512);
  });

  it('exits non-zero with one clear line for a missing model file', () => {
    const r = spawnSync(process.execPath, [BIN, 'eval', '--model', '/nonexistent/m.onnx'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe('pose-edge: /nonexistent/m.onnx: no such file or directory (ONNX model)');
  });
});
