// A scripted node on a pseudo-terminal pair (socat): the host tool opens `port` like a board's UART; the test
// decides what each host frame gets back (an answer, an ERROR, raw bytes, or nothing) and can send
// unsolicited messages (CSI_PACKET...). For behaviour a real node never shows on purpose: answers lost,
// refusals, hostile strings, a node that goes quiet or away.
import { createPtyPair, type PtyPair } from '../../src/host/transport/pty-pair.ts';
import { SerialTransport } from '../../src/host/transport/serial.ts';
import { decodeMessage, encodeFrame, encodeMessage, encodePayload, FrameDecoder, MessageType, type InfoMessage, type Message } from '../../src/host/protocol/index.ts';

export interface HostFrame {
  message: Message;
  /** The host's frame sequence number (an ERROR or ACK refers to it). */
  seq: number;
}

export interface FakeNode {
  /** The end the host tool opens. */
  port: string;
  /** Every frame the host sent, in order. */
  received: HostFrame[];
  send(m: Message): Promise<void>;
  /** A frame whose payload the test built byte by byte (e.g. an INFO with bytes encodeMessage would not write). */
  sendRaw(type: number, payload: Uint8Array): Promise<void>;
  /** Closes the device end and the pty pair: the host sees its port go away. */
  close(): Promise<void>;
}

/** What a node answers to a host frame: messages to send back (none: stay silent). */
export type Script = (f: HostFrame, node: FakeNode) => Message[] | Promise<Message[]>;

export function info(overrides: Partial<InfoMessage> = {}): InfoMessage {
  return {
    type: 'INFO', firmwareVersion: '0.1.0', chip: 'fake', modelSha256: '00'.repeat(32), weightBits: 4, actBits: 8, inputFracBits: 8,
    outputFracBits: 12, inputLen: 3420, outputLen: 34, arenaBytes: 1000, macs: 1000, cycleHz: 1e9, mode: 'live', protocolVersion: 1, maxPayload: 6848,
    ...overrides,
  };
}

export function ack(f: HostFrame): Message {
  return { type: 'ACK', ackedType: MessageType[f.message.type], ackedSeq: f.seq };
}

export function errorFor(f: HostFrame, code: number, text: string): Message {
  return { type: 'ERROR', code, refType: MessageType[f.message.type], refSeq: f.seq, text };
}

/** A node that answers like a live node: INFO, ACK to controls, STATS; `script` overrides per frame. */
export function liveNodeAnswer(f: HostFrame): Message[] {
  switch (f.message.type) {
    case 'HELLO':
      return [info()];
    case 'STREAM_START':
    case 'STREAM_STOP':
    case 'RESET_STATS':
      return [ack(f)];
    case 'GET_STATS':
      return [{ type: 'STATS', packetsCaptured: 0, packetsDropped: 0, framesOk: 0, framesBadCrc: 0, framesBadFraming: 0, framesRejected: 0, queueHighWater: 0, windowsReceived: 0, inferences: 0 }];
    default:
      return [];
  }
}

export async function startFakeNode(script: Script): Promise<FakeNode> {
  const pair: PtyPair = await createPtyPair();
  const device = await SerialTransport.open(pair.device, 921600);
  let seq = 0;
  let closed = false;
  const write = async (bytes: Uint8Array) => {
    if (!closed) await device.write(bytes);
  };
  const node: FakeNode = {
    port: pair.host,
    received: [],
    send: (m) => write(encodeMessage(m, seq++ & 0xffff)),
    sendRaw: (type, payload) => write(encodeFrame(type, seq++ & 0xffff, payload)),
    close: async () => {
      closed = true;
      await device.close();
      await pair.close();
    },
  };
  const decoder = new FrameDecoder();
  device.onData((chunk) => {
    for (const ev of decoder.push(chunk)) {
      if (ev.kind !== 'frame') continue;
      const f = { message: decodeMessage(ev.frame), seq: ev.frame.seq };
      node.received.push(f);
      // An answer can still be on its way when the test closes the node (the host gave up on an ERROR and the
      // test ended): that write fails on the closed device and is no fault; any other failure is left loud.
      void Promise.resolve(script(f, node))
        .then(async (answers) => {
          for (const a of answers) await node.send(a);
        })
        .catch((err: unknown) => {
          if (!closed) throw err;
        });
    }
  });
  return node;
}

/** INFO's payload with its firmware and chip fields set byte for byte (16 bytes each, NUL-padded). */
export function infoPayload(m: InfoMessage, firmware: number[], chip: number[]): Uint8Array {
  const p = encodePayload(m);
  p.fill(0, 0, 32);
  p.set(firmware.slice(0, 16), 0);
  p.set(chip.slice(0, 16), 16);
  return p;
}
