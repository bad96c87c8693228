// Typed messages of docs/protocol.md and their payload layouts (little-endian). decodeMessage checks the
// exact payload length of every type, so a short or long payload is an error naming the type and seq.
// HELLO and INFO have two forms: HELLO with no payload gets the 88-byte INFO (version 1); HELLO with one byte
// (the INFO version the host reads, 2) gets the 96-byte INFO version 2, which adds the CSI fields.
import { ProtocolError } from './errors.ts';
import { encodeFrame, hex2, type Frame } from './frame.ts';
import { WINDOW_VALUES } from '../../data/window.ts';
import { CSI_LAYOUTS, layoutByName } from '../../data/csi-layouts.ts';

export const KEYPOINT_LEN = 34;
export const PACKET_LEN = 3 * 114;
export const STATS_FIELDS = [
  'packetsCaptured',
  'packetsDropped',
  'framesOk',
  'framesBadCrc',
  'framesBadFraming',
  'framesRejected',
  'queueHighWater',
  'windowsReceived',
  'inferences',
] as const;

export const MessageType = {
  HELLO: 0x01,
  CSI_WINDOW: 0x02,
  GET_STATS: 0x03,
  STREAM_START: 0x04,
  STREAM_STOP: 0x05,
  RESET_STATS: 0x06,
  INFO: 0x81,
  KEYPOINTS: 0x82,
  CSI_PACKET: 0x83,
  STATS: 0x84,
  ACK: 0x85,
  ERROR: 0x86,
} as const;
export type MessageName = keyof typeof MessageType;

export const ErrorCode = {
  UNKNOWN_TYPE: 1,
  BAD_VERSION: 2,
  BAD_LENGTH: 3,
  BAD_MAGIC: 4,
  NOT_SUPPORTED: 5,
  BAD_ARGUMENT: 6,
} as const;

export const StreamFlags = { CSI_PACKETS: 0x01, KEYPOINTS: 0x02 } as const;
export const NODE_MODES = ['replay', 'live', 'live-replay'] as const;
export type NodeMode = (typeof NODE_MODES)[number];

export type StatsCounters = Record<(typeof STATS_FIELDS)[number], number>;

/** The INFO version this host reads (HELLO asks for it). */
export const INFO_VERSION = 2;
export const INFO_LEN_V1 = 88;
export const INFO_LEN_V2 = 96;
export const SECOND_CHANNELS = ['none', 'above', 'below'] as const;

/** INFO version 2's CSI fields: what the node captures and what its driver delivered. */
export interface CsiInfo {
  /** Layout name of the last packet the driver delivered (src/data/csi-layouts.ts), or null: none yet. */
  layout: string | null;
  /** Every layout delivered since boot or RESET_STATS. */
  layoutsSeen: string[];
  /** Primary channel CSI is captured on, or null (replay mode, or a virtual node without a radio). */
  channel: number | null;
  /** Secondary channel setting, or null when the node does not say. */
  secondChannel: (typeof SECOND_CHANNELS)[number] | null;
}

/** One line about a node's CSI for the terminal: layout, channel, what it delivered so far. */
export function describeCsiInfo(csi: CsiInfo | null | undefined): string {
  if (!csi) return 'CSI layout not reported (firmware before INFO version 2)';
  const what = (name: string) => CSI_LAYOUTS.find((l) => l.name === name)?.what;
  const where = csi.channel === null ? '' : `, channel ${csi.channel}${csi.secondChannel ? `, secondary ${csi.secondChannel}` : ''}`;
  if (csi.layout === null) return `CSI: none delivered yet${where}`;
  const others = csi.layoutsSeen.filter((l) => l !== csi.layout);
  return `CSI: ${csi.layout}${what(csi.layout) ? ` (${what(csi.layout)})` : ''}${where}${others.length ? `; also seen: ${others.join(', ')}` : ''}`;
}

export interface InfoMessage {
  type: 'INFO';
  firmwareVersion: string;
  chip: string;
  modelSha256: string;
  weightBits: number;
  actBits: number;
  inputFracBits: number;
  outputFracBits: number;
  inputLen: number;
  outputLen: number;
  arenaBytes: number;
  macs: number;
  cycleHz: number;
  mode: NodeMode | `unknown(${number})`;
  protocolVersion: number;
  maxPayload: number;
  /** INFO version 2's CSI fields; null from a node that sent the 88-byte INFO (version 1). */
  csi?: CsiInfo | null;
}

export type Message =
  | { type: 'HELLO'; infoVersion?: number }
  | { type: 'CSI_WINDOW'; windowSeq: number; window: Int16Array }
  | { type: 'GET_STATS' }
  | { type: 'STREAM_START'; flags: number; hop: number }
  | { type: 'STREAM_STOP' }
  | { type: 'RESET_STATS' }
  | InfoMessage
  | { type: 'KEYPOINTS'; windowSeq: number; cycles: number; keypoints: Int16Array }
  | { type: 'CSI_PACKET'; packetSeq: number; timestampUs: number; rssi: [number, number, number]; linkMask: number; amplitudes: Int16Array }
  | ({ type: 'STATS' } & StatsCounters)
  | { type: 'ACK'; ackedType: number; ackedSeq: number }
  | { type: 'ERROR'; code: number; refType: number; refSeq: number; text: string };

const PAYLOAD_LEN: Record<MessageName, number | 'error'> = {
  HELLO: 0,
  CSI_WINDOW: 4 + 2 * WINDOW_VALUES,
  GET_STATS: 0,
  STREAM_START: 2,
  STREAM_STOP: 0,
  RESET_STATS: 0,
  INFO: INFO_LEN_V1,
  KEYPOINTS: 8 + 2 * KEYPOINT_LEN,
  CSI_PACKET: 12 + 2 * PACKET_LEN,
  STATS: 4 * STATS_FIELDS.length,
  ACK: 4,
  ERROR: 'error',
};
const ERROR_FIXED = 6;
export const ERROR_TEXT_MAX = 200;

export function messageName(code: number): MessageName | undefined {
  return (Object.keys(MessageType) as MessageName[]).find((k) => MessageType[k] === code);
}

function describe(code: number): string {
  return messageName(code) ?? `type 0x${hex2(code)}`;
}

function writeAscii(p: Uint8Array, off: number, s: string, max: number): void {
  for (let i = 0; i < Math.min(s.length, max); i++) p[off + i] = s.charCodeAt(i) & 0x7f;
}
function readAscii(p: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len && p[off + i] !== 0; i++) s += String.fromCharCode(p[off + i]);
  return s;
}
function checkInt16s(what: string, a: Int16Array, n: number): void {
  if (a.length !== n) throw new ProtocolError('encode', `${what}: expected ${n} int16 values, got ${a.length}`);
}

/** The payload bytes of a message. */
export function encodePayload(m: Message): Uint8Array {
  const len = m.type === 'HELLO' && m.infoVersion !== undefined ? 1 : m.type === 'INFO' && m.csi ? INFO_LEN_V2 : PAYLOAD_LEN[m.type];
  const p = new Uint8Array(len === 'error' ? ERROR_FIXED + Buffer.byteLength((m as { text: string }).text, 'utf8') : len);
  const dv = new DataView(p.buffer);
  switch (m.type) {
    case 'HELLO':
      if (m.infoVersion !== undefined) p[0] = m.infoVersion;
      break;
    case 'GET_STATS':
    case 'STREAM_STOP':
    case 'RESET_STATS':
      break;
    case 'CSI_WINDOW':
      checkInt16s(`CSI_WINDOW ${m.windowSeq}`, m.window, WINDOW_VALUES);
      dv.setUint32(0, m.windowSeq >>> 0, true);
      for (let i = 0; i < WINDOW_VALUES; i++) dv.setInt16(4 + 2 * i, m.window[i], true);
      break;
    case 'STREAM_START':
      p[0] = m.flags;
      p[1] = m.hop;
      break;
    case 'INFO': {
      writeAscii(p, 0, m.firmwareVersion, 15);
      writeAscii(p, 16, m.chip, 15);
      if (!/^[0-9a-f]{64}$/.test(m.modelSha256)) throw new ProtocolError('encode', `INFO: model SHA-256 must be 64 lowercase hex digits, got "${m.modelSha256}"`);
      for (let i = 0; i < 32; i++) p[32 + i] = parseInt(m.modelSha256.slice(2 * i, 2 * i + 2), 16);
      p[64] = m.weightBits;
      p[65] = m.actBits;
      p[66] = m.inputFracBits;
      p[67] = m.outputFracBits;
      dv.setUint16(68, m.inputLen, true);
      dv.setUint16(70, m.outputLen, true);
      dv.setUint32(72, m.arenaBytes, true);
      dv.setUint32(76, m.macs, true);
      dv.setUint32(80, m.cycleHz, true);
      const mi = NODE_MODES.indexOf(m.mode as NodeMode);
      p[84] = mi >= 0 ? mi : Number(/\d+/.exec(m.mode)?.[0] ?? 255);
      p[85] = m.protocolVersion;
      dv.setUint16(86, m.maxPayload, true);
      if (m.csi) encodeCsiInfo(m.csi, p, dv);
      break;
    }
    case 'KEYPOINTS':
      checkInt16s(`KEYPOINTS ${m.windowSeq}`, m.keypoints, KEYPOINT_LEN);
      dv.setUint32(0, m.windowSeq >>> 0, true);
      dv.setUint32(4, m.cycles >>> 0, true);
      for (let i = 0; i < KEYPOINT_LEN; i++) dv.setInt16(8 + 2 * i, m.keypoints[i], true);
      break;
    case 'CSI_PACKET':
      checkInt16s(`CSI_PACKET ${m.packetSeq}`, m.amplitudes, PACKET_LEN);
      dv.setUint32(0, m.packetSeq >>> 0, true);
      dv.setUint32(4, m.timestampUs >>> 0, true);
      for (let l = 0; l < 3; l++) dv.setInt8(8 + l, m.rssi[l]);
      p[11] = m.linkMask;
      for (let i = 0; i < PACKET_LEN; i++) dv.setInt16(12 + 2 * i, m.amplitudes[i], true);
      break;
    case 'STATS':
      STATS_FIELDS.forEach((f, i) => dv.setUint32(4 * i, m[f] >>> 0, true));
      break;
    case 'ACK':
      p[0] = m.ackedType;
      dv.setUint16(2, m.ackedSeq, true);
      break;
    case 'ERROR': {
      const text = Buffer.from(m.text, 'utf8');
      if (text.length > ERROR_TEXT_MAX) throw new ProtocolError('encode', `ERROR text of ${text.length} bytes exceeds ${ERROR_TEXT_MAX}`);
      dv.setUint16(0, m.code, true);
      p[2] = m.refType;
      dv.setUint16(4, m.refSeq, true);
      p.set(text, ERROR_FIXED);
      break;
    }
  }
  return p;
}

function encodeCsiInfo(c: CsiInfo, p: Uint8Array, dv: DataView): void {
  const id = (name: string) => {
    const l = layoutByName(name);
    if (!l) throw new ProtocolError('encode', `INFO: unknown CSI layout "${name}"`);
    return l.id;
  };
  p[88] = INFO_VERSION;
  p[89] = c.layout === null ? 0 : id(c.layout);
  p[90] = c.channel ?? 0;
  p[91] = c.secondChannel === null ? 0xff : SECOND_CHANNELS.indexOf(c.secondChannel);
  dv.setUint32(92, c.layoutsSeen.reduce((mask, name) => (mask | (1 << id(name))) >>> 0, 0), true);
}

function decodeCsiInfo(p: Uint8Array, dv: DataView): CsiInfo {
  const name = (id: number) => CSI_LAYOUTS[id]?.name ?? `unknown(${id})`;
  const seen = dv.getUint32(92, true);
  const layoutsSeen: string[] = [];
  for (let k = 1; k < 32; k++) if (seen & (1 << k)) layoutsSeen.push(name(k));
  return {
    layout: p[89] === 0 ? null : name(p[89]),
    layoutsSeen,
    channel: p[90] === 0 ? null : p[90],
    secondChannel: SECOND_CHANNELS[p[91]] ?? null,
  };
}

/** Bytes on the wire for one message with the given frame sequence number. */
export function encodeMessage(m: Message, seq: number): Uint8Array {
  return encodeFrame(MessageType[m.type], seq, encodePayload(m));
}

/** A typed message from a valid frame; ProtocolError for an unknown type or a payload of the wrong length. */
export function decodeMessage(f: Frame): Message {
  const name = messageName(f.type);
  if (!name) throw new ProtocolError('unknown-type', `unknown message type 0x${hex2(f.type)} (seq ${f.seq})`);
  const want = PAYLOAD_LEN[name];
  const p = f.payload;
  const alternative = name === 'HELLO' ? 1 : name === 'INFO' ? INFO_LEN_V2 : null;
  if (want === 'error' ? p.length < ERROR_FIXED || p.length > ERROR_FIXED + ERROR_TEXT_MAX : p.length !== want && p.length !== alternative) {
    const expected = want === 'error' ? `${ERROR_FIXED}..${ERROR_FIXED + ERROR_TEXT_MAX}` : alternative === null ? String(want) : `${want} or ${alternative}`;
    throw new ProtocolError('length', `${describe(f.type)} (seq ${f.seq}): payload is ${p.length} bytes, expected ${expected}`);
  }
  const dv = new DataView(p.buffer, p.byteOffset, p.length);
  const i16 = (off: number, n: number) => {
    const a = new Int16Array(n);
    for (let i = 0; i < n; i++) a[i] = dv.getInt16(off + 2 * i, true);
    return a;
  };
  switch (name) {
    case 'HELLO':
      return p.length ? { type: name, infoVersion: p[0] } : { type: name };
    case 'GET_STATS':
    case 'STREAM_STOP':
    case 'RESET_STATS':
      return { type: name };
    case 'CSI_WINDOW':
      return { type: name, windowSeq: dv.getUint32(0, true), window: i16(4, WINDOW_VALUES) };
    case 'STREAM_START':
      return { type: name, flags: p[0], hop: p[1] };
    case 'INFO':
      return {
        type: name,
        firmwareVersion: readAscii(p, 0, 16),
        chip: readAscii(p, 16, 16),
        modelSha256: Buffer.from(p.subarray(32, 64)).toString('hex'),
        weightBits: p[64],
        actBits: p[65],
        inputFracBits: p[66],
        outputFracBits: p[67],
        inputLen: dv.getUint16(68, true),
        outputLen: dv.getUint16(70, true),
        arenaBytes: dv.getUint32(72, true),
        macs: dv.getUint32(76, true),
        cycleHz: dv.getUint32(80, true),
        mode: NODE_MODES[p[84]] ?? `unknown(${p[84]})`,
        protocolVersion: p[85],
        maxPayload: dv.getUint16(86, true),
        csi: p.length === INFO_LEN_V2 ? decodeCsiInfo(p, dv) : null,
      };
    case 'KEYPOINTS':
      return { type: name, windowSeq: dv.getUint32(0, true), cycles: dv.getUint32(4, true), keypoints: i16(8, KEYPOINT_LEN) };
    case 'CSI_PACKET':
      return {
        type: name,
        packetSeq: dv.getUint32(0, true),
        timestampUs: dv.getUint32(4, true),
        rssi: [dv.getInt8(8), dv.getInt8(9), dv.getInt8(10)],
        linkMask: p[11],
        amplitudes: i16(12, PACKET_LEN),
      };
    case 'STATS': {
      const s = {} as StatsCounters;
      STATS_FIELDS.forEach((f, i) => (s[f] = dv.getUint32(4 * i, true)));
      return { type: name, ...s };
    }
    case 'ACK':
      return { type: name, ackedType: p[0], ackedSeq: dv.getUint16(2, true) };
    case 'ERROR':
      return { type: name, code: dv.getUint16(0, true), refType: p[2], refSeq: dv.getUint16(4, true), text: Buffer.from(p.subarray(ERROR_FIXED)).toString('utf8') };
  }
}
