// The virtual node over its pseudo-terminal, driven with the TypeScript codec exactly as a host drives a
// board: HELLO/INFO against pose_model.h, replayed windows against the batch program's outputs (same
// model, different path: the bytes must survive the protocol untouched), every error answer a user can
// provoke, and noise on the line costing only the frames it touched (checked in STATS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../src/host/transport/serial.ts';
import {
  encodeFrame,
  FrameDecoder,
  encodeMessage,
  ErrorCode,
  MessageType,
  NodeSession,
  type Message,
} from '../../src/host/protocol/index.ts';
import { buildFirmwareProgram, readModelHeader, startVirtualNode, type VirtualNode } from '../../src/host/virtual-node.ts';
import { packWindows, run, tempBuildDir, testWindows, unpackOutputs, snapshotModelDir } from './helpers.ts';

const buildDir = tempBuildDir('vnode');
const modelDir = snapshotModelDir(buildDir);
const header = readModelHeader(modelDir);
const { windows } = testWindows(6, header.inputFracBits);
let expected: Int16Array[];
let node: VirtualNode;
let transport: SerialTransport;
let session: NodeSession;

beforeAll(async () => {
  const batch = await buildFirmwareProgram({ program: 'batch', modelDir, buildDir });
  const r = await run(batch, [], packWindows(windows));
  expect(r.code).toBe(0);
  expected = unpackOutputs(r.stdout);
  node = await startVirtualNode({ modelDir, buildDir });
  transport = await SerialTransport.open(node.port, 921600);
  session = new NodeSession(transport, 10_000);
});

afterAll(async () => {
  session?.close();
  await transport?.close();
  await node?.stop();
});

function nextMessage(pred: (m: Message) => boolean, ms = 3000): Promise<Message> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      off();
      rej(new Error('no matching message'));
    }, ms);
    const off = session.onMessage((m) => {
      if (pred(m)) {
        clearTimeout(timer);
        off();
        res(m);
      }
    });
  });
}

describe('virtual node on a pty', () => {
  it('answers HELLO with INFO describing the model it was built with', async () => {
    const info = await session.hello();
    expect(info).toMatchObject({
      chip: 'linux-virtual',
      firmwareVersion: '0.1.0',
      modelSha256: header.sha256,
      weightBits: header.weightBits,
      actBits: header.actBits,
      inputFracBits: header.inputFracBits,
      outputFracBits: header.outputFracBits,
      inputLen: 3420,
      outputLen: 34,
      arenaBytes: header.arenaBytes,
      macs: header.macs,
      cycleHz: 1_000_000_000,
      mode: 'replay',
      protocolVersion: 1,
      maxPayload: 6848,
      // INFO version 2 (the host asked with HELLO's payload byte): no radio, nothing delivered in replay mode
      csi: { layout: null, layoutsSeen: [], channel: null, secondChannel: null },
    });
  });

  it('answers a v1 host\'s empty HELLO with the 88-byte INFO, and a HELLO of 2 bytes with ERROR 3', async () => {
    const v1 = nextMessage((m) => m.type === 'INFO');
    const raw: Uint8Array[] = [];
    const off = session.transport.onData((d) => raw.push(d));
    await session.send({ type: 'HELLO' });
    expect(await v1).toMatchObject({ chip: 'linux-virtual', csi: null });
    off();
    const frames = new FrameDecoder().push(Buffer.concat(raw)).flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));
    expect(frames.filter((f) => f.type === MessageType.INFO).map((f) => f.payload.length)).toEqual([88]);
    const bad = nextMessage((m) => m.type === 'ERROR' && m.refSeq === 4240);
    await session.sendRaw(encodeFrame(MessageType.HELLO, 4240, new Uint8Array(2)));
    expect(await bad).toMatchObject({ code: ErrorCode.BAD_LENGTH, text: 'HELLO (seq 4240): payload is 2 bytes, expected 0 or 1' });
  });

  it('answers each CSI_WINDOW with the KEYPOINTS the kernel computes', async () => {
    for (let i = 0; i < windows.length; i++) {
      const kp = await session.runWindow(1000 + i, windows[i]);
      expect(kp.windowSeq).toBe(1000 + i);
      expect(Array.from(kp.keypoints)).toEqual(Array.from(expected[i]));
      expect(kp.cycles).toBeGreaterThan(0);
    }
  });

  it('answers an unknown type, another version and a wrong length with ERROR naming them', async () => {
    const unknown = nextMessage((m) => m.type === 'ERROR' && m.refSeq === 4242);
    await session.sendRaw(encodeFrame(0x7f, 4242, new Uint8Array(0)));
    expect(await unknown).toEqual({ type: 'ERROR', code: ErrorCode.UNKNOWN_TYPE, refType: 0x7f, refSeq: 4242, text: 'unknown message type 0x7f (seq 4242)' });

    const version = nextMessage((m) => m.type === 'ERROR' && m.refSeq === 4243);
    await session.sendRaw(encodeFrame(MessageType.HELLO, 4243, new Uint8Array(0), 2));
    expect(await version).toMatchObject({ code: ErrorCode.BAD_VERSION, text: 'protocol version 2 not supported (node speaks 1)' });

    const length = nextMessage((m) => m.type === 'ERROR' && m.refSeq === 4244);
    await session.sendRaw(encodeFrame(MessageType.CSI_WINDOW, 4244, new Uint8Array(100)));
    expect(await length).toMatchObject({ code: ErrorCode.BAD_LENGTH, text: 'CSI_WINDOW (seq 4244): payload is 100 bytes, expected 6844' });

    // A node -> host type sent to the node is just as unknown to it.
    const wrongWay = nextMessage((m) => m.type === 'ERROR' && m.refSeq === 4245);
    await session.sendRaw(encodeFrame(MessageType.INFO, 4245, new Uint8Array(88)));
    expect(await wrongWay).toMatchObject({ code: ErrorCode.UNKNOWN_TYPE, text: 'unknown message type 0x81 (seq 4245)' });
  });

  it('refuses STREAM_START in replay mode (no CSI source)', async () => {
    await expect(session.control({ type: 'STREAM_START', flags: 3, hop: 5 })).rejects.toThrow(
      /node answered STREAM_START \(seq \d+\) with error 5: STREAM_START: this node has no CSI source \(replay mode\)/,
    );
  });

  it('noise costs only the frames it touched: counted in STATS, nothing wrong answered', async () => {
    await session.control({ type: 'RESET_STATS' });
    const answers: Message[] = [];
    const off = session.onMessage((m) => answers.push(m));
    const good = (i: number) => encodeMessage({ type: 'CSI_WINDOW', windowSeq: 2000 + i, window: windows[i] }, 100 + i);
    const flipped = good(0);
    flipped[3000] ^= flipped[3000] === 0x04 ? 0x08 : 0x04; // a bit error that does not forge a delimiter
    const dropped = good(1);
    const droppedByte = Buffer.concat([dropped.subarray(0, 1234), dropped.subarray(1235)]);
    const truncated = good(2).subarray(0, 2000); // the sender died mid-frame; the next frame's 0x00 ends it
    const random = Uint8Array.from({ length: 500 }, (_, i) => ((i * 73 + 11) % 255) + 1); // no 0x00: one junk frame
    const last = nextMessage((m) => m.type === 'KEYPOINTS' && m.windowSeq === 2004, 10_000);
    await session.sendRaw(Buffer.concat([flipped, droppedByte, truncated, random, good(3), good(4)]));
    await last;
    const stats = await session.stats();
    off();
    const kps = answers.filter((m) => m.type === 'KEYPOINTS');
    expect(kps.map((m) => (m.type === 'KEYPOINTS' ? m.windowSeq : -1))).toEqual([2003, 2004]);
    for (const m of kps) if (m.type === 'KEYPOINTS') expect(Array.from(m.keypoints)).toEqual(Array.from(expected[m.windowSeq - 2000]));
    expect(answers.filter((m) => m.type === 'ERROR')).toEqual([]);
    // Three damaged frames, each counted once (as CRC or COBS failure, depending on which byte was hit),
    // none answered: the flipped one, the one with a dropped byte, and the truncated one, which runs on
    // into the junk (no 0x00 in between) until the next frame's leading delimiter.
    expect(stats.framesBadCrc + stats.framesBadFraming).toBe(3);
    expect(stats.windowsReceived).toBe(2);
    expect(stats.framesOk).toBe(4); // RESET_STATS, the two good windows and this GET_STATS
    expect(session.faults).toMatchObject({ crc: 0, framing: 0, oversize: 0 });
  });

  it('stops cleanly on SIGTERM', async () => {
    const n = await startVirtualNode({ modelDir, buildDir });
    expect(n.port).toMatch(/^\/dev\/pts\/\d+$/);
    expect(await n.stop()).toBe(0);
  });
});
