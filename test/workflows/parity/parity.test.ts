// Host-side parity: compile the bundled micro int4 -> build the virtual node -> `parity --virtual` over its
// pty, driven through buildProgram() in-process. The test replays the first 64 windows of the bundled test
// set (the command replays all of them by default); the oracles are the integer simulator (bit-exact), the
// reference model on onnxruntime-node and the labels. Also: a node running another model is refused, lost
// and corrupted frames are retried and counted (a fault-injecting transport wrapper), and argument errors.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../../src/cli/program.ts';
import { parityHooks } from '../../../src/cli/commands/parity.ts';
import { PLACEHOLDER_MODEL_DIR, readModelHeader, startVirtualNode } from '../../../src/host/virtual-node.ts';
import { decodeMessage, encodeFrame, FrameDecoder, MessageType } from '../../../src/host/protocol/index.ts';
import { compileForParity, componentDirFor } from '../../../src/workflows/parity/model.ts';
import { BUNDLED } from '../../../src/bundled.ts';
import { MODELS_DIR } from '../../../src/paths.ts';
import type { Transport } from '../../../src/host/transport/transport.ts';
import { virtualNodeChildren } from '../../helpers/processes.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-parity-'));
const LIMIT = '64';

async function runCli(args: string[]): Promise<{ out: string; err: unknown }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let err: unknown = null;
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'parity', ...args]);
  } catch (e) {
    err = e;
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
  return { out, err };
}

afterEach(() => {
  parityHooks.wrapTransport = undefined;
  vi.restoreAllMocks();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pose-edge parity --virtual (bundled micro int4)', () => {
  it('meets the thresholds bit-exactly and prints the contract fields; writes the HTML report', async () => {
    const report = join(tmp, 'parity.html');
    const { out, err } = await runCli(['--virtual', '--json', '--limit', LIMIT, '--report', report]);
    expect(err).toBeNull();
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(j).toMatchObject({ samples: 64, modelMatch: true, bitExact: true, mismatches: 0, retries: 0, timeouts: 0, lost: 0, pass: true, virtual: true, chip: 'linux-virtual' });
    // INFO version 2's CSI fields: a replay-mode node captures nothing
    expect(j.csi).toEqual({ layout: null, layoutsSeen: [], channel: null, secondChannel: null });
    expect(j.meanErrTorso).toBeLessThanOrEqual(0.01);
    expect(j.maxErrTorso).toBeLessThanOrEqual(0.05);
    expect(j.pckAgreement).toBeGreaterThanOrEqual(99);
    for (const k of ['pckRef', 'pckNode']) {
      expect(typeof j[k], k).toBe('number');
      expect(j[k]).toBeGreaterThanOrEqual(0);
      expect(j[k]).toBeLessThanOrEqual(100);
    }
    expect(j.pckRef - j.pckNode).toBeLessThanOrEqual(0.3);
    // The virtual node counts nanoseconds: a real inference takes more than 0 and less than a second.
    expect(j.cycleHz).toBe(1e9);
    expect(j.cyclesMedian).toBeGreaterThan(0);
    expect(j.cyclesMedian).toBeLessThan(1e9);
    expect(j.modelSha256).toBe(j.nodeModelSha256);
    // The node saw every window exactly once and no bad frame.
    expect(j.nodeStats).toMatchObject({ windowsReceived: 64, inferences: 64, framesBadCrc: 0, framesRejected: 0 });

    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<td>node CSI</td><td>CSI: none delivered yet</td>');
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect((html.match(/<svg /g) ?? []).length).toBe(2 + 6); // histogram, PCK bars, 6 skeletons
    expect(html).toContain('aria-label="error histogram"');
    expect(html).toContain('aria-label="per-keypoint PCK"');
    expect(html).toContain('PASS');
  }, 120_000);

  it('a threshold that fails exits non-zero naming the figure and its limit', async () => {
    // No real kernel gets a mean error of exactly 0 against a float model: --max-mean-err 0 must fail.
    const { out, err } = await runCli(['--virtual', '--json', '--limit', '8', '--max-mean-err', '0']);
    expect(JSON.parse(out).pass).toBe(false);
    expect((err as Error).message).toMatch(/parity failed on \/dev\/pts\/\d+:\n {2}mean error [\d.]+% of torso exceeds --max-mean-err 0\.000%/);
    expect((err as { exitCode: number }).exitCode).toBe(2);
  }, 60_000);

  it('retries and counts lost and corrupted frames, with the same bit-exact result', async () => {
    // Drops the 3rd CSI_WINDOW the host writes, corrupts one byte of the 6th (the node's CRC check rejects
    // it and stays silent), and corrupts the KEYPOINTS answer to the 9th request on the way back.
    let windowWrites = 0;
    let answers = 0;
    parityHooks.wrapTransport = (t: Transport): Transport => ({
      name: t.name,
      write: async (bytes) => {
        const ev = new FrameDecoder().push(bytes)[0];
        if (ev?.kind === 'frame' && ev.frame.type === MessageType.CSI_WINDOW) {
          windowWrites++;
          if (windowWrites === 3) return;
          if (windowWrites === 6) {
            const bad = Uint8Array.from(bytes);
            bad[100] = bad[100] === 0x55 ? 0x56 : 0x55;
            return t.write(bad);
          }
        }
        return t.write(bytes);
      },
      onData: (listener) => {
        const dec = new FrameDecoder();
        return t.onData((chunk) => {
          // Reassemble frames so one KEYPOINTS frame can be corrupted exactly, whatever the pty's chunking.
          for (const ev of dec.push(chunk)) {
            if (ev.kind !== 'frame') continue;
            const m = decodeMessage(ev.frame);
            const wire = encodeFrame(ev.frame.type, ev.frame.seq, ev.frame.payload);
            if (m.type === 'KEYPOINTS' && ++answers === 9) wire[20] ^= 0x01;
            listener(wire);
          }
        });
      },
      onClose: (l) => t.onClose(l),
      setSignals: (s) => t.setSignals(s),
      setBaudRate: (b) => t.setBaudRate(b),
      close: () => t.close(),
    });
    const { out, err } = await runCli(['--virtual', '--json', '--limit', '16', '--timeout', '300']);
    expect(err).toBeNull();
    const j = JSON.parse(out);
    // `lost` counts windows that never got an answer (none here: every timeout was recovered by a retry).
    expect(j).toMatchObject({ samples: 16, windows: 16, bitExact: true, mismatches: 0, timeouts: 3, retries: 3, lost: 0, lostWindows: [], stopped: null, pass: true });
    // Writes: w0 w1 [w2 dropped] w2 w3 [w4 corrupted] w4 w5 ...; answers: w0 w1 w2 w3 w4 w5 w6 w7 [w8 corrupted].
    expect(j.retriedWindows).toEqual([2, 4, 8]);
    expect(j.hostFrameFaults.crc).toBe(1);
    expect(j.nodeStats.framesBadCrc).toBe(1);
    // 16 windows plus the two resends of windows whose request reached the node (the dropped one did not).
    expect(j.nodeStats.windowsReceived).toBe(17);
  }, 60_000);

  it('a window that gets no answer after all retries is lost: the run goes on and the verdict fails naming it', async () => {
    parityHooks.wrapTransport = (t: Transport): Transport => ({
      ...bind(t),
      write: async (bytes) => {
        const ev = new FrameDecoder().push(bytes)[0];
        if (ev?.kind === 'frame' && ev.frame.type === MessageType.CSI_WINDOW && new DataView(ev.frame.payload.buffer, ev.frame.payload.byteOffset).getUint32(0, true) === 4) return;
        return t.write(bytes);
      },
    });
    const { out, err } = await runCli(['--virtual', '--json', '--limit', '8', '--timeout', '150', '--retries', '2']);
    // --retries 2: two re-sends, three attempts in all.
    const lost = '1 of 8 windows lost (no KEYPOINTS after 3 attempts of 150 ms each): 4';
    expect((err as Error).message).toMatch(new RegExp(`^parity failed on /dev/pts/\\d+:\n  ${lost.replace(/[()]/g, '\\$&')}$`));
    expect((err as { exitCode: number }).exitCode).toBe(2);
    const j = JSON.parse(out);
    expect(j).toMatchObject({ windows: 8, samples: 7, lost: 1, lostWindows: [4], timeouts: 3, retries: 2, retriedWindows: [4], bitExact: true, stopped: null, pass: false });
    expect(j.failed).toEqual([lost]);
    expect(j.nodeStats.windowsReceived).toBe(7); // the windows after the lost one were sent and answered
  }, 60_000);

  it('refuses a node that runs another model, naming both', async () => {
    // The placeholder model of the virtual node stands for a board flashed with something else.
    const node = await startVirtualNode({ modelDir: PLACEHOLDER_MODEL_DIR });
    try {
      const { err } = await runCli([node.port, '--json', '--limit', '4']);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^${node.port}: the node runs model ${readModelHeader(PLACEHOLDER_MODEL_DIR).sha256} \\(not a bundled model\\), int4 weights; ` +
            'parity was asked for models/micro/micro.onnx \\+ pose_micro_int4.npz \\(int4 weights, int8 activations\\), SHA-256 [0-9a-f]{64}\\.',
        ),
      );
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('names the bundled model a refused node runs (nano int4 on the node, micro asked for)', async () => {
    const nano = await compileForParity({
      modelPath: join(MODELS_DIR, 'nano', 'nano.onnx'),
      weightsPath: join(MODELS_DIR, 'nano', 'pose_nano_int4.npz'),
      bits: 4,
      actBits: 8,
      calibPath: BUNDLED.calib,
    });
    const dir = componentDirFor(nano, join(tmp, 'models'));
    expect(dir.startsWith(join(tmp, 'models'))).toBe(true); // never over the committed component
    const node = await startVirtualNode({ modelDir: dir });
    try {
      const { err } = await runCli([node.port, '--limit', '1']);
      expect((err as Error).message).toContain(`${node.port}: the node runs model ${nano.report.modelSha256} (models/nano/nano.onnx + pose_nano_int4.npz), int4 weights; parity was asked for models/micro/micro.onnx`);
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('prints a readable summary without --json', async () => {
    const { out, err } = await runCli(['--virtual', '--limit', '4', '--max-max-err', '1', '--max-pck-drop', '100']);
    expect(err).toBeNull();
    expect(out).toMatch(/^parity on \/dev\/pts\/\d+ \(linux-virtual, firmware [\d.]+, virtual node\): 4 windows\n/);
    expect(out).toContain('  node vs integer simulator: bit-exact\n');
    expect(out).toMatch(/ {2}node vs reference: mean error [\d.]+% of torso, max [\d.]+%, torso-PCK@20 agreement [\d.]+%\n/);
    expect(out).toContain('  link: 0 timeouts, 0 retries\n');
    expect(out.trim().endsWith('PASS')).toBe(true);
  }, 60_000);

  it('SIGINT stops the virtual node and exits 130', async () => {
    let exitCode: number | undefined;
    const exited = new Promise<void>((res) => {
      vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
        exitCode = code;
        res();
      }) as never);
    });
    let stderr = '';
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const run = buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'parity', '--virtual', '--limit', '512']).catch((e) => e);
    while (!/replaying/.test(stderr)) await new Promise((r) => setTimeout(r, 10));
    const port = /replaying \d+ windows to (\S+)/.exec(stderr)![1];
    const children = virtualNodeChildren();
    expect(children.length).toBe(1);
    process.emit('SIGINT');
    await exited;
    await run;
    errSpy.mockRestore();
    outSpy.mockRestore();
    expect(exitCode).toBe(130);
    expect(stderr).toContain('interrupted, stopping the virtual node');
    expect(existsSync(`/proc/${children[0]}`) && !readFileSync(`/proc/${children[0]}/stat`, 'utf8').includes(') Z ')).toBe(false);
    expect(existsSync(port)).toBe(false); // the node's pty went away with it
  }, 60_000);

  it('argument errors name the option', async () => {
    expect(((await runCli([])).err as Error).message).toBe('parity needs a serial port (e.g. /dev/ttyUSB0) or --virtual');
    expect(((await runCli(['/dev/ttyUSB0', '--virtual'])).err as Error).message).toBe('give a port (/dev/ttyUSB0) or --virtual, not both');
    expect(((await runCli(['--virtual', '--bits', '5'])).err as Error).message).toBe("--bits must be 4 or 8, got '5'");
    expect(((await runCli(['--virtual', '--model', 'x.onnx'])).err as Error).message).toMatch(/^--model and --weights go together/);
    expect(((await runCli(['--virtual', '--min-agreement', '101'])).err as Error).message).toBe("--min-agreement must be a number in 0..100, got '101'");
    expect(((await runCli(['--virtual', '--data', join(tmp, 'none.npy')])).err as Error).message).toBe(`${join(tmp, 'none.npy')}: no such file or directory (--data, CSI windows float32 [N,3,114,10])`);
    expect(((await runCli(['/dev/pose-edge-no-such-port', '--limit', '1'])).err as Error).message).toMatch(/^\/dev\/pose-edge-no-such-port: no such port/);
    expect(existsSync(tmp)).toBe(true);
  }, 60_000);
});

function bind(t: Transport): Transport {
  return {
    name: t.name,
    write: (b) => t.write(b),
    onData: (l) => t.onData(l),
    onClose: (l) => t.onClose(l),
    setSignals: (s) => t.setSignals(s),
    setBaudRate: (b) => t.setBaudRate(b),
    close: () => t.close(),
  };
}
