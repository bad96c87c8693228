// Typed failures of a flashing session. Every message starts with the port so a fleet run says which board.
import { PoseEdgeError } from '../../errors.ts';
import { hex32, hexOffset } from './chips.ts';
import { opName, romErrorText } from './protocol.ts';
import { PortClosedError, PortIoError } from '../transport/errors.ts';

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

/**
 * Where a port's session was when something went wrong, so the message can say what it interrupted and what
 * that means for the flash: a region is "NOT written" when its erase or data failed, "NOT verified" when its
 * MD5 check did not complete.
 */
export type Stage =
  | { at: 'connect' }
  | { at: 'erase'; region: string; offset: number; size: number }
  | { at: 'data'; region: string; block: number; blocks: number; offset: number }
  | { at: 'verify'; region: string; offset: number; size: number }
  | { at: 'start' };

/** " while writing app.bin: block 11/64 (flash offset 0x12800)" and the like, with a leading space. */
export function whereText(stage: Stage): string {
  switch (stage.at) {
    case 'connect':
      return ' before any region was written';
    case 'erase':
      return ` while erasing ${stage.region} (${stage.size} bytes at ${hexOffset(stage.offset)})`;
    case 'data':
      return ` while writing ${stage.region}: block ${stage.block + 1}/${stage.blocks} (flash offset ${hexOffset(stage.offset)})`;
    case 'verify':
      return ` while verifying ${stage.region} (${stage.size} bytes at ${hexOffset(stage.offset)})`;
    case 'start':
      return ' after every region was verified, while starting the application';
  }
}

/** "; app.bin is NOT written" for a failure inside a region, nothing outside one. */
export function verdictText(stage: Stage): string {
  if (stage.at === 'erase' || stage.at === 'data') return `; ${stage.region} is NOT written`;
  if (stage.at === 'verify') return `; ${stage.region} is NOT verified`;
  return '';
}

/** The device stopped answering in the middle of a region: says where, and how far the write got. */
export class DeviceStoppedError extends PoseEdgeError {
  constructor(
    readonly port: string,
    readonly stage: Stage,
    cause: NoReplyError,
  ) {
    // "...: block 11/64 (flash offset 0x12800) got no reply": the block reads as the subject; elsewhere a colon.
    const join = stage.at === 'data' ? ' ' : ': ';
    super(
      `${port}: device stopped answering${whereText(stage)}${join}got no reply to ${opName(cause.op)} within ${cause.timeoutMs} ms ` +
        `after ${cause.tries} tries${verdictText(stage)}`,
    );
  }
}

/** The port went away (unplugged, reset, the other end of a pty closed) during a session: says where. */
export class PortLostError extends PoseEdgeError {
  constructor(
    readonly port: string,
    readonly stage: Stage,
    readonly reason: string,
  ) {
    super(`${port}: the port closed (device unplugged or reset?)${whereText(stage)}: ${reason}${verdictText(stage)}`);
  }
}

/** Any other I/O failure of the port during a session (a write or a line setting the OS refused): says where. */
export class PortFailedError extends PoseEdgeError {
  constructor(
    readonly port: string,
    readonly stage: Stage,
    detail: string,
  ) {
    super(`${port}: the port failed${whereText(stage)}: ${detail}${verdictText(stage)}`);
  }
}

/** The user stopped the run (Ctrl-C, SIGTERM): the loader's wait ends at once. */
export class InterruptedError extends PoseEdgeError {
  constructor(
    readonly port: string,
    readonly signal: string,
    readonly stage?: Stage,
  ) {
    super(`${port}: interrupted by ${signal}${stage ? whereText(stage) : ''}${stage ? verdictText(stage) : ''}`);
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
  constructor(readonly port: string, stage: Extract<Stage, { at: 'data' }>, cause: CommandFailedError) {
    const hint = cause.isLineError ? ' (bytes damaged on the line: check the cable, or lower --baud)' : '';
    super(
      `${port}: writing ${stage.region} failed at block ${stage.block + 1}/${stage.blocks} (flash offset ${hexOffset(stage.offset)}): ` +
        `${cause.detail}${hint}${verdictText(stage)}`,
    );
  }
}

/** The ROM refused the erase (FLASH_BEGIN) or the MD5 command of a region. */
export class RegionCommandFailedError extends PoseEdgeError {
  constructor(readonly port: string, stage: Stage, cause: CommandFailedError) {
    super(`${port}: ${cause.detail}${whereText(stage)}${verdictText(stage)}`);
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
  constructor(
    readonly port: string,
    readonly detail: string,
    readonly stage?: Stage,
  ) {
    super(`${port}: protocol error${stage ? whereText(stage) : ''}: ${detail}${stage ? verdictText(stage) : ''}`);
  }
}

/** The flash chip found on the port is smaller than what the plan needs: nothing is written. */
export class FlashTooSmallError extends PoseEdgeError {
  constructor(readonly port: string, detail: string) {
    super(`${port}: ${detail}: refusing to write anything`);
  }
}

/** A failure that is not one of ours (a bug): still named by port and place, never a bare stack. */
export class UnexpectedSessionError extends PoseEdgeError {
  constructor(readonly port: string, stage: Stage, cause: unknown) {
    super(`${port}: internal error${whereText(stage)}: ${cause instanceof Error ? cause.message : String(cause)}${verdictText(stage)}`);
  }
}

/**
 * Gives a failure from the loader or the transport the place it happened. Failures that already carry their place,
 * or that name their own cause fully (an MD5 mismatch, a wrong chip), pass through unchanged.
 */
export function inStage(err: unknown, port: string, stage: Stage): Error {
  if (err instanceof PortClosedError) return new PortLostError(port, stage, err.reason);
  if (err instanceof PortIoError) return new PortFailedError(port, stage, err.message.replace(`${port}: `, ''));
  if (err instanceof InterruptedError && !err.stage) return new InterruptedError(port, err.signal, stage);
  if (err instanceof ProtocolError && !err.stage) return new ProtocolError(port, err.detail, stage);
  if (stage.at !== 'connect') {
    if (err instanceof NoReplyError) return new DeviceStoppedError(port, stage, err);
    if (err instanceof CommandFailedError) {
      return stage.at === 'data' ? new WriteFailedError(port, stage, err) : new RegionCommandFailedError(port, stage, err);
    }
  }
  if (err instanceof PoseEdgeError) return err;
  return new UnexpectedSessionError(port, stage, err);
}
