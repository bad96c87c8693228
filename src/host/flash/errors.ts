// Typed failures of a flashing session. Every message starts with the port so a fleet run says which board.
import { PoseEdgeError } from '../../cli/errors.ts';
import { hex32, hexOffset } from './chips.ts';
import { opName, romErrorText } from './protocol.ts';

/** A build or an argument that cannot be flashed: the message starts with the file (or option) at fault. */
export class FlashPlanError extends PoseEdgeError {}

export class NoSyncError extends PoseEdgeError {
  constructor(readonly port: string, attempts: number, bootMode?: string) {
    const seen = bootMode ? `; the chip printed a boot log with boot mode ${bootMode}, not download mode` : '';
    super(
      `${port}: no sync: the ROM loader did not answer SYNC after ${attempts} connect attempts${seen} ` +
        `(hint: hold BOOT while pressing RESET to enter the download mode, then run again)`,
    );
  }
}

export class UnknownChipError extends PoseEdgeError {
  constructor(readonly port: string, readonly magic: number) {
    super(`${port}: unknown chip: magic value ${hex32(magic)} at 0x40001000 matches no supported chip (ESP32, S2, S3, C3, C6, C2, H2)`);
  }
}

/** No valid reply to a command within its timeout, after all retries. */
export class NoReplyError extends PoseEdgeError {
  constructor(readonly port: string, readonly op: number, readonly timeoutMs: number, readonly tries: number) {
    super(`${port}: no reply to ${opName(op)} within ${timeoutMs} ms (${tries} tries)`);
  }
}

/** The device stopped answering in the middle of a write: says how far it got. */
export class DeviceStoppedError extends PoseEdgeError {
  constructor(
    readonly port: string,
    readonly region: string,
    readonly block: number,
    readonly blocks: number,
    readonly offset: number,
    cause: NoReplyError,
  ) {
    super(
      `${port}: device stopped answering while writing ${region}: block ${block + 1}/${blocks} ` +
        `(flash offset ${hexOffset(offset)}) got no reply to ${opName(cause.op)} within ${cause.timeoutMs} ms after ${cause.tries} tries; ` +
        `${region} is NOT written`,
    );
  }
}

export class CommandFailedError extends PoseEdgeError {
  /** The message without the port prefix, for wrapping errors that add their own context. */
  readonly detail: string;

  constructor(readonly port: string, readonly op: number, readonly status: number, readonly error: number, context = '') {
    const detail = `${opName(op)} failed${context}: ROM status ${status}, ${romErrorText(error)} (0x${error.toString(16).padStart(2, '0')})`;
    super(`${port}: ${detail}`);
    this.detail = detail;
  }

  /** Bad checksum / invalid message: the bytes were damaged on the way, not refused by the chip. */
  get isLineError(): boolean {
    return this.error === 0x05 || this.error === 0x07;
  }
}

/** A data block the device kept refusing: says where, and what the ROM said. */
export class WriteFailedError extends PoseEdgeError {
  constructor(readonly port: string, region: string, block: number, blocks: number, offset: number, cause: CommandFailedError) {
    const hint = cause.isLineError ? ' (bytes damaged on the line: check the cable, or lower --baud)' : '';
    super(
      `${port}: writing ${region} failed at block ${block + 1}/${blocks} (flash offset ${hexOffset(offset)}): ` +
        `${cause.detail}${hint}; ${region} is NOT written`,
    );
  }
}

export class UnsupportedCommandError extends PoseEdgeError {
  constructor(readonly port: string, readonly op: number) {
    super(`${port}: the loader does not support ${opName(op)}`);
  }
}

export class Md5MismatchError extends PoseEdgeError {
  constructor(readonly port: string, region: string, offset: number, size: number, expected: string, actual: string) {
    super(
      `${port}: MD5 mismatch after writing ${region} (${size} bytes at ${hexOffset(offset)}): ` +
        `flash has ${actual}, file has ${expected}; ${region} is NOT verified`,
    );
  }
}

/** A reply that decodes but does not have the shape the command requires. */
export class ProtocolError extends PoseEdgeError {
  constructor(readonly port: string, detail: string) {
    super(`${port}: protocol error: ${detail}`);
  }
}
