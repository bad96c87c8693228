// `pose-edge parity` when the link or the node misbehaves (docs/parity.md, "When the node goes away"):
// random bit flips on both directions (no wrong keypoint is ever accepted), a node killed mid-run (the port
// closes), a node that stops answering with its port open (lost windows, then the "node gone" rule), and a
// node whose strings try to drive the terminal. Driven in-process through buildProgram() like parity.test.ts.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parityHooks } from '../../../src/cli/commands/parity.ts';
import { FrameDecoder, MessageType } from '../../../src/host/protocol/index.ts';
import { compileForParity } from '../../../src/workflows/parity/model.ts';
import { BUNDLED, bundledModel } from '../../../src/bundled.ts';
import { simulate } from '../../../src/compiler/sim/run.ts';
import type { Transport } from '../../../src/host/transport/transport.ts';
import { runCliResult, reportedError } from '../../helpers/cli.ts';
import { virtualNodeChildren } from '../../helpers/processes.ts';
import { bitFlipTransport, type BitFlipStats } from '../../helpers/bit-flip.ts';
import { ack, errorFor, info, infoPayload, startFakeNode } from '../../helpers/fake-node.ts';

afterEach(() => {
  parityHooks.wrapTransport = undefined;
});

const runParity = (args: string[]) => runCliResult('parity', args);
/** Raw control characters a terminal would obey (line feeds between our own lines are fine). */
const RAW_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The window sequence number of a CSI_WINDOW the host writes, or null for any other frame. */
function windowSeqOf(bytes: Uint8Array): number | null {
  const ev = new FrameDecoder().push(bytes)[0];
  if (ev?.kind !== 'frame' || ev.frame.type !== MessageType.CSI_WINDOW) return null;
  return new DataView(ev.frame.payload.buffer, ev.frame.payload.byteOffset).getUint32(0, true);
}

/** A transport whose writes go through `write` (return false to swallow the frame). */
function filterWrites(t: Transport, pass: (bytes: Uint8Array) => boolean): Transport {
  return {
    name: t.name,
    write: async (b) => (pass(b) ? t.write(b) : undefined),
    onData: (l) => t.onData(l),
    onClose: (l) => t.onClose(l),
    setSignals: (s) => t.setSignals(s),
    setBaudRate: (b) => t.setBaudRate(b),
    close: () => t.close(),
  };
}

describe('parity on a noisy link: random bit flips in both directions', () => {
  // Host -> node rates are per byte of a 6890-byte CSI_WINDOW frame, so 0.1% would corrupt all but 0.1% of
  // them (0.999^6890): 3e-5 lets about 4 in 5 through. Node -> host carries the answers, where a corrupted
  // keypoint could be accepted; there the rates are the 0.1% and 1% of bytes asked for.
  for (const toHost of [0.001, 0.01]) {
    it(`${toHost * 100}% of the node's bytes and 0.003% of the host's get a bit flipped: the run completes and every accepted window is bit-exact`, async () => {
      const stats: BitFlipStats = { toNodeBytes: 0, toNodeFlips: 0, toHostBytes: 0, toHostFlips: 0 };
      parityHooks.wrapTransport = (t) => bitFlipTransport(t, { toNode: 3e-5, toHost, seed: 20240601 }, stats);
      const { stdout } = await runParity(['--virtual', '--json', '--limit', '16', '--timeout', '100', '--retries', '40']);
      const j = JSON.parse(stdout);
      // Every window answered, none lost, and each answer equals the integer simulator's output.
      expect(j).toMatchObject({ windows: 16, samples: 16, lost: 0, lostWindows: [], stopped: null, bitExact: true, mismatches: 0, mismatchValues: 0 });
      // The noise was real, and what it broke was caught and retried.
      expect(stats.toHostFlips).toBeGreaterThan(0);
      expect(stats.toNodeFlips).toBeGreaterThan(0);
      expect(j.timeouts).toBeGreaterThan(0);
      expect(j.retries).toBe(j.timeouts);
      const hostFaults = Object.values(j.hostFrameFaults as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(hostFaults).toBeGreaterThan(0);
    }, 60_000);
  }
});

describe('parity when the node goes away', () => {
  it('the node killed mid-run (its port closes): one line naming the port and sequence numbers, exit 1, the summary so far', async () => {
    let windows = 0;
    let killed = 0;
    parityHooks.wrapTransport = (t) =>
      filterWrites(t, (bytes) => {
        if (windowSeqOf(bytes) !== null && ++windows === 10) {
          const [pid] = virtualNodeChildren();
          killed = pid;
          process.kill(pid, 'SIGKILL');
        }
        return true;
      });
    const { stdout, err } = await runParity(['--virtual', '--json', '--limit', '64']);
    expect(killed).toBeGreaterThan(0);
    const j = JSON.parse(stdout);
    expect(j.stopped).toMatchObject({ reason: 'port-closed' });
    const at: number = j.stopped.atWindow;
    // Windows before the one being sent were answered and checked; nothing was counted lost.
    expect(at).toBeGreaterThanOrEqual(8);
    expect(at).toBeLessThanOrEqual(10);
    expect(j).toMatchObject({ windows: 64, samples: at, lost: 0, lostWindows: [], bitExact: true, mismatches: 0, pass: false, nodeStats: null });
    expect(j.stopped.lastAnsweredWindow).toBe(at - 1);
    expect(j.failed).toContainEqual(expect.stringMatching(new RegExp(`^the node went away at window ${at} of 64: /dev/pts/\\d+: the port closed`)));
    const msg = (err as Error).message;
    expect(msg).toMatch(
      new RegExp(
        `^${j.port}: the port closed \\(device unplugged or reset\\?\\): [^\\n]+; parity stopped at window ${at} of 64 ` +
          `\\(last answered window ${at - 1}, last frame seq sent ${j.stopped.lastFrameSeqSent}, received ${j.stopped.lastFrameSeqReceived}\\); ${at} windows verified, 0 lost$`,
      ),
    );
    const shown = reportedError(err);
    expect(shown.exitCode).toBe(1);
    expect(shown.stderr).toBe(`pose-edge: ${msg}\n`); // one line, no stack trace
    expect(virtualNodeChildren()).toEqual([]);
  }, 60_000);

  it('a node that stops answering with its port open: lost windows are counted and the run goes on, until 3 in a row end it', async () => {
    // Window 2 never gets through (lost, the run goes on); from window 5 on nothing does (the node is gone).
    let silent = false;
    parityHooks.wrapTransport = (t) =>
      filterWrites(t, (bytes) => {
        const w = windowSeqOf(bytes);
        if (w !== null && w >= 5) silent = true;
        return !silent && w !== 2;
      });
    // Timeouts long enough that a slow answer on a busy machine is not taken for a lost one.
    const { stdout, err } = await runParity(['--virtual', '--json', '--limit', '12', '--timeout', '250', '--retries', '1']);
    const j = JSON.parse(stdout);
    expect(j).toMatchObject({
      windows: 12, samples: 4, lost: 4, lostWindows: [2, 5, 6, 7], timeouts: 8, retries: 4, retriedWindows: [2, 5, 6, 7], bitExact: true, pass: false, nodeStats: null,
      stopped: { reason: 'not-answering', atWindow: 7, lastAnsweredWindow: 4 },
    });
    const gone = `${j.port}: the node stopped answering: 3 windows in a row (5, 6, 7) got no KEYPOINTS after 2 attempts of 250 ms each (host-side frame faults: none)`;
    expect(j.failed.slice(0, 2)).toEqual(['4 of 12 windows lost (no KEYPOINTS after 2 attempts of 250 ms each): 2, 5, 6, 7', `the node went away at window 7 of 12: ${gone}`]);
    expect((err as Error).message).toMatch(
      new RegExp(`^${gone.replace(/[()]/g, '\\$&')}; parity stopped at window 7 of 12 \\(last answered window 4, last frame seq sent \\d+, received \\d+\\); 4 windows verified, 4 lost$`),
    );
    expect(reportedError(err).exitCode).toBe(1);
  }, 60_000);

  it('the text summary of a run that stopped early says how far it got', async () => {
    let silent = false;
    parityHooks.wrapTransport = (t) =>
      filterWrites(t, (bytes) => {
        if ((windowSeqOf(bytes) ?? -1) >= 3) silent = true;
        return !silent;
      });
    const { stdout, err } = await runParity(['--virtual', '--limit', '8', '--timeout', '300', '--retries', '0']);
    expect(stdout).toMatch(/^parity on \/dev\/pts\/\d+ \(linux-virtual, firmware [\d.]+, virtual node\): 3 of 8 windows answered\n/);
    expect(stdout).toContain('  link: 3 timeouts, 0 retries; 3 windows lost (3, 4, 5)\n');
    expect(stdout).toMatch(/\n {2}stopped early: \/dev\/pts\/\d+: the node stopped answering: 3 windows in a row \(3, 4, 5\)[^\n]+\n {2}FAIL\n$/);
    expect(reportedError(err).stderr.split('\n')).toHaveLength(2); // one line and its line feed
  }, 60_000);
});

describe('parity prints nothing from the node unescaped', () => {
  // A fake node that computes keypoints with the integer simulator passes for the compiled model.
  let compiled: Awaited<ReturnType<typeof compileForParity>>;
  beforeAll(async () => {
    compiled = await compileForParity({ modelPath: bundledModel(4).modelPath, weightsPath: bundledModel(4).weightsPath, bits: 4, actBits: 8, calibPath: BUNDLED.calib });
  }, 60_000);

  it('INFO strings with escape sequences, CR, BEL, C1 and DEL appear escaped in the text output; JSON keeps them exactly', async () => {
    const r = compiled.report;
    const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
    const chip = '\x1b]0;pwned\x07\r\x1b[2J'; // OSC window title, BEL, CR, clear screen
    const firmware = 'OK\x9b2J\x7f\x1b[1A\nPASS'; // C1 CSI, DEL, cursor up, a faked line
    const hello = info({ modelSha256: r.modelSha256, weightBits: r.bits, inputFracBits: r.inputFracBits, outputFracBits: r.outputFracBits, mode: 'replay' });
    const node = await startFakeNode(async (f, n) => {
      if (f.message.type === 'HELLO') {
        await n.sendRaw(MessageType.INFO, infoPayload(hello, bytes(firmware), bytes(chip)));
        return [];
      }
      if (f.message.type === 'CSI_WINDOW') {
        const keypoints = simulate(compiled.qgraph, f.message.window).output;
        return [{ type: 'KEYPOINTS', windowSeq: f.message.windowSeq, cycles: 1000, keypoints }];
      }
      if (f.message.type === 'RESET_STATS') return [ack(f)];
      return [];
    });
    try {
      const loose = ['--max-mean-err', '1', '--max-max-err', '1', '--min-agreement', '0', '--max-pck-drop', '100'];
      const text = await runParity([node.port, '--limit', '2', ...loose]);
      expect(text.err).toBeNull();
      expect(text.stdout).toContain(`parity on ${node.port} (\\x1b]0;pwned\\x07\\r\\x1b[2J, firmware OK\\x9b2J\\x7f\\x1b[1A\\nPASS): 2 windows\n`);
      expect(text.stdout).not.toMatch(RAW_CONTROLS);

      const json = await runParity([node.port, '--limit', '2', '--json', ...loose]);
      expect(json.stdout).not.toMatch(RAW_CONTROLS);
      expect(json.stdout).toContain('OK\\u009b2J\\u007f\\u001b[1A\\nPASS');
      expect(JSON.parse(json.stdout)).toMatchObject({ chip, firmwareVersion: firmware, samples: 2, bitExact: true });
    } finally {
      await node.close();
    }
  }, 60_000);

  it("an ERROR's text in an error message is escaped, bidi overrides and line separators included", async () => {
    const r = compiled.report;
    const node = await startFakeNode((f) => {
      if (f.message.type === 'HELLO') return [info({ modelSha256: r.modelSha256, weightBits: r.bits, inputFracBits: r.inputFracBits, outputFracBits: r.outputFracBits })];
      if (f.message.type === 'RESET_STATS') return [ack(f)];
      if (f.message.type === 'CSI_WINDOW') return [errorFor(f, 3, 'bad\r\x1b[2Kpose-edge: parity PASS\u202egnp.exe\u2028\x07')];
      return [];
    });
    try {
      const { err } = await runParity([node.port, '--limit', '1']);
      const msg = (err as Error).message;
      expect(msg).toMatch(new RegExp(`^${node.port}: node answered CSI_WINDOW \\(seq \\d+\\) with error 3: `));
      expect(msg.endsWith('bad\\r\\x1b[2Kpose-edge: parity PASS\\u202egnp.exe\\u2028\\x07')).toBe(true);
      const shown = reportedError(err);
      expect(shown.exitCode).toBe(1);
      expect(shown.stderr).not.toMatch(RAW_CONTROLS);
      expect(shown.stderr.split('\n')).toHaveLength(2);
    } finally {
      await node.close();
    }
  }, 60_000);
});
