// `pose-edge stream` when the node misbehaves or goes away (docs/streaming.md, "When the node goes away"):
// STREAM_START lost, refused or never answered (a scripted fake node on a pty); a node that goes quiet with
// its port open; the virtual node killed mid-stream (in-process, and through the real entry point as a
// child process); a recording that cannot be written (a file size limit); hostile INFO strings on the
// terminal. Every ending is one line naming the port or file, a non-zero exit, and the SUMMARY with --json.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCsiRecording, MessageType, type CsiRecord, type Message } from '../../../src/host/protocol/index.ts';
import { startVirtualNode, type VirtualNode } from '../../../src/host/virtual-node.ts';
import { readRecording } from '../../../src/host/stream/recording.ts';
import { runCliResult, reportedError } from '../../helpers/cli.ts';
import { ack, errorFor, info, infoPayload, liveNodeAnswer, startFakeNode, type FakeNode, type Script } from '../../helpers/fake-node.ts';

const BIN = fileURLToPath(new URL('../../../bin/pose-edge.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-stream-faults-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RAW_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const runStream = (args: string[], onStdout?: (chunk: string, all: string) => void) => runCliResult('stream', args, onStdout);
const jsonLines = (text: string): Record<string, any>[] => text.trim().split('\n').map((l) => JSON.parse(l));

async function withFakeNode<T>(script: Script, body: (node: FakeNode) => Promise<T>): Promise<T> {
  const node = await startFakeNode(script);
  try {
    return await body(node);
  } finally {
    await node.close();
  }
}

function packet(seq: number): Message {
  return { type: 'CSI_PACKET', packetSeq: seq, timestampUs: seq * 10_000, rssi: [-50, -51, -52], linkMask: 7, amplitudes: new Int16Array(342).fill(seq) };
}

/** A CSI recording the virtual node replays in a loop: 3 links x 20 slots of HT40 packets. */
function loopRecording(): string {
  const records: CsiRecord[] = [];
  for (let s = 0; s < 20; s++) {
    for (let link = 0; link < 3; link++) {
      records.push({
        timestampUs: s * 10_000 + link * 50, link, rssi: -50, channel: 6, layout: 8, firstWordInvalid: false,
        buf: Int8Array.from({ length: 384 }, (_, i) => ((i * 7 + s * 3 + link) % 41) - 20),
      });
    }
  }
  const file = join(tmp, 'loop.pecsrec');
  writeFileSync(file, encodeCsiRecording(records));
  return file;
}
const recording = loopRecording();
const liveNode = (): Promise<VirtualNode> => startVirtualNode({ replayCsi: recording, loop: true, packetRate: 300 });

describe('stream: STREAM_START lost, refused, never answered', () => {
  it('a STREAM_START whose answer is lost is sent again, and the stream runs', async () => {
    let starts = 0;
    await withFakeNode(
      (f) => (f.message.type === 'STREAM_START' && ++starts === 1 ? [] : liveNodeAnswer(f)),
      async (node) => {
        const { stdout, err } = await runStream([node.port, '--json', '--duration', '0.3', '--timeout', '500']);
        expect(err).toBeNull();
        expect(node.received.filter((f) => f.message.type === 'STREAM_START')).toHaveLength(2);
        expect(jsonLines(stdout).at(-1)).toMatchObject({ type: 'SUMMARY', retries: 1, ended: 'duration', error: null });
      },
    );
  }, 30_000);

  it('a node that answers STREAM_START with ERROR "refused" it: the message says so, with its text escaped, and it is not re-sent', async () => {
    const text = 'no CSI\x1b[2J\r\x07\x1b]0;owned\x07\u202eevil\u2028OK';
    await withFakeNode(
      (f) => (f.message.type === 'STREAM_START' ? [errorFor(f, 5, text)] : liveNodeAnswer(f)),
      async (node) => {
        const { err } = await runStream([node.port, '--json', '--duration', '1', '--timeout', '200']);
        expect((err as Error).message).toBe(
          `${node.port}: the node refused STREAM_START: error 5 (not supported; a node in replay mode has no CSI source): ` +
            'no CSI\\x1b[2J\\r\\x07\\x1b]0;owned\\x07\\u202eevil\\u2028OK',
        );
        expect(node.received.filter((f) => f.message.type === 'STREAM_START')).toHaveLength(1);
        const shown = reportedError(err);
        expect(shown.exitCode).toBe(1);
        expect(shown.stderr).not.toMatch(RAW_CONTROLS);
      },
    );
  }, 30_000);

  it('a STREAM_START never answered is "no answer" after --retries re-sends (n + 1 attempts)', async () => {
    await withFakeNode(
      (f) => (f.message.type === 'STREAM_START' ? [] : liveNodeAnswer(f)),
      async (node) => {
        const { err } = await runStream([node.port, '--json', '--duration', '1', '--timeout', '200', '--retries', '2']);
        expect((err as Error).message).toBe(`${node.port}: no answer to STREAM_START after 3 attempts of 200 ms (the node answered HELLO; host-side frame faults: none)`);
        expect(node.received.filter((f) => f.message.type === 'STREAM_START')).toHaveLength(3);
      },
    );
  }, 30_000);
});

describe('stream: the node goes away', () => {
  it('a node that goes quiet with its port open ends the stream after --silence: one line, exit 1, the SUMMARY so far', async () => {
    await withFakeNode(
      async (f, node) => {
        if (f.message.type === 'STREAM_START') {
          await node.send(ack(f));
          for (let s = 0; s < 5; s++) await node.send(packet(s));
          return [];
        }
        // After its packets the node says nothing more: GET_STATS and STREAM_STOP go unanswered.
        return f.message.type === 'HELLO' ? [info()] : [];
      },
      async (node) => {
        const { stdout, err } = await runStream([node.port, '--json', '--silence', '1.5', '--timeout', '300']);
        const msg = (err as Error).message;
        expect(msg).toMatch(
          new RegExp(`^${node.port}: the node stopped answering: nothing received for [\\d.]+ s \\(\\d+ GET_STATS unanswered, one every 1000 ms\\); stream ended after [\\d.]+ s, last CSI_PACKET packetSeq 4$`),
        );
        const lines = jsonLines(stdout);
        expect(lines.filter((l) => l.type === 'CSI_PACKET')).toHaveLength(5);
        expect(lines.at(-1)).toMatchObject({ type: 'SUMMARY', csiPackets: 5, lastPacketSeq: 4, ended: 'not-answering', error: msg });
        expect(reportedError(err).exitCode).toBe(1);
        expect(node.received.some((f) => f.message.type === 'STREAM_STOP')).toBe(true); // asked to stop, without a long wait
      },
    );
  }, 30_000);

  it('the virtual node killed mid-stream: one line naming the port and last packetSeq, exit 1, SUMMARY, the recording closed whole', async () => {
    const node = await liveNode();
    const out = join(tmp, 'killed.pestrm');
    let killed = false;
    try {
      const { stdout, err } = await runStream([node.port, '--json', '--out', out], (_chunk, all) => {
        if (!killed && (all.match(/"type":"CSI_PACKET"/g) ?? []).length >= 12) {
          killed = true;
          process.kill(node.pid, 'SIGKILL');
        }
      });
      const lines = jsonLines(stdout);
      const packets = lines.filter((l) => l.type === 'CSI_PACKET');
      const last = packets.at(-1)!.packetSeq as number;
      const summary = lines.at(-1)!;
      expect(summary).toMatchObject({ type: 'SUMMARY', ended: 'port-closed', lastPacketSeq: last, csiPackets: packets.length, out });
      const msg = (err as Error).message;
      expect(msg).toMatch(new RegExp(`^${node.port}: the port closed \\(device unplugged or reset\\?\\): [^\\n]+; stream ended after [\\d.]+ s, last CSI_PACKET packetSeq ${last}, `));
      expect(msg).toMatch(new RegExp(`, (\\d+) records kept in ${out}$`));
      expect(summary.error).toBe(msg);
      const shown = reportedError(err);
      expect(shown.exitCode).toBe(1);
      expect(shown.stderr).toBe(`pose-edge: ${msg}\n`);
      // Closed properly: every record complete, every CSI_PACKET printed is in it.
      const rec = readRecording(out);
      expect(rec.stop).toBeNull();
      expect(rec.records).toHaveLength(Number(/(\d+) records kept/.exec(msg)![1]));
      expect(rec.records.filter((r) => r.kind === 1 && r.type === MessageType.CSI_PACKET)).toHaveLength(packets.length);
    } finally {
      await node.stop();
    }
  }, 30_000);
});

interface Child {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real entry point; `onStdout` may act on the output so far (e.g. kill the node). */
function runBin(argv: string[], onStdout: (all: string) => void = () => {}, command = process.execPath): Promise<Child> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      onStdout(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const countPackets = (text: string) => (text.match(/"type":"CSI_PACKET"/g) ?? []).length;

describe('stream through the real entry point (bin/pose-edge.mjs)', () => {
  it('the node killed mid-stream: exit 1, one line on stderr and no stack trace, SUMMARY last on stdout', async () => {
    const node = await liveNode();
    let killed = false;
    try {
      const r = await runBin([BIN, 'stream', node.port, '--json'], (all) => {
        if (!killed && countPackets(all) >= 5) {
          killed = true;
          process.kill(node.pid, 'SIGKILL');
        }
      });
      expect(r.status).toBe(1);
      const summary = jsonLines(r.stdout).at(-1)!;
      expect(summary).toMatchObject({ type: 'SUMMARY', ended: 'port-closed' });
      expect(r.stderr).toMatch(
        new RegExp(`^pose-edge: ${node.port}: the port closed \\(device unplugged or reset\\?\\): [^\\n]+; stream ended after [\\d.]+ s, last CSI_PACKET packetSeq ${summary.lastPacketSeq}[^\\n]*\\n$`),
      );
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('SIGTERM still stops cleanly: exit 0 and the SUMMARY', async () => {
    const node = await liveNode();
    try {
      let sent = false;
      let child = 0;
      const r = await new Promise<Child>((resolve) => {
        const p = spawn(process.execPath, [BIN, 'stream', node.port, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
        child = p.pid!;
        let stdout = '';
        let stderr = '';
        p.stdout.setEncoding('utf8').on('data', (t: string) => {
          stdout += t;
          if (!sent && countPackets(stdout) >= 5) {
            sent = true;
            process.kill(child, 'SIGTERM');
          }
        });
        p.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
        p.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'SUMMARY', ended: 'signal', error: null });
    } finally {
      await node.stop();
    }
  }, 60_000);

  it('a recording that cannot be written (file size limit) ends the stream: one line naming the file, exit 1, what was written kept', async () => {
    const node = await liveNode();
    const out = join(tmp, 'full.pestrm');
    try {
      // 40 blocks of 512 bytes; SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full disk.
      const r = await runBin(['-c', 'ulimit -f 40; trap "" XFSZ; exec "$0" "$@"', process.execPath, BIN, 'stream', node.port, '--json', '--out', out], undefined, 'sh');
      expect(r.status).toBe(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const m = new RegExp(
        `^pose-edge: ${out}: (file too large \\(writing the stream recording\\)|only \\d+ of the \\d+ bytes of a record were written \\(disk full\\?\\)); ` +
          `the stream was stopped; stream ended after [\\d.]+ s, last CSI_PACKET packetSeq \\d+[^\\n]*, (\\d+) records kept in ${out}\\n$`,
      ).exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(jsonLines(r.stdout).at(-1)).toMatchObject({ type: 'SUMMARY', ended: 'recording', out });
      // Everything reported as kept reads back; at most the one record cut by the limit is torn.
      const rec = readRecording(out);
      expect(rec.records).toHaveLength(Number(m![2]));
      expect(rec.stop === null || rec.stop.reason === 'torn').toBe(true);
      expect(rec.records.length).toBeGreaterThan(10);
    } finally {
      await node.stop();
    }
  }, 60_000);
});

describe('stream prints nothing from the node unescaped', () => {
  const chip = '\x1b]0;pwned\x07\r\x1b[2J';
  const firmware = 'OK\x9b2J\x7f\x1b[1A\nPASS';
  const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
  const hostile: Script = async (f, node) => {
    if (f.message.type !== 'HELLO') return liveNodeAnswer(f);
    await node.sendRaw(MessageType.INFO, infoPayload(info(), bytes(firmware), bytes(chip)));
    return [];
  };

  it('INFO strings in the status screen are escaped', async () => {
    await withFakeNode(hostile, async (node) => {
      const { stdout, err } = await runStream([node.port, '--duration', '0.3']);
      expect(err).toBeNull();
      expect(stdout).toContain(`[\\x1b]0;pwned\\x07\\r\\x1b[2J, firmware OK\\x9b2J\\x7f\\x1b[1A\\nPASS, model ${'0'.repeat(12)}…]`);
      expect(stdout).not.toMatch(RAW_CONTROLS);
    });
  }, 30_000);

  it('--json carries them exactly, as JSON escapes only', async () => {
    await withFakeNode(hostile, async (node) => {
      const { stdout } = await runStream([node.port, '--json', '--duration', '0.3']);
      expect(stdout).not.toMatch(RAW_CONTROLS);
      expect(jsonLines(stdout).find((l) => l.type === 'INFO')).toMatchObject({ chip, firmwareVersion: firmware });
    });
  }, 30_000);
});
