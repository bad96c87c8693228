import { describe, expect, it } from 'vitest';
import { NameTable, commentSafe, sanitize } from '../../../src/compiler/emit/names.ts';

describe('C names', () => {
  it('turns ONNX names into valid identifiers', () => {
    expect(sanitize('/layers.0/attn/MatMul_1_output_0')).toBe('layers_0_attn_MatMul_1_output_0');
    expect(sanitize('onnx::MatMul_123')).toBe('onnx_MatMul_123');
    expect(sanitize('123abc')).toBe('n123abc');
    expect(sanitize('__x__')).toBe('x');
    expect(sanitize('///')).toBe('anon');
  });

  it('never gives two names the same identifier and is stable', () => {
    const t = new NameTable();
    const a = t.get('a.b');
    const b = t.get('a/b');
    const c = t.get('a_b');
    expect(new Set([a, b, c]).size).toBe(3);
    expect([a, b, c]).toEqual(['a_b', 'a_b_2', 'a_b_3']);
    expect(t.get('a/b')).toBe(b);
    for (const id of [a, b, c]) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
  });

  it('avoids C keywords and reserved identifiers', () => {
    const t = new NameTable('', ['pose_model_run']);
    expect(t.get('int')).toBe('int_2');
    expect(t.get('static')).toBe('static_2');
    expect(t.get('pose_model_run')).toBe('pose_model_run_2');
    expect(t.get('float')).toBe('float_2');
  });

  it('applies the prefix before the keyword and collision checks', () => {
    const t = new NameTable('pm_');
    expect(t.get('int')).toBe('pm_int');
    expect(t.get('pm int')).toBe('pm_pm_int');
  });

  it('keeps comment text from closing the comment', () => {
    expect(commentSafe('a*/b/*c\nd')).toBe('a* /b/ *c d');
  });
});
