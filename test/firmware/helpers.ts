// Shared by the firmware tests: a per-file build cache, deterministic windows, and running the batch program.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/io/npy.ts';
import { quantizeInput } from '../../src/compiler/io-format.ts';
import { DATA_DIR } from '../../src/paths.ts';
import { resolveModelDir } from '../../src/host/virtual-node.ts';

export function tempBuildDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `pose-edge-fw-${tag}-`));
}

/**
 * A private copy of the default model directory: the generated component can be regenerated while the
 * tests run, and two builds compared with each other must see the same model.
 */
export function snapshotModelDir(buildDir: string): string {
  const dst = join(buildDir, 'model');
  cpSync(resolveModelDir(), dst, { recursive: true });
  return dst;
}

/** Deterministic amplitude-like windows (xorshift), in the model input format. */
export function syntheticWindows(count: number, seed = 12345): Int16Array[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return Array.from({ length: count }, () => Int16Array.from({ length: 3420 }, () => next() % 12000));
}

/**
 * Windows from the bundled test set (models/data/test_X.npy) converted with the host's io-format, or
 * synthetic ones while the data set has not landed; `source` says which.
 */
export function testWindows(count: number, fracBits: number): { windows: Int16Array[]; source: string } {
  const path = join(DATA_DIR, 'test_X.npy');
  if (!existsSync(path)) return { windows: syntheticWindows(count), source: 'synthetic' };
  const arr = readNpy(path);
  const n = Math.min(count, arr.shape[0]);
  const data = arr.data as Float32Array;
  const windows = Array.from({ length: n }, (_, i) => quantizeInput(data.subarray(i * 3420, (i + 1) * 3420), fracBits));
  return { windows, source: path };
}

export function packWindows(windows: Int16Array[]): Buffer {
  const b = Buffer.alloc(windows.length * 3420 * 2);
  windows.forEach((w, i) => w.forEach((v, k) => b.writeInt16LE(v, (i * 3420 + k) * 2)));
  return b;
}

export function unpackOutputs(b: Buffer): Int16Array[] {
  const out: Int16Array[] = [];
  for (let o = 0; o + 68 <= b.length; o += 68) out.push(Int16Array.from({ length: 34 }, (_, k) => b.readInt16LE(o + 2 * k)));
  return out;
}

export function run(cmd: string, args: string[], input: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stdout: Buffer.concat(out), stderr: err }));
    p.stdin.on('error', () => {});
    p.stdin.end(input);
  });
}
