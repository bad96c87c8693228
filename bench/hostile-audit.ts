// The hostile-user audit of issue 10, as a command that prints figures: bad inputs and injected faults
// across compile, eval, synth, parity, stream, node and flash, each run through the real entry point
// (node bin/pose-edge.mjs) in a sandbox whose every file is hashed before and after. Per category it
// counts the cases tried, the clean endings (the expected exit code, a one-line message, no stack trace),
// the stack traces, and the files lost or clobbered (any change in the sandbox a failed run made, or a
// change a successful run made outside what it was asked to write).
//
//   npx tsx bench/hostile-audit.ts [--json] [--only CATEGORY]      (about 3 minutes on 2 cores)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, readNpy } from '../src/io/npy.ts';
import { BUNDLED } from '../src/bundled.ts';
import { encodeCsiRecording, type CsiRecord } from '../src/host/protocol/csi-recording.ts';
import { encodeHeader, encodeRecord, RecordKind } from '../src/host/stream/recording.ts';
import { changedFiles, snapshot } from '../test/helpers/fs-snapshot.ts';
import { buildAppImage } from '../test/host/flash/fixtures.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'pose-edge.mjs');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Case {
  category: string;
  name: string;
  /** Runs the case in `dir` (the working directory and the sandbox); returns what the CLI did. */
  run(dir: string): Promise<Outcome>;
  /** Exit codes that count as the right ending. */
  exits: number[];
  /** Sandbox paths (relative) a successful run may create or change. */
  mayWrite?: string[];
}

interface Row {
  category: string;
  cases: number;
  clean: number;
  stackTraces: number;
  filesLostOrClobbered: number;
  unexpected: string[];
}

function cli(args: string[], opts: { timeoutMs?: number; onSpawn?: (c: ChildProcess) => void } = {}) {
  return (dir: string): Promise<Outcome> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => killGroup(child.pid!), opts.timeoutMs ?? 60_000);
      opts.onSpawn?.(child);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : null), stdout, stderr });
      });
    });
}

function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children of a process whose command line matches `pattern` (the virtual node of `parity --virtual`). */
function childrenOf(pid: number, pattern: string): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid), '-f', pattern], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (pred()) return true;
  return false;
}

function hasStackTrace(text: string): boolean {
  return /\n\s+at .+\(|internal error|node:internal|Unhandled/.test(text);
}

// ---------------------------------------------------------------- fixtures in each sandbox

const calibAll = readNpy(BUNDLED.calib).data as Float32Array;
const testX = readNpy(BUNDLED.testX).data as Float32Array;
const testY = readNpy(BUNDLED.testY).data as Float32Array;

function fixtures(dir: string): void {
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'in', 'calib4.npy'), encodeNpy(calibAll.slice(0, 4 * 3420), [4, 3, 114, 10]));
  const nan = testX.slice(0, 8 * 3420);
  nan[5] = NaN;
  nan[3420 + 7] = Infinity;
  nan[2 * 3420] = -Infinity;
  writeFileSync(join(dir, 'in', 'nan_X.npy'), encodeNpy(nan, [8, 3, 114, 10]));
  writeFileSync(join(dir, 'in', 'Y8.npy'), encodeNpy(testY.slice(0, 8 * 34), [8, 17, 2]));
  const badY = testY.slice(0, 8 * 34);
  badY[40] = NaN;
  writeFileSync(join(dir, 'in', 'nanY8.npy'), encodeNpy(badY, [8, 17, 2]));
  writeFileSync(join(dir, 'in', 'X8.npy'), encodeNpy(testX.slice(0, 8 * 3420), [8, 3, 114, 10]));
  writeFileSync(join(dir, 'notes.txt'), 'a file of the user');
  mkdirSync(join(dir, 'project'));
  writeFileSync(join(dir, 'project', 'main.c'), 'int main(void) { return 0; }');
  writeFileSync(join(dir, 'project', 'compile-report.json'), '{}');
  writeFileSync(join(dir, 'plain'), 'not a directory');
  mkdirSync(join(dir, 'adir'));
  symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
  // Recordings: a good CSI recording, and broken ones.
  const rec: CsiRecord = { timestampUs: 0, link: 0, rssi: -40, layout: 8, firstWordInvalid: false, channel: 6, buf: new Int8Array(384) };
  const good = encodeCsiRecording([rec, { ...rec, link: 1 }, { ...rec, link: 2 }]);
  writeFileSync(join(dir, 'in', 'good.pecsrec'), good);
  writeFileSync(join(dir, 'in', 'truncated.pecsrec'), good.subarray(0, good.length - 100));
  const badLen = Uint8Array.from(good);
  new DataView(badLen.buffer).setUint16(8 + 10, 999, true);
  writeFileSync(join(dir, 'in', 'badlen.pecsrec'), badLen);
  const badLink = Uint8Array.from(good);
  badLink[8 + 4] = 7;
  writeFileSync(join(dir, 'in', 'badlink.pecsrec'), badLink);
  writeFileSync(join(dir, 'in', 'empty.pecsrec'), good.subarray(0, 8));
  // A stream recording damaged in the middle (valid records follow), and one cut mid-record.
  const records = Array.from({ length: 6 }, (_, i) => encodeRecord({ timeMs: i, kind: RecordKind.UDP_DATAGRAM, type: 0, payload: new Uint8Array(40).fill(i) }));
  const stream = Buffer.concat([encodeHeader(), ...records]);
  const damaged = Buffer.from(stream);
  damaged[16 + records[0].length + 12] ^= 0xff;
  writeFileSync(join(dir, 'in', 'damaged.pestrm'), damaged);
  writeFileSync(join(dir, 'in', 'torn.pestrm'), stream.subarray(0, stream.length - 20));
  // Flash: an image, and hostile ESP-IDF build folders.
  const app = buildAppImage({ size: 48 * 1024, seed: 7 });
  writeFileSync(join(dir, 'in', 'app.bin'), app);
  const build = (name: string, args: object, files: Record<string, Uint8Array> = {}) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, name, f), b);
    writeFileSync(join(dir, name, 'flasher_args.json'), JSON.stringify(args));
  };
  const base = { flash_settings: { flash_size: '4MB' }, extra_esptool_args: { chip: 'esp32c3' } };
  build('b-escape', { ...base, flash_files: { '0x10000': '../../../../etc/hostname' } });
  build('b-abs', { ...base, flash_files: { '0x10000': '/etc/hostname' } });
  build('b-3mb', { ...base, flash_settings: { flash_size: '3MB' }, flash_files: { '0x10000': 'app.bin' } }, { 'app.bin': app });
  build('b-16mb', { ...base, flash_settings: { flash_size: '16MB' }, flash_files: { '0x10000': 'app.bin', '0xf00000': 'data.bin' } }, {
    'app.bin': app,
    'data.bin': new Uint8Array(4096).fill(1),
  });
  build('b-overlap', { ...base, flash_files: { '0x10000': 'app.bin', '0x11000': 'app2.bin' } }, { 'app.bin': app, 'app2.bin': app });
  build('b-nomagic', { ...base, app: { offset: '0x10000', file: 'app.bin' }, flash_files: { '0x10000': 'app.bin' } }, { 'app.bin': new Uint8Array(4096).fill(0x42) });
  build('b-link', { ...base, flash_files: { '0x10000': 'app.bin' } });
  symlinkSync('/etc/hostname', join(dir, 'b-link', 'app.bin'));
  chmodSync(join(dir, 'adir'), 0o755);
  // A read-only file system (root only, as in CI; otherwise the cases below meet a missing folder).
  mkdirSync(join(dir, 'ro'));
  if (process.getuid?.() === 0) spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', join(dir, 'ro')]);
}

// ---------------------------------------------------------------- the cases

const c = (category: string, name: string, args: string[], exits: number[], mayWrite?: string[]): Case => ({ category, name, run: cli(args), exits, mayWrite });

function cases(): Case[] {
  const out: Case[] = [];
  // Output safety: what the audit found, and the neighbours of each.
  for (const o of ['', '.', '..', '/', REPO, 'project', 'plain', 'in', 'dangling']) {
    out.push(c('output safety', `compile --out '${o}'`, ['compile', '--calib', 'in/calib4.npy', '--out', o], [1]));
  }
  out.push(c('output safety', 'compile --out new folder', ['compile', '--calib', 'in/calib4.npy', '--out', 'comp'], [0], ['comp/']));
  out.push(c('output safety', 'stream export REC --npy REC', ['stream', 'export', 'in/torn.pestrm', '--npy', 'in/torn.pestrm'], [1]));
  out.push(c('output safety', "stream export --npy ''", ['stream', 'export', 'in/torn.pestrm', '--npy', ''], [1]));
  out.push(c('output safety', 'stream export --npy X --keypoints X', ['stream', 'export', 'in/torn.pestrm', '--npy', 'x.npy', '--keypoints', 'x.npy'], [1]));
  for (const o of ['', '.', 'notes.txt/x', 'adir']) out.push(c('output safety', `synth --out-x '${o}'`, ['synth', '--split', 'test', '--windows', '1', '--out-x', o, '--out-y', 'y.npy', '--no-progress'], [1]));
  out.push(c('output safety', 'synth --out-x = --out-y', ['synth', '--split', 'test', '--windows', '1', '--out-x', 'a.npy', '--out-y', 'a.npy', '--no-progress'], [1]));
  for (const o of ['', 'missing/r.html', 'in/X8.npy', 'adir']) {
    out.push(c('output safety', `parity --report '${o}'`, ['parity', '--virtual', '--data', 'in/X8.npy', '--labels', 'in/Y8.npy', '--report', o], [1]));
  }
  for (const o of ['', '.', 'adir']) out.push(c('output safety', `stream --out '${o}'`, ['stream', '--udp', '0', '--udp-host', '127.0.0.1', '--duration', '0', '--out', o], [1]));

  // Filesystem errors: each class on each command that reads or writes.
  const readers: [string, (f: string) => string[]][] = [
    ['eval --data', (f) => ['eval', '--data', f, '--labels', 'in/Y8.npy']],
    ['eval --model', (f) => ['eval', '--model', f]],
    ['compile --calib', (f) => ['compile', '--calib', f, '--out', 'never']],
    ['compile --weights', (f) => ['compile', '--model', join(REPO, 'models/micro/micro.onnx'), '--weights', f, '--out', 'never']],
    ['parity --data', (f) => ['parity', '--virtual', '--data', f]],
    ['stream export', (f) => ['stream', 'export', f, '--npy', 'o.npy']],
    ['node --replay-csi', (f) => ['node', '--virtual', '--replay-csi', f]],
    ['flash --image', (f) => ['flash', '/dev/null', '--image', `${f}@0x10000`, '--json']],
  ];
  for (const [cmd, argv] of readers) {
    for (const [cls, f] of [['not found', 'missing.npy'], ['is a directory', 'adir'], ['not a directory', 'plain/x'], ['dangling link', 'dangling']]) {
      out.push(c('filesystem errors', `${cmd}: ${cls}`, argv(f), [1]));
    }
  }
  const writers: [string, (f: string) => string[]][] = [
    ['compile --out', (f) => ['compile', '--calib', 'in/calib4.npy', '--out', f]],
    ['synth --out-x', (f) => ['synth', '--split', 'test', '--windows', '1', '--out-x', f, '--out-y', 'y.npy', '--no-progress']],
    ['stream --out', (f) => ['stream', '--udp', '0', '--udp-host', '127.0.0.1', '--duration', '0', '--out', f]],
    ['stream export --npy', (f) => ['stream', 'export', 'in/torn.pestrm', '--npy', f]],
    ['parity --report', (f) => ['parity', '--virtual', '--report', f]],
  ];
  for (const [cmd, argv] of writers) {
    // compile --out names a folder: an existing empty one is fine; every other writer names a file.
    const classes = [['not a directory', 'plain/x'], ['dangling link', 'dangling'], ['read-only file system', 'ro/x'], ...(cmd === 'compile --out' ? [] : [['is a directory', 'adir']])];
    for (const [cls, f] of classes) out.push(c('filesystem errors', `${cmd}: ${cls}`, argv(f), [1]));
  }

  // Non-finite values: replaced, counted and reported; labels refused.
  out.push(c('non-finite data', 'eval --data with NaN/Inf', ['eval', '--data', 'in/nan_X.npy', '--labels', 'in/Y8.npy', '--json'], [0]));
  out.push(c('non-finite data', 'eval --labels with NaN', ['eval', '--data', 'in/X8.npy', '--labels', 'in/nanY8.npy'], [1]));
  out.push(c('non-finite data', 'compile --calib with NaN/Inf', ['compile', '--calib', 'in/nan_X.npy', '--out', 'comp-nan', '--json'], [0], ['comp-nan/']));
  out.push(c('non-finite data', 'parity --virtual --data with NaN/Inf', ['parity', '--virtual', '--data', 'in/nan_X.npy', '--labels', 'in/Y8.npy', '--json'], [0]));
  out.push(c('non-finite data', 'parity --labels with NaN', ['parity', '--virtual', '--data', 'in/X8.npy', '--labels', 'in/nanY8.npy'], [1]));

  // Recordings validated on read.
  for (const f of ['truncated', 'badlen', 'badlink', 'empty']) out.push(c('recordings', `node --replay-csi ${f}`, ['node', '--virtual', '--replay-csi', `in/${f}.pecsrec`], [1]));
  out.push(c('recordings', 'stream export: damage in the middle', ['stream', 'export', 'in/damaged.pestrm', '--npy', 'd.npy'], [1]));
  out.push(c('recordings', 'stream export: torn tail (exported, reported)', ['stream', 'export', 'in/torn.pestrm', '--npy', 't.npy'], [0], ['t.npy']));

  // Flash: a build folder is untrusted; the size is checked against the chip before any write.
  for (const b of ['b-escape', 'b-abs', 'b-3mb', 'b-overlap', 'b-nomagic', 'b-link']) {
    out.push({ category: 'flash', name: `flash --build ${b}`, run: withRomSim([], (port) => ['flash', port, '--build', b, '--json']), exits: [1] });
  }
  out.push({ category: 'flash', name: 'flash: 16MB layout on a 4MB chip', run: withRomSim(['--flash-size', '4MB'], (port) => ['flash', port, '--build', 'b-16mb', '--json']), exits: [1] });
  for (const mode of [[], ['--no-compress']]) {
    out.push({
      category: 'flash',
      name: `flash: the board disappears mid-transfer${mode.length ? ' (plain)' : ' (compressed)'}`,
      run: withRomSim(['--stop-after-blocks', '3'], (port) => ['flash', port, '--image', 'in/app.bin@0x10000', '--json', ...mode], { killSimAfterMs: 1500 }),
      exits: [1],
    });
  }

  // A device that goes away mid-run.
  out.push({ category: 'device goes away', name: 'parity: the virtual node is killed mid-replay', run: parityKilled, exits: [1] });
  out.push({ category: 'device goes away', name: 'stream: the virtual node is killed mid-stream', run: streamKilled, exits: [1] });

  // Bad arguments: every one named, nothing started.
  const bad: [string, string[]][] = [
    ['compile --bits 5', ['compile', '--bits', '5']],
    ['compile --act-bits 12', ['compile', '--act-bits', '12']],
    ['compile --model without --weights', ['compile', '--model', 'x.onnx']],
    ['parity without port', ['parity']],
    ['parity port and --virtual', ['parity', '/dev/ttyUSB0', '--virtual']],
    ['parity --timeout -1', ['parity', '--virtual', '--timeout', '-1']],
    ['parity --retries x', ['parity', '--virtual', '--retries', 'x']],
    ['stream without source', ['stream']],
    ['stream --udp 70000', ['stream', '--udp', '70000']],
    ['stream --udp-allow bogus', ['stream', '--udp', '0', '--udp-allow', '300.1.1.1/40']],
    ['stream --hop 11', ['stream', '--udp', '0', '--hop', '11']],
    ['flash --baud 0', ['flash', '/dev/null', '--image', 'in/app.bin@0x10000', '--baud', '0']],
    ['flash --image without offset', ['flash', '/dev/null', '--image', 'in/app.bin']],
    ['flash --image odd offset', ['flash', '/dev/null', '--image', 'in/app.bin@0x10001']],
    ['synth --split dev', ['synth', '--split', 'dev']],
    ['synth --windows 0', ['synth', '--split', 'test', '--windows', '0']],
    ['eval --data without --labels', ['eval', '--data', 'in/X8.npy']],
    ['node without --virtual', ['node']],
    ['bench --runs 0', ['bench', '--runs', '0']],
  ];
  for (const [name, args] of bad) out.push(c('bad arguments', name, args, [1]));
  return out;
}

/** Runs a ROM-loader simulator in its own process group, then the flash command against its port. */
function withRomSim(simArgs: string[], argv: (port: string) => string[], opts: { killSimAfterMs?: number } = {}) {
  return async (dir: string): Promise<Outcome> => {
    const sim = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/host/flash/sim/main.ts'), ...simArgs], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    sim.stdout!.on('data', (d) => (text += d));
    await waitFor(() => /\/dev\/pts\/\d+/.test(text), 10_000);
    const port = /\/dev\/pts\/\d+/.exec(text)?.[0] ?? '/dev/null';
    const timer = opts.killSimAfterMs ? setTimeout(() => killGroup(sim.pid!), opts.killSimAfterMs) : null;
    try {
      return await cli(argv(port), { timeoutMs: 60_000 })(dir);
    } finally {
      if (timer) clearTimeout(timer);
      killGroup(sim.pid!);
    }
  };
}

async function parityKilled(dir: string): Promise<Outcome> {
  let parent = 0;
  let stderr = '';
  const run = cli(['parity', '--virtual', '--timeout', '500'], {
    onSpawn: (ch) => {
      parent = ch.pid!;
      ch.stderr!.on('data', (d) => (stderr += d));
    },
  })(dir);
  // Once the replay has started, kill the virtual node (the CLI's child running pose-node-virtual).
  await waitFor(() => /replaying \d+ windows/.test(stderr), 120_000);
  await sleep(150);
  for (const pid of childrenOf(parent, 'pose-node-virtual')) killGroupOrPid(pid);
  return run;
}

async function streamKilled(dir: string): Promise<Outcome> {
  const node = spawn(process.execPath, [BIN, 'node', '--virtual', '--json', '--replay-csi', 'in/good.pecsrec', '--loop'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  node.stdout!.on('data', (d) => (text += d));
  await waitFor(() => /"port"/.test(text), 60_000);
  const port = (JSON.parse(text.split('\n')[0]) as { port: string }).port;
  const run = cli(['stream', port, '--json', '--duration', '20'])(dir);
  await sleep(2500);
  killGroup(node.pid!);
  return run;
}

function killGroupOrPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

// ---------------------------------------------------------------- run and tally

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const rows = new Map<string, Row>();
  for (const k of cases().filter((x) => !only || x.category === only)) {
    const dir = mkdtempSync(join(tmpdir(), 'pe-audit-'));
    try {
      fixtures(dir);
      const before = snapshot(dir);
      const o = await k.run(dir);
      const changed = changedFiles(before, snapshot(dir)).filter((f) => !(o.code === 0 && (k.mayWrite ?? []).some((w) => f === w || (w.endsWith('/') && f.startsWith(w)))));
      const row = rows.get(k.category) ?? { category: k.category, cases: 0, clean: 0, stackTraces: 0, filesLostOrClobbered: 0, unexpected: [] };
      rows.set(k.category, row);
      row.cases++;
      const trace = hasStackTrace(o.stderr) || hasStackTrace(o.stdout);
      const lastLine = o.stderr.trim().split('\n').pop() ?? '';
      const oneLine = o.code === 0 || lastLine.startsWith('pose-edge: ');
      if (trace) row.stackTraces++;
      row.filesLostOrClobbered += changed.length;
      if (!trace && oneLine && o.code !== null && k.exits.includes(o.code) && changed.length === 0) row.clean++;
      else row.unexpected.push(`${k.name}: exit ${o.code}${changed.length ? `, changed ${changed.join(' ')}` : ''}: ${lastLine.slice(0, 160)}`);
      if (!argv.includes('--json')) process.stderr.write(`${k.category} | ${k.name} | exit ${o.code} | ${lastLine.slice(0, 110)}\n`);
    } finally {
      spawnSync('umount', [join(dir, 'ro')], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const table = [...rows.values()];
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(table)}\n`);
    return;
  }
  const lines = ['| category | cases | clean errors / endings | stack traces | files lost or clobbered |', '|---|--:|--:|--:|--:|'];
  for (const r of table) lines.push(`| ${r.category} | ${r.cases} | ${r.clean} | ${r.stackTraces} | ${r.filesLostOrClobbered} |`);
  const total = table.reduce((a, r) => ({ cases: a.cases + r.cases, clean: a.clean + r.clean, st: a.st + r.stackTraces, f: a.f + r.filesLostOrClobbered }), { cases: 0, clean: 0, st: 0, f: 0 });
  lines.push(`| all | ${total.cases} | ${total.clean} | ${total.st} | ${total.f} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of table) for (const u of r.unexpected) process.stdout.write(`  not clean: [${r.category}] ${u}\n`);
}

await main();
