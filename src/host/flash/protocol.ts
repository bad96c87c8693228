// Packets of the ESP serial ROM-loader protocol (inside SLIP frames), shared by our client and the simulator.
// Request:  u8 0x00, u8 op, u16 len, u32 chk, data[len]
// Response: u8 0x01, u8 op, u16 len, u32 val, data[len]; data ends with the status bytes
//           (4 from an ESP32-family ROM: status, error, 0, 0; 2 from the flasher stub).
// All little-endian.

export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([k, v]) => [v, k]));
export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** ROM error codes (second status byte). */
export const RomError = {
  INVALID_MESSAGE: 0x05,
  FAILED_TO_ACT: 0x06,
  BAD_CHECKSUM: 0x07,
  FLASH_WRITE: 0x08,
  FLASH_READ: 0x09,
  READ_LENGTH: 0x0a,
  DEFLATE: 0x0b,
} as const;

const ROM_ERROR_TEXT: Record<number, string> = {
  0x05: 'invalid message',
  0x06: 'failed to act on the command',
  0x07: 'bad data checksum',
  0x08: 'flash write error',
  0x09: 'flash read error',
  0x0a: 'read length error',
  0x0b: 'deflate error',
};
export function romErrorText(code: number): string {
  return ROM_ERROR_TEXT[code] ?? `error 0x${code.toString(16).padStart(2, '0')}`;
}

/** Status bytes closing every ROM response (the ROM path is the only one this client speaks). */
export const ROM_STATUS_LEN = 4;

/** The data checksum: 0xEF XOR every payload byte; only the *_DATA commands carry it. */
export function dataChecksum(payload: Uint8Array): number {
  let c = 0xef;
  for (const b of payload) c ^= b;
  return c;
}

export function u32le(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint32(i * 4, v >>> 0, true));
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeRequest(op: number, data: Uint8Array, chk = 0): Uint8Array {
  const pkt = new Uint8Array(8 + data.length);
  const dv = new DataView(pkt.buffer);
  pkt[0] = 0x00;
  pkt[1] = op;
  dv.setUint16(2, data.length, true);
  dv.setUint32(4, chk >>> 0, true);
  pkt.set(data, 8);
  return pkt;
}

export interface Request {
  op: number;
  chk: number;
  data: Uint8Array;
}

/** Returns null for anything that is not a well-formed request (wrong direction byte or length). */
export function decodeRequest(pkt: Uint8Array): Request | null {
  if (pkt.length < 8 || pkt[0] !== 0x00) return null;
  const dv = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  const len = dv.getUint16(2, true);
  if (pkt.length !== 8 + len) return null;
  return { op: pkt[1], chk: dv.getUint32(4, true), data: pkt.subarray(8) };
}

export function encodeResponse(op: number, val: number, body: Uint8Array, status: Uint8Array): Uint8Array {
  const data = concatBytes(body, status);
  const pkt = new Uint8Array(8 + data.length);
  const dv = new DataView(pkt.buffer);
  pkt[0] = 0x01;
  pkt[1] = op;
  dv.setUint16(2, data.length, true);
  dv.setUint32(4, val >>> 0, true);
  pkt.set(data, 8);
  return pkt;
}

export interface Response {
  op: number;
  val: number;
  /** Payload without the status bytes. */
  body: Uint8Array;
  /** First status byte: 0 = success. */
  status: number;
  /** Second status byte: the ROM error code when status != 0. */
  error: number;
  /** How many status bytes closed the reply: 4 from the ROM; fewer means a device that is not a ROM loader. */
  statusLen: number;
}

/** Returns null for anything that is not a well-formed response (a corrupted or truncated frame). */
export function decodeResponse(pkt: Uint8Array, statusLen = ROM_STATUS_LEN): Response | null {
  if (pkt.length < 8 || pkt[0] !== 0x01) return null;
  const dv = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  const len = dv.getUint16(2, true);
  if (pkt.length !== 8 + len || len < 2) return null;
  const data = pkt.subarray(8);
  // A short reply (2 status bytes) can still carry an error; only the first two status bytes mean anything.
  const sLen = len >= statusLen ? statusLen : 2;
  const status = data[len - sLen];
  const error = data[len - sLen + 1];
  return { op: pkt[1], val: dv.getUint32(4, true), body: data.subarray(0, len - sLen), status, error, statusLen: sLen };
}
