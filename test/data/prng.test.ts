// The simulator's generator against the published xoshiro128** compiled from C (the independent oracle),
// plus the statistics the simulator relies on (uniform range, normal mean and variance).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, mixSeed } from '../../src/data/csisim/prng.ts';

const ORACLE_SRC = join(import.meta.dirname, 'fixtures', 'xoshiro128ss.c');

describe('Rng', () => {
  it('produces the same 32-bit stream as the reference C xoshiro128** for several seeds', () => {
    const exe = join(mkdtempSync(join(tmpdir(), 'xoshiro-')), 'xoshiro');
    execFileSync('gcc', ['-O1', '-o', exe, ORACLE_SRC]);
    const seeds = [0, 1, 123456789, 4294967295];
    const lines = execFileSync(exe, seeds.map(String), { encoding: 'utf8' }).trim().split('\n');
    seeds.forEach((seed, i) => {
      const r = new Rng(seed);
      const ours = Array.from({ length: 8 }, () => r.nextU32());
      expect(ours.join(' ')).toBe(lines[i]);
    });
  });

  it('draws uniforms in [lo, hi) and standard normals with mean 0 and variance 1', () => {
    const r = new Rng(7);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 10000; i++) {
      const u = r.uniform(2, 3);
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThanOrEqual(2);
    expect(hi).toBeLessThan(3);
    let s = 0;
    let s2 = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; bounds are ~4.5 sigma.
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
  });

  it('picks indices in proportion to their weights and never a zero-weight one', () => {
    const r = new Rng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.pick([1, 0, 3])]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(2.7);
    expect(counts[2] / counts[0]).toBeLessThan(3.3);
  });

  it('mixSeed separates seeds that differ in any part or in the order of parts', () => {
    const seen = new Set<number>();
    for (let a = 0; a < 50; a++) for (let b = 0; b < 50; b++) seen.add(mixSeed(0x74657374, a, b));
    expect(seen.size).toBe(2500);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });
});
