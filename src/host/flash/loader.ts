// Command/response client for the ESP serial ROM loader (ROM dialect only: 4 status bytes, 1 KB blocks,
// MD5 as 32 hex characters). One instance per port. Replies are matched by op; stale input is dropped before
// each command so a late reply to an earlier try cannot be taken for the answer to the next command.
import type { Transport } from '../transport/transport.ts';
import { CHIP_DETECT_MAGIC_REG_ADDR, chipByImageId, chipByMagic, crystalMhz, type Chip } from './chips.ts';
import {
  CommandFailedError,
  InterruptedError,
  NoReplyError,
  NoSyncError,
  ProtocolError,
  UnknownChipError,
  UnsupportedCommandError,
} from './errors.ts';
import {
  concatBytes,
  dataChecksum,
  decodeResponse,
  encodeRequest,
  Op,
  opName,
  RomError,
  ROM_STATUS_LEN,
  u32le,
  type Response,
} from './protocol.ts';
import { SlipDecoder, slipEncode } from './slip.ts';
import { PortClosedError } from '../transport/errors.ts';

export const ROM_BAUD = 115200;
/** FLASH_WRITE_SIZE of the ROM loader (the stub would take 16 KB). */
export const ROM_BLOCK_SIZE = 0x400;
const SYNC_PAYLOAD = concatBytes(Uint8Array.of(0x07, 0x07, 0x12, 0x20), new Uint8Array(32).fill(0x55));
/** The ROM ignores replies beyond this many unrelated frames; so do we. */
const MAX_FOREIGN_REPLIES = 100;

export interface LoaderTiming {
  /** Timeout of an ordinary command, ms (esptool: 3000). */
  commandTimeoutMs: number;
  /** Extra tries after a timeout or a line error on the data path. */
  retries: number;
  /** Timeout of one SYNC try, ms (esptool: 100). */
  syncTimeoutMs: number;
  /** MD5 timeout per MB, ms (esptool: 8000), never below commandTimeoutMs. */
  md5TimeoutPerMbMs: number;
  /** Erase timeout per MB for *_BEGIN, ms (esptool: 30000; the ROM erases the region up front). */
  eraseTimeoutPerMbMs: number;
}

export const DEFAULT_TIMING: LoaderTiming = {
  commandTimeoutMs: 3000,
  retries: 3,
  syncTimeoutMs: 100,
  md5TimeoutPerMbMs: 8000,
  eraseTimeoutPerMbMs: 30000,
};

interface CommandOptions {
  chk?: number;
  timeoutMs?: number;
  /** Resend on timeout or on a line error reported by the ROM (bad checksum / invalid message). */
  retry?: boolean;
}

/**
 * The boot mode from a ROM boot log (`rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)`), when the log shows the
 * chip did not enter download mode; undefined if there is no log or it says "waiting for download".
 */
export function bootModeFromLog(text: string): string | undefined {
  const m = /boot:(0x[0-9a-fA-F]+)([^\r\n]*)/.exec(text);
  if (!m || /waiting for download/.test(text)) return undefined;
  return `${m[1]}${m[2]}`.trim();
}

export function timeoutForSize(perMbMs: number, bytes: number, floorMs: number): number {
  return Math.max(floorMs, Math.ceil((perMbMs * bytes) / (1024 * 1024)));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RomLoader {
  private readonly decoder = new SlipDecoder();
  private frames: Uint8Array[] = [];
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeClose: () => void;
  /** Set once the link went away: every wait ends with PortClosedError instead of running to its timeout. */
  private closedReason: string | null = null;
  /** Set when the user stops the run (the signal's name): every wait and every next command ends at once. */
  private interruptedBy: string | null = null;
  /** Commands resent after a timeout or line error: a measure of link quality, reported per port. */
  retriesUsed = 0;
  /** Reply frames that failed to decode (corrupted on the line). */
  badReplies = 0;
  /** The last bytes received, raw: a ROM boot log printed instead of SYNC replies tells the boot mode. */
  private rawTail = '';

  constructor(
    readonly transport: Transport,
    readonly timing: LoaderTiming = DEFAULT_TIMING,
  ) {
    this.unsubscribe = transport.onData((chunk) => {
      this.rawTail = (this.rawTail + Buffer.from(chunk).toString('latin1')).slice(-4096);
      const got = this.decoder.push(chunk);
      if (got.length === 0) return;
      this.frames.push(...got);
      this.wake?.();
    });
    this.unsubscribeClose = transport.onClose((reason) => {
      this.closedReason = reason;
      this.wake?.();
    });
  }

  get port(): string {
    return this.transport.name;
  }

  detach(): void {
    this.unsubscribe();
    this.unsubscribeClose();
  }

  /** Stops the session: the pending wait and any later command throw InterruptedError. */
  interrupt(signal: string): void {
    this.interruptedBy = signal;
    this.wake?.();
  }

  private checkInterrupted(): void {
    if (this.interruptedBy !== null) throw new InterruptedError(this.port, this.interruptedBy);
  }

  private flushInput(): void {
    this.badReplies += this.decoder.badFrames;
    this.decoder.badFrames = 0;
    this.decoder.reset();
    this.frames = [];
  }

  private async nextFrame(deadline: number): Promise<Uint8Array | null> {
    while (this.frames.length === 0) {
      this.checkInterrupted();
      if (this.closedReason !== null) throw new PortClosedError(this.port, this.closedReason);
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.frames.shift() ?? null;
  }

  /**
   * Waits for the reply to `op`; null on timeout. The ROM answers a command it cannot parse or does not know
   * with status 01 05 under another op byte: that reply is returned too (its op differs from `op`).
   */
  private async readReply(op: number, timeoutMs: number): Promise<Response | null> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; seen < MAX_FOREIGN_REPLIES; seen++) {
      const frame = await this.nextFrame(deadline);
      if (!frame) return null;
      const resp = decodeResponse(frame);
      if (!resp) {
        this.badReplies++;
        continue;
      }
      if (resp.op === op) return resp;
      if (resp.status !== 0 && resp.error === RomError.INVALID_MESSAGE) return resp;
    }
    return null;
  }

  async command(op: number, data: Uint8Array, opts: CommandOptions = {}): Promise<Response> {
    const timeoutMs = opts.timeoutMs ?? this.timing.commandTimeoutMs;
    const tries = opts.retry ? this.timing.retries + 1 : 1;
    const frame = slipEncode(encodeRequest(op, data, opts.chk ?? 0));
    for (let attempt = 1; ; attempt++) {
      this.checkInterrupted();
      this.flushInput();
      await this.transport.write(frame);
      const resp = await this.readReply(op, timeoutMs);
      if (resp && resp.op === op && resp.statusLen < ROM_STATUS_LEN) {
        // The ROM closes every reply with 4 status bytes; fewer is not a line error (the length field matched)
        // but a device that does not speak the ROM protocol.
        throw new ProtocolError(
          this.port,
          `${opName(op)} reply carries ${resp.statusLen} status bytes, expected the ROM's ${ROM_STATUS_LEN}`,
        );
      }
      if (resp && resp.status === 0) return resp;
      // Outside the retried commands a 01 05 means "unknown command"; on them it means the frame was mangled
      // on the line, like a bad data checksum, and the command is sent again.
      if (resp && resp.error === RomError.INVALID_MESSAGE && !opts.retry) throw new UnsupportedCommandError(this.port, op);
      const lineError = resp !== null && (resp.error === RomError.BAD_CHECKSUM || resp.error === RomError.INVALID_MESSAGE);
      if (attempt < tries && (resp === null || lineError)) {
        this.retriesUsed++;
        continue;
      }
      if (resp === null) throw new NoReplyError(this.port, op, timeoutMs, attempt);
      throw new CommandFailedError(this.port, op, resp.status, resp.error, attempt > 1 ? ` (after ${attempt} tries)` : '');
    }
  }

  /** One SYNC try: true when the ROM answered. The ROM sends 8 replies; the extra ones are flushed later. */
  async syncOnce(): Promise<boolean> {
    try {
      await this.command(Op.SYNC, SYNC_PAYLOAD, { timeoutMs: this.timing.syncTimeoutMs });
      return true;
    } catch (e) {
      if (e instanceof NoReplyError || e instanceof CommandFailedError || e instanceof UnsupportedCommandError) return false;
      throw e;
    }
  }

  /**
   * Connects: for each attempt run the reset sequence (if the link has reset lines), then try SYNC 5 times
   * (esptool's numbers). Throws NoSyncError with the BOOT-button hint.
   */
  async connect(attempts: number, resetIntoBootloader: (attempt: number) => Promise<void>): Promise<void> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      await resetIntoBootloader(attempt);
      for (let i = 0; i < 5; i++) {
        if (await this.syncOnce()) {
          // Let the remaining 7 SYNC replies arrive, then drop them.
          await sleep(20);
          this.flushInput();
          return;
        }
      }
    }
    throw new NoSyncError(this.port, attempts, bootModeFromLog(this.rawTail));
  }

  async readReg(addr: number): Promise<number> {
    return (await this.command(Op.READ_REG, u32le(addr), { retry: true })).val >>> 0;
  }

  /** WRITE_REG of a whole word (mask all ones, no delay); idempotent, so it is resent like READ_REG. */
  async writeReg(addr: number, value: number): Promise<void> {
    await this.command(Op.WRITE_REG, u32le(addr, value, 0xffffffff, 0), { retry: true });
  }

  /** Magic register first (works on every supported ROM); GET_SECURITY_INFO's chip id as a second opinion. */
  async detectChip(): Promise<Chip> {
    const magic = await this.readReg(CHIP_DETECT_MAGIC_REG_ADDR);
    const byMagic = chipByMagic(magic);
    if (byMagic) return byMagic;
    try {
      const info = await this.command(Op.GET_SECURITY_INFO, new Uint8Array(0));
      if (info.body.length >= 20) {
        const chip = chipByImageId(new DataView(info.body.buffer, info.body.byteOffset + 12, 4).getUint32(0, true));
        if (chip) return chip;
      }
    } catch (e) {
      if (!(e instanceof UnsupportedCommandError || e instanceof CommandFailedError || e instanceof NoReplyError)) throw e;
    }
    throw new UnknownChipError(this.port, magic);
  }

  async spiAttach(): Promise<void> {
    // Pin word 0 = default SPI pins; the ROM wants 4 more zero bytes.
    await this.command(Op.SPI_ATTACH, u32le(0, 0), { retry: true });
  }

  async spiSetParams(totalSize: number): Promise<void> {
    await this.command(Op.SPI_SET_PARAMS, u32le(0, totalSize, 64 * 1024, 4 * 1024, 256, 0xffff), { retry: true });
  }

  /**
   * Switches both ends from the ROM's ROM_BAUD to `baud`. The ROM answers at the old speed, then changes. On a
   * chip whose ROM assumes a 40 MHz crystal (Chip.uartClkdivReg) with a 26 MHz one, it is asked for
   * baud * 40 / 26 so that its UART runs at `baud`.
   */
  async changeBaud(baud: number, chip?: Chip): Promise<void> {
    let romBaud = baud;
    if (chip?.uartClkdivReg !== undefined && crystalMhz(await this.readReg(chip.uartClkdivReg), ROM_BAUD) === 26) {
      romBaud = Math.floor((baud * 40) / 26);
    }
    await this.command(Op.CHANGE_BAUDRATE, u32le(romBaud, 0));
    await this.transport.setBaudRate(baud);
    await sleep(50);
    this.flushInput();
  }

  /**
   * FLASH_BEGIN / FLASH_DEFL_BEGIN. `eraseSize` is what the ROM erases; for the deflate variant the ROM wants the
   * uncompressed size rounded up to whole blocks.
   */
  async begin(compressed: boolean, chip: Chip, eraseSize: number, blocks: number, offset: number): Promise<void> {
    const words = [eraseSize, blocks, ROM_BLOCK_SIZE, offset];
    if (chip.flashBeginWords === 5) words.push(0); // not encrypted
    const timeoutMs = timeoutForSize(this.timing.eraseTimeoutPerMbMs, eraseSize, this.timing.commandTimeoutMs);
    await this.command(compressed ? Op.FLASH_DEFL_BEGIN : Op.FLASH_BEGIN, u32le(...words), { timeoutMs, retry: true });
  }

  async data(compressed: boolean, seq: number, block: Uint8Array): Promise<void> {
    const payload = concatBytes(u32le(block.length, seq, 0, 0), block);
    await this.command(compressed ? Op.FLASH_DEFL_DATA : Op.FLASH_DATA, payload, { chk: dataChecksum(block), retry: true });
  }

  /**
   * Leaves the ROM loader and starts the application without a reset line: FLASH_BEGIN(0, 0) then FLASH_END(1),
   * "run user code" (esptool's soft reset for the ROM). Returns false when the ROM left without answering.
   */
  async runUserCode(chip: Chip): Promise<boolean> {
    await this.begin(false, chip, 0, 0, 0);
    try {
      await this.command(Op.FLASH_END, u32le(1));
      return true;
    } catch (e) {
      if (e instanceof NoReplyError) return false;
      throw e;
    }
  }

  /**
   * MD5 of a flash range as 32 lowercase hex characters. The ROM sends them as ASCII hex; anything else (another
   * length, non-hex bytes, or the stub's 16 raw bytes, which only a stub we never upload would send) is a
   * protocol error, never an MD5 to compare.
   */
  async flashMd5(addr: number, size: number): Promise<string> {
    const timeoutMs = timeoutForSize(this.timing.md5TimeoutPerMbMs, size, this.timing.commandTimeoutMs);
    const resp = await this.command(Op.SPI_FLASH_MD5, u32le(addr, size, 0, 0), { timeoutMs, retry: true });
    if (resp.body.length !== 32) {
      throw new ProtocolError(this.port, `SPI_FLASH_MD5 reply carries ${resp.body.length} bytes, expected 32 hex characters`);
    }
    const text = Buffer.from(resp.body).toString('latin1');
    if (!/^[0-9a-fA-F]{32}$/.test(text)) {
      throw new ProtocolError(this.port, `SPI_FLASH_MD5 reply is not 32 hex characters: ${JSON.stringify(text)}`);
    }
    return text.toLowerCase();
  }
}
