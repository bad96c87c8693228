import { describe, expect, it } from 'vitest';
import { dequantizeOutput, quantizeInput, quantizeInputValue } from '../../src/compiler/io-format.ts';

describe('io-format', () => {
  it('rounds halves away from zero at the given fraction bits', () => {
    // 2^-9 is exactly half an LSB at 8 fraction bits.
    expect(quantizeInputValue(1 + 2 ** -9, 8)).toBe(257);
    expect(quantizeInputValue(1 + 2 ** -10, 8)).toBe(256);
    expect(quantizeInputValue(-(1 + 2 ** -9), 8)).toBe(-257);
    expect(quantizeInputValue(0.75, 2)).toBe(3);
  });

  it('saturates to int16 and maps NaN/Inf to 0', () => {
    const q = quantizeInput([1e9, -1e9, NaN, Infinity, -Infinity, 127.99], 8);
    expect(Array.from(q)).toEqual([32767, -32768, 0, 0, 0, 32765]);
  });

  it('dequantizes by 2^-fracBits and round-trips every representable value', () => {
    const ints = Int16Array.from([-32768, -1, 0, 1, 4096, 32767]);
    const f = dequantizeOutput(ints, 12);
    expect(Array.from(f)).toEqual([-8, -1 / 4096, 0, 1 / 4096, 1, 32767 / 4096]);
    expect(Array.from(quantizeInput(f, 12))).toEqual(Array.from(ints));
  });

  it('rejects fraction bits outside 0..15', () => {
    expect(() => quantizeInput([1], 16)).toThrow(/fraction bits must be an integer in 0..15, got 16/);
    expect(() => dequantizeOutput([1], -1)).toThrow(/got -1/);
  });
});
