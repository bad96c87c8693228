// The output-path rules on their own: what a command may write over, and the message for what it may not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkDistinctOutputs, checkOutputDir, checkOutputFile, realLocation } from '../../src/io/output-paths.ts';
import { REPO_ROOT } from '../../src/paths.ts';

let sandbox: string;
const startCwd = process.cwd();

beforeAll(() => {
  sandbox = realLocation(mkdtempSync(join(tmpdir(), 'pe-outpaths-')));
});
afterEach(() => process.chdir(startCwd));
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

describe('checkOutputFile', () => {
  it('refuses an empty path, as an unset shell variable gives', () => {
    for (const p of ['', '   ', undefined]) {
      expect(() => checkOutputFile(p, { flag: '--out' })).toThrow(/^--out '.*': an empty path \(an unset shell variable\?\); name the file or directory to write$/);
    }
  });

  it('refuses /, the working directory, its parents and the project root', () => {
    const work = join(sandbox, 'work', 'deep');
    mkdirSync(work, { recursive: true });
    process.chdir(work);
    expect(() => checkOutputFile('/', { flag: '--out' })).toThrow('--out /: is the root directory; refusing to write there');
    expect(() => checkOutputFile('.', { flag: '--out' })).toThrow(`--out . (${work}): is the working directory; refusing to write over it`);
    expect(() => checkOutputFile('..', { flag: '--out' })).toThrow(`--out .. (${dirname(work)}): is a parent of the working directory; refusing to write over it`);
    expect(() => checkOutputDir(REPO_ROOT, { flag: '--out' })).toThrow(/: is the pose-edge project root; refusing to write over it$/);
    expect(() => checkOutputDir(dirname(REPO_ROOT), { flag: '--out' })).toThrow(/: contains the pose-edge project root; refusing to write over it$/);
  });

  it('refuses an input of the command, also through a symbolic or a hard link', () => {
    const input = join(sandbox, 'rec.pestrm');
    writeFileSync(input, 'recording');
    symlinkSync(input, join(sandbox, 'alias.pestrm'));
    linkSync(input, join(sandbox, 'hard.pestrm'));
    for (const out of [input, join(sandbox, 'alias.pestrm'), join(sandbox, 'hard.pestrm'), join(sandbox, '.', 'x', '..', 'rec.pestrm')]) {
      expect(() => checkOutputFile(out, { flag: '--npy', inputs: [input] })).toThrow(`: is also an input of this command (${input}); refusing to overwrite it`);
    }
  });

  it('refuses a directory, a dangling link, a missing directory and a non-regular file', () => {
    expect(() => checkOutputFile(sandbox, { flag: '--out' })).toThrow(`--out ${sandbox}: is a directory; name a file to write`);
    symlinkSync(join(sandbox, 'nowhere', 'x'), join(sandbox, 'dangling'));
    expect(() => checkOutputFile(join(sandbox, 'dangling'), { flag: '--out' })).toThrow(
      `--out ${join(sandbox, 'dangling')}: is a symbolic link to ${join(sandbox, 'nowhere', 'x')}, which does not exist; refusing to write through it`,
    );
    expect(() => checkOutputFile(join(sandbox, 'missing', 'x.npy'), { flag: '--out' })).toThrow(`the directory ${join(sandbox, 'missing')} does not exist`);
    writeFileSync(join(sandbox, 'plain'), '');
    expect(() => checkOutputFile(join(sandbox, 'plain', 'x.npy'), { flag: '--out' })).toThrow(`${join(sandbox, 'plain')} is not a directory`);
    expect(() => checkOutputFile('/dev/null', { flag: '--out' })).toThrow('--out /dev/null: is not a regular file; refusing to write to it');
  });

  it('accepts a new or existing regular file in a writable directory', () => {
    expect(checkOutputFile(join(sandbox, 'new.npy'), { flag: '--out' })).toBe(join(sandbox, 'new.npy'));
    writeFileSync(join(sandbox, 'old.npy'), 'x');
    expect(checkOutputFile(join(sandbox, 'old.npy'), { flag: '--out' })).toBe(join(sandbox, 'old.npy'));
  });
});

describe('checkOutputDir', () => {
  it('refuses a file where a directory is wanted and a directory that holds an input', () => {
    writeFileSync(join(sandbox, 'afile'), '');
    expect(() => checkOutputDir(join(sandbox, 'afile'), { flag: '--out' })).toThrow('exists and is not a directory; refusing to replace it');
    const dir = join(sandbox, 'withinput');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.onnx'), '');
    expect(() => checkOutputDir(dir, { flag: '--out', inputs: [join(dir, 'model.onnx')] })).toThrow(`holds an input of this command (${join(dir, 'model.onnx')})`);
  });

  it('accepts a directory to be created under an existing one', () => {
    expect(checkOutputDir(join(sandbox, 'a', 'b', 'c'), { flag: '--out' })).toBe(join(sandbox, 'a', 'b', 'c'));
  });
});

describe('checkDistinctOutputs', () => {
  it('refuses two outputs that are the same file', () => {
    expect(() => checkDistinctOutputs([['--npy', join(sandbox, 'x.npy')], ['--keypoints', join(sandbox, '.', 'x.npy')]])).toThrow(
      `--keypoints ${join(sandbox, '.', 'x.npy')}: is the same file as --npy ${join(sandbox, 'x.npy')}`,
    );
    expect(() => checkDistinctOutputs([['--npy', join(sandbox, 'x.npy')], ['--keypoints', undefined]])).not.toThrow();
  });
});
