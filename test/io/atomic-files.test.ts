import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomic } from '../../src/io/atomic-files.ts';

describe('atomic component write', () => {
  it('creates the directory with every file', () => {
    const root = mkdtempSync(join(tmpdir(), 'pe-atomic-'));
    const out = join(root, 'comp');
    writeDirAtomic(out, new Map<string, string | (() => string)>([['a.c', 'int a;'], ['sub/b.h', () => 'int b;']]));
    expect(readFileSync(join(out, 'a.c'), 'utf8')).toBe('int a;');
    expect(readFileSync(join(out, 'sub/b.h'), 'utf8')).toBe('int b;');
    expect(readdirSync(root)).toEqual(['comp']);
  });

  it('replaces an existing component completely (no stale files)', () => {
    const root = mkdtempSync(join(tmpdir(), 'pe-atomic-'));
    const out = join(root, 'comp');
    writeDirAtomic(out, new Map([['old.c', 'x']]));
    writeDirAtomic(out, new Map([['new.c', 'y']]));
    expect(readdirSync(out)).toEqual(['new.c']);
    expect(readdirSync(root)).toEqual(['comp']);
  });

  it('leaves the previous component untouched and no temp dir when producing a file fails', () => {
    const root = mkdtempSync(join(tmpdir(), 'pe-atomic-'));
    const out = join(root, 'comp');
    writeDirAtomic(out, new Map([['keep.c', 'kept']]));
    const failing = new Map<string, string | (() => string)>([
      ['first.c', 'written before the failure'],
      ['second.c', () => { throw new Error('render failed in second.c'); }],
    ]);
    expect(() => writeDirAtomic(out, failing)).toThrow('render failed in second.c');
    expect(readdirSync(out)).toEqual(['keep.c']);
    expect(readFileSync(join(out, 'keep.c'), 'utf8')).toBe('kept');
    expect(readdirSync(root)).toEqual(['comp']);
  });

  it('creates nothing at all when the first write fails', () => {
    const root = mkdtempSync(join(tmpdir(), 'pe-atomic-'));
    const out = join(root, 'fresh');
    expect(() => writeDirAtomic(out, new Map([['x.c', () => { throw new Error('boom'); }]]))).toThrow('boom');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
