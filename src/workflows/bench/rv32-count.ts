// The node's instruction sets, measured: the batch program (firmware/linux/batch_main.c: core + model) built
// for rv32imc (ESP32-C3 ISA) runs under qemu-riscv32; its outputs are compared bit for bit with the host
// build's on the bundled test set, and the instructions it executes per inference are counted from qemu's
// translation-block log (in_asm gives each block's instruction count, exec,nochain logs every block run).
// Start-up and exit are measured by a run on empty input and subtracted. The same core + model is also
// compiled with xtensa-lx106-elf-gcc -mlongcalls, and code/data sizes are reported per section.
//
// The command that prints it: bench/rv32-count.ts.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { quantizeInput } from '../../compiler/io-format.ts';
import { readNpy } from '../../io/npy.ts';
import { DATA_DIR, REPO_ROOT } from '../../paths.ts';
import { buildFirmwareProgram, CORE_DIR, LINUX_DIR, readModelHeader, resolveModelDir } from '../../host/virtual-node.ts';
import { WINDOW_VALUES } from '../../data/window.ts';
import { buildRv32Program } from './rv32-build.ts';

const execFileP = promisify(execFile);

export type CountMethod = 'blocks' | 'singlestep';

/**
 * Instructions executed by an rv32 program on the given stdin. 'blocks': qemu -d in_asm,exec,nochain,
 * each executed block adds the instruction count of its translation; 'singlestep': qemu -singlestep
 * -d exec,nochain, one block per instruction (slower; an independent check of the first method).
 */
export async function countInstructions(elf: string, input: Buffer, method: CountMethod = 'blocks'): Promise<{ instructions: number; stdout: Buffer }> {
  const args = method === 'blocks' ? ['-d', 'in_asm,exec,nochain'] : ['-singlestep', '-d', 'exec,nochain'];
  // The log goes through a FIFO: it can reach gigabytes for a real model, and qemu cannot open
  // /dev/stderr when Node's stdio is a socket.
  const dir = mkdtempSync(join(tmpdir(), 'pose-edge-qemu-'));
  const fifo = join(dir, 'log');
  await execFileP('mkfifo', [fifo]);
  try {
    return await countThroughFifo(elf, input, method, args, fifo);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function countThroughFifo(elf: string, input: Buffer, method: CountMethod, args: string[], fifo: string): Promise<{ instructions: number; stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    const p = spawn('qemu-riscv32', [...args, '-D', fifo, elf], { stdio: ['pipe', 'pipe', 'inherit'] });
    const log = createReadStream(fifo);
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    const sizes = new Map<number, number>();
    let current = -1;
    let currentSize = 0;
    let instructions = 0;
    const rl = createInterface({ input: log, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (line.startsWith('Trace ')) {
        // "Trace 0: 0x7f.. [00000000/100000b2/00107600/00000201] main": the guest pc is the second field.
        const m = /\[[0-9a-f]+\/([0-9a-f]+)\//.exec(line);
        if (!m) return;
        if (method === 'singlestep') instructions++;
        else {
          const n = sizes.get(parseInt(m[1], 16));
          if (n === undefined) throw new Error(`qemu log: block at 0x${m[1]} executed before its translation was logged`);
          instructions += n;
        }
      } else if (line.startsWith('IN:')) {
        current = -2;
        currentSize = 0;
      } else if (current !== -1 && /^0x[0-9a-f]+:/.test(line)) {
        if (current === -2) current = parseInt(line.slice(2, line.indexOf(':')), 16);
        currentSize++;
        sizes.set(current, currentSize);
      } else if (line.trim() === '') {
        current = -1;
      }
    });
    p.on('error', reject);
    p.stdin.on('error', () => {});
    p.stdin.end(input);
    let exitCode: number | null = null;
    let logDone = false;
    const finish = () => {
      if (exitCode === null || !logDone) return;
      if (exitCode !== 0) reject(new Error(`qemu-riscv32 ${elf} exited with code ${exitCode}`));
      else resolve({ instructions, stdout: Buffer.concat(out) });
    };
    rl.on('close', () => {
      logDone = true;
      finish();
    });
    p.on('close', (code) => {
      exitCode = code ?? -1;
      finish();
    });
  });
}

export function runProgram(cmd: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.on('error', reject);
    p.stdin.on('error', () => {});
    p.stdin.end(input);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited with code ${code}`))));
  });
}

export function loadTestWindows(fracBits: number, limit = Infinity): Buffer {
  const path = join(DATA_DIR, 'test_X.npy');
  const arr = readNpy(path);
  const n = Math.min(limit, arr.shape[0]);
  const data = arr.data as Float32Array;
  const q = quantizeInput(data.subarray(0, n * WINDOW_VALUES), fracBits);
  return Buffer.from(q.buffer, q.byteOffset, q.byteLength); // little-endian host, as the programs read
}

/** Sections of objects or an ELF, summed by name (`size -A`). */
export async function sectionSizes(sizeTool: string, files: string[]): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const f of files) {
    const { stdout } = await execFileP(sizeTool, ['-A', f]);
    for (const line of stdout.split('\n')) {
      const m = /^(\.\S+)\s+(\d+)\s+\d+/.exec(line);
      // Metadata that is never loaded (debug info, Xtensa property tables) is left out; .rodata.str1.1 and
      // friends count as .rodata.
      if (!m || /^\.(comment|debug|riscv\.attributes|xtensa\.info|xt\.|note)/.test(m[1]) || Number(m[2]) === 0) continue;
      const name = m[1].replace(/^(\.rodata|\.text|\.literal|\.data|\.bss|\.sdata|\.sbss|\.srodata|\.iram1|\.dram1)\..*$/, '$1');
      total[name] = (total[name] ?? 0) + Number(m[2]);
    }
  }
  return total;
}

export const XTENSA_FLAGS = ['-mlongcalls', '-Os', '-ffreestanding', '-fno-strict-aliasing', '-std=c11', '-Wall', '-Wextra', '-Werror'];

/** Compiles core + model for the ESP8266's Xtensa LX106 (-mlongcalls), one object per source. */
export async function xtensaObjects(modelDir: string, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const sources = [...['proto.c', 'csi.c', 'window.c', 'driver.c', 'node.c'].map((f) => join(CORE_DIR, f))];
  const { readdirSync } = await import('node:fs');
  for (const f of readdirSync(modelDir).filter((x) => x.endsWith('.c')).sort()) sources.push(join(modelDir, f));
  const objs: string[] = [];
  for (const src of sources) {
    const obj = join(outDir, src.replace(/[/\\]/g, '_') + '.o');
    // -ffreestanding: this toolchain has no libc; firmware/linux/xtensa/ declares the <string.h> functions used.
    await execFileP('xtensa-lx106-elf-gcc', [...XTENSA_FLAGS, `-I${join(LINUX_DIR, 'xtensa')}`, `-I${CORE_DIR}`, `-I${modelDir}`, '-c', src, '-o', obj]);
    objs.push(obj);
  }
  return objs;
}

export interface Rv32Report {
  modelDir: string;
  modelSha256: string;
  macs: number;
  windowsCompared: number;
  bitExact: boolean;
  firstMismatch: number | null;
  countWindows: number;
  startupInstructions: number;
  instructionsPerInference: number;
  instructionsPerMac: number;
  rv32Sections: Record<string, number>;
  xtensaCore: Record<string, number>;
  xtensaModel: Record<string, number>;
}

export async function rv32Report(opts: { modelDir?: string; windows?: number; countWindows?: number; buildDir?: string }): Promise<Rv32Report> {
  const modelDir = resolveModelDir(opts.modelDir);
  const header = readModelHeader(modelDir);
  const buildDir = opts.buildDir ?? join(REPO_ROOT, 'build', 'firmware-host');
  const host = await buildFirmwareProgram({ program: 'batch', target: 'host', modelDir, buildDir });
  const { elf: rv32 } = await buildRv32Program(modelDir, buildDir, 'deployed');
  const input = loadTestWindows(header.inputFracBits, opts.windows ?? Infinity);
  const n = input.length / (2 * WINDOW_VALUES);
  const [a, b] = await Promise.all([runProgram(host, [], input), runProgram('qemu-riscv32', [rv32], input)]);
  let firstMismatch: number | null = null;
  for (let i = 0; i < n && firstMismatch === null; i++) if (!a.subarray(i * 68, (i + 1) * 68).equals(b.subarray(i * 68, (i + 1) * 68))) firstMismatch = i;
  if (a.length !== n * 68 || b.length !== n * 68) firstMismatch = firstMismatch ?? Math.min(a.length, b.length) / 68;
  const k = Math.min(opts.countWindows ?? 8, n);
  const startup = await countInstructions(rv32, Buffer.alloc(0));
  const counted = await countInstructions(rv32, input.subarray(0, k * 2 * WINDOW_VALUES));
  const perInference = (counted.instructions - startup.instructions) / k;
  const xdir = join(buildDir, 'xtensa-objects');
  return {
    modelDir,
    modelSha256: header.sha256,
    macs: header.macs,
    windowsCompared: n,
    bitExact: firstMismatch === null,
    firstMismatch,
    countWindows: k,
    startupInstructions: startup.instructions,
    instructionsPerInference: perInference,
    instructionsPerMac: perInference / header.macs,
    rv32Sections: await sectionSizes('riscv64-unknown-elf-size', [rv32]),
    ...(await xtensaSplit(modelDir, xdir)),
  };
}

async function xtensaSplit(modelDir: string, dir: string): Promise<{ xtensaCore: Record<string, number>; xtensaModel: Record<string, number> }> {
  const objs = await xtensaObjects(modelDir, dir);
  const isCore = (o: string) => o.includes(CORE_DIR.replace(/[/\\]/g, '_'));
  return {
    xtensaCore: await sectionSizes('xtensa-lx106-elf-size', objs.filter(isCore)),
    xtensaModel: await sectionSizes('xtensa-lx106-elf-size', objs.filter((o) => !isCore(o))),
  };
}
