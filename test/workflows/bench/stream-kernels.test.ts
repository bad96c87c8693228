// templates/c/pose_stream.h against its TypeScript mirror (src/compiler/sim/stream.ts) at sizes around the
// kernels' loop boundaries (odd packet lengths, row counts not multiples of four, one-packet windows),
// extreme packet values, constant and 1-LSB-range windows, with and without bias, per-row and per-tensor
// requantization; built -O0 with ASan + UBSan (any overflow in the int32/int64 arithmetic fails) and -O2.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPacket, windowAccumulators } from '../../../src/compiler/sim/stream.ts';
import { quantizeMultiplier, requant, saturate } from '../../../src/compiler/quant/fixed-point.ts';
import { TEMPLATES_DIR } from '../../../src/paths.ts';

const DRIVER = join(import.meta.dirname, 'stream_driver.c');

function build(mode: string[]): string {
  const exe = join(mkdtempSync(join(tmpdir(), 'pose-stream-kernels-')), 'driver');
  execFileSync('gcc', ['-std=c99', ...mode, '-Wall', '-Wextra', '-Werror', `-I${join(TEMPLATES_DIR, 'c')}`, DRIVER, '-o', exe]);
  return exe;
}

/** Seeded xorshift32, so every case is reproducible. */
function rng(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0 || 1;
  return (lo, hi) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (s % (hi - lo + 1));
  };
}

interface Case {
  text: string;
  expected: number[];
}

function packWeights(rows: Int32Array[], bits: 4 | 8): number[] {
  const out: number[] = [];
  for (const r of rows) {
    if (bits === 8) for (const w of r) out.push(w & 255);
    else for (let i = 0; i < r.length; i += 2) out.push((r[i] & 15) | (i + 1 < r.length ? (r[i + 1] & 15) << 4 : 0));
  }
  return out;
}

function projectCase(rand: ReturnType<typeof rng>, bits: 4 | 8, inF: number, out: number, extreme: boolean): { c: Case; rows: Int32Array[] } {
  const lim = bits === 4 ? 8 : 128;
  const rows = Array.from({ length: out }, () => Int32Array.from({ length: inF }, () => (extreme ? -lim : rand(-lim, lim - 1))));
  const x = Array.from({ length: inF }, (_, i) => (extreme ? (i % 2 ? 32767 : -32768) : rand(-32768, 32767)));
  const s = new Int32Array(out);
  projectPacket(rows, x, s);
  return { c: { text: `${bits === 4 ? 1 : 2} ${inF} ${out}\n${x.join(' ')}\n${packWeights(rows, bits).join(' ')}\n`, expected: Array.from(s) }, rows };
}

function windowCase(rand: ReturnType<typeof rng>, o: { P: number; out: number; inF: number; bits: 4 | 8; qmax: number; perRow: boolean; bias: boolean; ybits: 8 | 16; range: 'random' | 'zero' | 'one' | 'full' }): Case {
  const lim = o.bits === 4 ? 8 : 128;
  const rows = Array.from({ length: o.out }, () => Int32Array.from({ length: o.inF }, () => rand(-lim, lim - 1)));
  const base = rand(-2000, 2000);
  const packets = Array.from({ length: o.P }, (_, p) => Array.from({ length: o.inF }, (_, i) => {
    if (o.range === 'zero') return base;
    if (o.range === 'one') return base + ((i + p) % 2);
    if (o.range === 'full') return (i + p) % 3 === 0 ? -32768 : (i + p) % 3 === 1 ? 32767 : rand(-32768, 32767);
    return rand(-3000, 3000);
  }));
  const ring = packets.map((x) => {
    const s = new Int32Array(o.out);
    projectPacket(rows, x, s);
    return s;
  });
  const pmin = packets.map((x) => Math.min(...x));
  const pmax = packets.map((x) => Math.max(...x));
  const rowSums = rows.map((r) => r.reduce((a, b) => a + b, 0));
  // int16 biases times 2^biasShift (up to 2^4: values up to ~5e5, as a shifted bias can be)
  const biasShift = rand(0, 4);
  const b16 = o.bias ? Array.from({ length: o.out }, () => rand(-32768, 32767)) : null;
  const bias = b16 ? b16.map((v) => v * 2 ** biasShift) : null;
  const nq = o.perRow ? o.out : 1;
  const q = Array.from({ length: nq }, () => quantizeMultiplier(rand(1, 4000) / 1e6));
  const first = rand(0, o.P - 1);
  // The kernel reads token t from slot (first + t) % P: store the packets rotated by `first`.
  const slots: Int32Array[] = new Array(o.P);
  const smin: number[] = new Array(o.P);
  const smax: number[] = new Array(o.P);
  for (let t = 0; t < o.P; t++) {
    slots[(first + t) % o.P] = ring[t];
    smin[(first + t) % o.P] = pmin[t];
    smax[(first + t) % o.P] = pmax[t];
  }
  const acc = windowAccumulators(ring, pmin, pmax, o.qmax, rowSums, bias);
  const [lo, hi] = o.ybits === 8 ? [-128, 127] : [-32768, 32767];
  const outMin = o.range === 'random' && o.bias ? 0 : lo; // 0: a fused ReLU
  const expected = acc.flatMap((a) => Array.from(a, (v, k) => saturate(requant(v, q[o.perRow ? k : 0].mult, q[o.perRow ? k : 0].shift), outMin, hi)));
  const text = [
    `3 ${o.P} ${o.out} ${first} ${o.qmax} ${o.perRow ? 1 : 0} ${o.bias ? 1 : 0} ${biasShift} ${outMin} ${hi} ${o.ybits}`,
    slots.flatMap((s) => Array.from(s)).join(' '), smin.join(' '), smax.join(' '), rowSums.join(' '),
    ...(b16 ? [b16.join(' ')] : []), q.map((x) => x.mult).join(' '), q.map((x) => x.shift).join(' '),
  ].join('\n');
  return { text: `${text}\n`, expected };
}

function cases(): Case[] {
  const rand = rng(20261129);
  const out: Case[] = [];
  for (const bits of [4, 8] as const) {
    for (const [inF, n] of [[1, 1], [2, 3], [3, 4], [7, 5], [8, 7], [9, 9], [342, 64], [343, 67]]) {
      out.push(projectCase(rand, bits, inF, n, false).c);
      out.push(projectCase(rand, bits, inF, n, true).c);
    }
  }
  for (const range of ['random', 'zero', 'one', 'full'] as const) {
    for (const [P, n, inF, bits, qmax, ybits] of [[1, 1, 3, 4, 127, 16], [3, 5, 9, 8, 32767, 16], [10, 6, 342, 4, 127, 16], [10, 4, 342, 8, 32767, 8]] as const) {
      for (const perRow of [false, true]) {
        out.push(windowCase(rand, { P, out: n, inF, bits, qmax, perRow, bias: perRow, ybits, range }));
      }
    }
  }
  return out;
}

describe('pose_stream.h kernels vs the TypeScript mirror', () => {
  const all = cases();
  const input = all.map((c) => c.text).join('');
  for (const [name, mode] of [['-O0 ASan+UBSan', ['-O0', '-fsanitize=undefined,address', '-fno-sanitize-recover=all']], ['-O2', ['-O2']]] as const) {
    it(`${all.length} cases, ${name}`, () => {
      const lines = execFileSync(build([...mode]), [], { input, encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
      lines.pop();
      expect(lines).toHaveLength(all.length);
      all.forEach((c, i) => expect(lines[i].split(' ').map(Number), `case ${i}: ${c.text.split('\n')[0]}`).toEqual(c.expected));
    });
  }
});
