// Builds and runs the firmware's host-side programs: the virtual node (firmware/linux/virtual_node.c: the
// node's core plus a model directory, speaking the wire protocol on a pseudo-terminal) and the batch
// program (firmware/linux/batch_main.c: windows in, keypoints out) for the host, under sanitizers, and for
// rv32imc under qemu-riscv32.
//
// API for tests and other commands (parity uses it):
//   resolveModelDir(dir?)            -> the model directory: dir, else firmware/components/pose_model if it
//                                       has a pose_model.h, else the placeholder firmware/linux/placeholder_model
//   buildFirmwareProgram({program, target, modelDir, buildDir}) -> path of the cached executable (built if the
//                                       hash of sources + flags changed); targets: host | sanitize | rv32
//   startVirtualNode({modelDir, buildDir, replayCsi, packetRate, loop, hop}) -> VirtualNode:
//       { port: '/dev/pts/N', pid, binary, modelDir, stop(): Promise<number|null>, exited: Promise<number|null> }
//     stop() sends SIGTERM and resolves with the exit code once the process is gone; always call it
//     (e.g. in afterAll). Open `port` with SerialTransport.open(port, 921600) and talk with NodeSession
//     (src/host/protocol/session.ts).
//   readModelHeader(modelDir)        -> the POSE_MODEL_* values of pose_model.h (sha256, frac bits, macs...)
import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PoseEdgeError } from '../errors.ts';
import { FIRMWARE_DIR, REPO_ROOT } from '../paths.ts';

const execFileP = promisify(execFile);

export const CORE_DIR = join(FIRMWARE_DIR, 'core');
export const LINUX_DIR = join(FIRMWARE_DIR, 'linux');
export const PLACEHOLDER_MODEL_DIR = join(LINUX_DIR, 'placeholder_model');
export const GENERATED_MODEL_DIR = join(FIRMWARE_DIR, 'components', 'pose_model');
export const DEFAULT_BUILD_DIR = join(REPO_ROOT, 'build', 'firmware-host');

export class FirmwareBuildError extends PoseEdgeError {}
export class VirtualNodeError extends PoseEdgeError {}

export function resolveModelDir(dir?: string): string {
  if (dir) {
    const abs = resolve(dir);
    if (!existsSync(join(abs, 'pose_model.h'))) {
      throw new FirmwareBuildError(`${abs}: not a model directory (no pose_model.h; generate one with \`pose-edge compile\`)`);
    }
    return abs;
  }
  return existsSync(join(GENERATED_MODEL_DIR, 'pose_model.h')) ? GENERATED_MODEL_DIR : PLACEHOLDER_MODEL_DIR;
}

export interface ModelHeader {
  sha256: string;
  inputLen: number;
  outputLen: number;
  inputFracBits: number;
  outputFracBits: number;
  weightBits: number;
  actBits: number;
  arenaBytes: number;
  macs: number;
}

export function readModelHeader(modelDir: string): ModelHeader {
  const path = join(modelDir, 'pose_model.h');
  const text = readFileSync(path, 'utf8');
  const num = (name: string) => {
    const m = new RegExp(`#define\\s+POSE_MODEL_${name}\\s+\\(?\\s*(\\d+)u?L?\\s*\\)?`).exec(text);
    if (!m) throw new FirmwareBuildError(`${path}: POSE_MODEL_${name} is not defined as a number`);
    return Number(m[1]);
  };
  const sha = /#define\s+POSE_MODEL_SHA256\s+"([0-9a-f]{64})"/.exec(text);
  if (!sha) throw new FirmwareBuildError(`${path}: POSE_MODEL_SHA256 is not a 64-hex-digit string`);
  return {
    sha256: sha[1],
    inputLen: num('INPUT_LEN'),
    outputLen: num('OUTPUT_LEN'),
    inputFracBits: num('INPUT_FRAC_BITS'),
    outputFracBits: num('OUTPUT_FRAC_BITS'),
    weightBits: num('WEIGHT_BITS'),
    actBits: num('ACT_BITS'),
    arenaBytes: num('ARENA_BYTES'),
    macs: num('MACS'),
  };
}

export type FirmwareProgram = 'virtual-node' | 'batch' | 'golden-test' | 'csi-test';
export type FirmwareTarget = 'host' | 'sanitize' | 'rv32';

const WARN = ['-Wall', '-Wextra', '-Werror'];
// The generated kernel's arena holds tensors of different integer types over time, so every build compiles
// it as its own component CMakeLists does (templates/c/component/CMakeLists.txt.hbs).
const MODEL_FLAGS = ['-fno-strict-aliasing'];
const CORE_SOURCES = ['proto.c', 'csi.c', 'window.c', 'driver.c', 'node.c'].map((f) => join(CORE_DIR, f));

function modelSources(modelDir: string): string[] {
  return readdirSync(modelDir)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => join(modelDir, f));
}

interface Recipe {
  cc: string;
  flags: string[];
  sources: string[];
  includes: string[];
}

/** Compiler, flags and sources of one program for one target. Exported so the benchmarks print them. */
export function recipe(program: FirmwareProgram, target: FirmwareTarget, modelDir: string): Recipe {
  const includes = [CORE_DIR, LINUX_DIR, modelDir];
  const model = modelSources(modelDir);
  let sources: string[];
  switch (program) {
    case 'virtual-node':
      sources = [...CORE_SOURCES, join(LINUX_DIR, 'recording.c'), join(LINUX_DIR, 'virtual_node.c'), ...model];
      break;
    case 'batch':
      sources = [join(CORE_DIR, 'proto.c'), join(LINUX_DIR, 'batch_main.c'), ...model];
      sources.push(target === 'rv32' ? join(LINUX_DIR, 'rv32', 'rv32_io.c') : join(LINUX_DIR, 'host_io.c'));
      if (target === 'rv32') sources.unshift(join(LINUX_DIR, 'rv32', 'start.S'));
      break;
    case 'golden-test':
      sources = [join(CORE_DIR, 'proto.c'), join(LINUX_DIR, 'test', 'golden_test.c')];
      break;
    case 'csi-test':
      sources = [join(CORE_DIR, 'csi.c'), join(LINUX_DIR, 'test', 'csi_layouts.c')];
      break;
  }
  if (target === 'rv32') {
    if (program !== 'batch') throw new FirmwareBuildError(`${program}: only the batch program is built for rv32`);
    return {
      cc: 'riscv64-unknown-elf-gcc',
      flags: [
        '-march=rv32imc', '-mabi=ilp32', '--specs=picolibc.specs', '-O2', '-std=c11', ...WARN, ...MODEL_FLAGS, '-static', '-nostartfiles',
        // qemu user mode loads the segments where the linker put them; give the picolibc script room for
        // any model size (it defaults to 64 KB of flash and 32 KB of RAM).
        '-Wl,--defsym=__flash=0x10000000,--defsym=__flash_size=0x1000000,--defsym=__ram=0x20000000,--defsym=__ram_size=0x1000000',
      ],
      sources,
      includes,
    };
  }
  if (target === 'sanitize') {
    return {
      cc: 'clang',
      flags: ['-O1', '-g', '-std=c11', ...WARN, ...MODEL_FLAGS, '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'],
      sources,
      includes,
    };
  }
  return { cc: 'gcc', flags: ['-O2', '-std=c11', ...WARN, ...MODEL_FLAGS], sources, includes };
}

function sourceHash(r: Recipe): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([r.cc, r.flags, r.sources, r.includes]));
  // kernels/: the kernel headers pose_kernels.h includes from a model directory
  for (const dir of [...new Set([CORE_DIR, LINUX_DIR, join(LINUX_DIR, 'rv32'), join(LINUX_DIR, 'test'), ...r.includes, ...r.includes.map((d) => join(d, 'kernels'))])]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (/\.(c|h|inc|S)$/.test(f) && statSync(p).isFile()) h.update(p).update(readFileSync(p));
    }
  }
  return h.digest('hex').slice(0, 16);
}

export interface BuildOptions {
  program: FirmwareProgram;
  target?: FirmwareTarget;
  modelDir?: string;
  buildDir?: string;
}

/** Builds (or reuses from the cache) one program; returns the executable's path. */
export async function buildFirmwareProgram(opts: BuildOptions): Promise<string> {
  const target = opts.target ?? 'host';
  const modelDir = resolveModelDir(opts.modelDir);
  const r = recipe(opts.program, target, modelDir);
  const dir = join(opts.buildDir ?? DEFAULT_BUILD_DIR, `${opts.program}-${target}-${sourceHash(r)}`);
  const exe = join(dir, opts.program === 'virtual-node' ? 'pose-node-virtual' : opts.program);
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.tmp${process.pid}`;
  const args = [...r.flags, ...r.includes.map((i) => `-I${i}`), ...r.sources, '-o', tmp];
  try {
    await execFileP(r.cc, args, { maxBuffer: 16 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new FirmwareBuildError(`building ${opts.program} for ${target} with model ${modelDir} failed:\n${(err.stderr ?? err.message).trim()}`);
  }
  renameSync(tmp, exe); // atomic: a concurrent build of the same hash never sees half a binary
  return exe;
}

export interface VirtualNodeOptions {
  modelDir?: string;
  buildDir?: string;
  /** A CSI recording (src/host/protocol/csi-recording.ts) replayed through the live path after STREAM_START. */
  replayCsi?: string;
  /** Packets per second for replayCsi (0: as fast as possible). Default 300 (100 slots of 3 links). */
  packetRate?: number;
  loop?: boolean;
  /** Slots between two live windows, 1..10 (default 5). */
  hop?: number;
  /** Build with ASan + UBSan (clang). */
  sanitize?: boolean;
  startTimeoutMs?: number;
}

export interface VirtualNode {
  port: string;
  pid: number;
  binary: string;
  modelDir: string;
  /** Everything the process wrote on stderr so far (sanitizer reports land here). */
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export async function startVirtualNode(opts: VirtualNodeOptions = {}): Promise<VirtualNode> {
  const modelDir = resolveModelDir(opts.modelDir);
  const binary = await buildFirmwareProgram({ program: 'virtual-node', target: opts.sanitize ? 'sanitize' : 'host', modelDir, buildDir: opts.buildDir });
  const args: string[] = [];
  if (opts.replayCsi) args.push('--replay-csi', opts.replayCsi);
  if (opts.packetRate !== undefined) args.push('--packet-rate', String(opts.packetRate));
  if (opts.loop) args.push('--loop');
  if (opts.hop !== undefined) args.push('--hop', String(opts.hop));
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const port = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new VirtualNodeError(`virtual node ${binary}: no pty within ${opts.startTimeoutMs ?? 5000} ms`));
    }, opts.startTimeoutMs ?? 5000);
    child.stdout!.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = /^PTY (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(new VirtualNodeError(`virtual node ${binary}: cannot start: ${e.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new VirtualNodeError(`virtual node ${binary} exited with code ${code} before opening its pty: ${err.trim()}`));
    });
  });
  return {
    port,
    pid: child.pid!,
    binary,
    modelDir,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
