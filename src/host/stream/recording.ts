// The stream recording file (`pose-edge stream --out FILE`, docs/streaming.md): append-only, every record
// length-prefixed and CRC-checked, so whatever was written before a crash reads back and a torn tail is
// recognised and ignored. Layout (little-endian):
//   header, 16 bytes: "PESTRM01" | u16 version (1) | u16 reserved (0) | u32 CRC-32 of the 12 bytes before
//   record: u32 body length | u32 CRC-32 of the body | body
//   body: f64 host time (ms since the Unix epoch) | u8 kind | u8 message type (0 for UDP) | payload
// kind 1: a message received from a node (payload = the wire message's payload, docs/protocol.md);
// kind 2: a message the host sent (STREAM_START, so a reader knows the hop); kind 3: one UDP datagram as
// received (esp32-csi-node frames, magic 0xC5110001, or anything else that arrived on the port).
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { crc32 } from '../protocol/crc32.ts';
import { PoseEdgeError } from '../../errors.ts';
import { fsError, readFileChecked } from '../../io/fs-errors.ts';

export const STREAM_MAGIC = 'PESTRM01';
export const STREAM_VERSION = 1;
export const HEADER_BYTES = 16;
const RECORD_HEAD = 8;
const BODY_HEAD = 10;
/** No record is larger than a UDP datagram (64 KiB) plus the body header; a larger length is damage. */
export const MAX_BODY = 65536 + BODY_HEAD;

export const RecordKind = { NODE_MESSAGE: 1, HOST_MESSAGE: 2, UDP_DATAGRAM: 3 } as const;
export type RecordKindCode = (typeof RecordKind)[keyof typeof RecordKind];

export interface StreamRecord {
  timeMs: number;
  kind: RecordKindCode;
  type: number;
  payload: Uint8Array;
}

export class RecordingError extends PoseEdgeError {}

export function encodeHeader(): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  const dv = new DataView(h.buffer);
  h.set(Buffer.from(STREAM_MAGIC, 'ascii'));
  dv.setUint16(8, STREAM_VERSION, true);
  dv.setUint32(12, crc32(h.subarray(0, 12)), true);
  return h;
}

export function encodeRecord(r: StreamRecord): Uint8Array {
  const body = new Uint8Array(BODY_HEAD + r.payload.length);
  const bv = new DataView(body.buffer);
  bv.setFloat64(0, r.timeMs, true);
  body[8] = r.kind;
  body[9] = r.type;
  body.set(r.payload, BODY_HEAD);
  const out = new Uint8Array(RECORD_HEAD + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length, true);
  dv.setUint32(4, crc32(body), true);
  out.set(body, RECORD_HEAD);
  return out;
}

export interface ReadResult {
  records: StreamRecord[];
  /** Byte offset of each record in the file (parallel to `records`), for messages that name a record. */
  offsets: number[];
  /** Bytes of complete, valid records (header included): where an appending writer continues. */
  validBytes: number;
  /**
   * Why reading stopped before the end of the file, or null when every byte was a valid record. Only a
   * torn tail stops reading quietly: damage that valid records follow is a RecordingDamageError.
   */
  stop: null | { offset: number; reason: StopReason };
}

export type StopReason = 'torn' | 'crc' | 'length';

/** Words for a torn tail's reason, for messages: "reading stopped at byte N: <this>". */
export function describeStop(reason: StopReason): string {
  return reason === 'torn' ? 'torn record' : reason === 'crc' ? 'last record fails its CRC' : 'last record has an impossible length';
}

/**
 * A record that is damaged (CRC mismatch, impossible or overlong length) with valid records after it: not
 * what a crash leaves (a crash tears only the last record), so reading it as the end would silently drop
 * everything after, and an appending writer would destroy it.
 */
export class RecordingDamageError extends RecordingError {
  constructor(
    readonly file: string,
    readonly record: number,
    readonly offset: number,
    readonly reason: StopReason,
    readonly detail: string,
    readonly resumesAt: number,
  ) {
    super(`${file}: record ${record} at byte ${offset} is damaged (${detail}), and valid records follow from byte ${resumesAt}: not a torn tail from a crash, the recording itself is damaged`);
  }
}

function plausibleRecordAt(bytes: Uint8Array, dv: DataView, p: number): boolean {
  if (p + RECORD_HEAD + BODY_HEAD > bytes.length) return false;
  const len = dv.getUint32(p, true);
  if (len < BODY_HEAD || len > MAX_BODY || p + RECORD_HEAD + len > bytes.length) return false;
  const kind = bytes[p + RECORD_HEAD + 8];
  if (kind !== RecordKind.NODE_MESSAGE && kind !== RecordKind.HOST_MESSAGE && kind !== RecordKind.UDP_DATAGRAM) return false;
  return crc32(bytes.subarray(p + RECORD_HEAD, p + RECORD_HEAD + len)) === dv.getUint32(p + 4, true);
}

/** The first offset after `from` where a complete record with a good CRC starts, or -1. */
function nextValidRecord(bytes: Uint8Array, dv: DataView, from: number): number {
  for (let p = from; p + RECORD_HEAD + BODY_HEAD <= bytes.length; p++) if (plausibleRecordAt(bytes, dv, p)) return p;
  return -1;
}

/**
 * Parses a recording. Stops without throwing at a torn tail: the first incomplete or damaged record after
 * which no valid record follows (a killed writer leaves part of its last record; a power loss can leave a
 * last record or a zero-filled block that fails its check). Damage followed by valid records throws a
 * RecordingDamageError naming the record index and byte offset.
 */
export function decodeRecording(bytes: Uint8Array, name: string): ReadResult {
  if (bytes.length < HEADER_BYTES || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== STREAM_MAGIC) {
    throw new RecordingError(`${name}: not a pose-edge stream recording (magic ${STREAM_MAGIC} expected)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint32(12, true) !== crc32(bytes.subarray(0, 12))) throw new RecordingError(`${name}: damaged header (CRC mismatch)`);
  const version = dv.getUint16(8, true);
  if (version !== STREAM_VERSION) throw new RecordingError(`${name}: recording version ${version}, this tool reads version ${STREAM_VERSION}`);
  const records: StreamRecord[] = [];
  const offsets: number[] = [];
  let o = HEADER_BYTES;
  const stopAt = (reason: StopReason, detail: string): ReadResult => {
    const next = nextValidRecord(bytes, dv, o + 1);
    if (next >= 0) throw new RecordingDamageError(name, records.length, o, reason, detail, next);
    return { records, offsets, validBytes: o, stop: { offset: o, reason } };
  };
  while (o < bytes.length) {
    if (o + RECORD_HEAD > bytes.length) return stopAt('torn', `only ${bytes.length - o} of its 8 header bytes`);
    const len = dv.getUint32(o, true);
    if (len < BODY_HEAD || len > MAX_BODY) return stopAt('length', `length ${len} outside ${BODY_HEAD}..${MAX_BODY}`);
    if (o + RECORD_HEAD + len > bytes.length) return stopAt('torn', `length ${len} runs past the end of the file`);
    const body = bytes.subarray(o + RECORD_HEAD, o + RECORD_HEAD + len);
    if (crc32(body) !== dv.getUint32(o + 4, true)) return stopAt('crc', 'CRC mismatch');
    const bv = new DataView(body.buffer, body.byteOffset, body.length);
    records.push({ timeMs: bv.getFloat64(0, true), kind: body[8] as RecordKindCode, type: body[9], payload: new Uint8Array(body.subarray(BODY_HEAD)) });
    offsets.push(o);
    o += RECORD_HEAD + len;
  }
  return { records, offsets, validBytes: o, stop: null };
}

export function readRecording(path: string): ReadResult {
  return decodeRecording(readFileChecked(path, 'stream recording'), path);
}

/**
 * Appends records with one write() each, so a killed process leaves at most one torn record at the end;
 * fdatasync at most every `syncMs` bounds what an OS crash or power loss can take. An existing recording
 * is continued after its last valid record (a torn tail from an earlier crash is cut off first); one with
 * damage that valid records follow is refused untouched, since cutting it would destroy those records.
 */
export class RecordingWriter {
  private fd: number;
  private lastSync = Date.now();
  private dirty = false;
  records = 0;

  constructor(
    readonly path: string,
    private readonly syncMs = 1000,
  ) {
    try {
      if (existsSync(path)) {
        let validBytes: number;
        try {
          validBytes = readRecording(path).validBytes;
        } catch (err) {
          if (!(err instanceof RecordingDamageError)) throw err;
          throw new RecordingError(
            `${path}: refusing to append: record ${err.record} at byte ${err.offset} is damaged (${err.detail}) and valid records follow from byte ${err.resumesAt}; ` +
              'appending would cut them off. Record to a new file (the damaged one is left as it is)',
          );
        }
        this.fd = openSync(path, 'r+');
        ftruncateSync(this.fd, validBytes);
        this.fd = reopenAppend(this.fd, path);
      } else {
        this.fd = openSync(path, 'a');
        writeSync(this.fd, encodeHeader());
        fdatasyncSync(this.fd);
      }
    } catch (err) {
      if (err instanceof PoseEdgeError) throw err;
      throw fsError(err, path, 'opening the recording');
    }
  }

  append(r: StreamRecord): void {
    const bytes = encodeRecord(r);
    const written = writeSync(this.fd, bytes);
    // A short write (the disk filled up inside this record) leaves a torn record; records appended after
    // it could never be read back, so it is an error like the ENOSPC the next write would give.
    if (written !== bytes.length) throw new RecordingError(`${this.path}: only ${written} of the ${bytes.length} bytes of a record were written (disk full?)`);
    this.records++;
    this.dirty = true;
    if (Date.now() - this.lastSync >= this.syncMs) this.sync();
  }

  sync(): void {
    if (!this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
    this.lastSync = Date.now();
  }

  close(): void {
    // The descriptor is closed even when the last sync fails (that error still reaches the caller).
    try {
      this.sync();
    } finally {
      closeSync(this.fd);
    }
  }
}

function reopenAppend(fd: number, path: string): number {
  closeSync(fd);
  return openSync(path, 'a');
}
