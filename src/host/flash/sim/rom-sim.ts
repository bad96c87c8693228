// A simulated ESP serial ROM loader (the device side), over any Transport (normally one end of a pty pair).
// It speaks the ROM dialect: 8 SYNC replies, 4 status bytes, 1 KB blocks, FLASH_DEFL_* inflated on the fly,
// SPI_FLASH_MD5 as 32 ASCII hex characters, 01 05 for anything it does not know. The flash is NOR-like:
// BEGIN erases whole 4 KB sectors to 0xFF and writes can only clear bits. The SPI flash controller registers are
// modelled just far enough to run a "user" RDID command (how hosts read the flash's JEDEC ID and so its size).
// Faults can be injected on the line and in the device so the host's error paths can be exercised.
import { createHash } from 'node:crypto';
import { Unzlib } from 'fflate';
import type { Transport } from '../../transport/transport.ts';
import { CHIP_DETECT_MAGIC_REG_ADDR, type Chip, type SpiRegs } from '../chips.ts';
import { SPI_CMD_USR, SPI_USR_COMMAND, SPI_USR_MISO, SPIFLASH_RDID } from '../flash-id.ts';
import { concatBytes, dataChecksum, decodeRequest, encodeResponse, Op, RomError, u32le, type Request } from '../protocol.ts';
import { SlipDecoder, slipEncode } from '../slip.ts';

const SECTOR = 0x1000;
const SYNC_VAL = 0x20120707;

/** What the simulated chip reports; a custom magic (no matching chip) makes an "unknown chip". */
export interface SimChip {
  name: string;
  magic: number;
  /** Image chip id returned by GET_SECURITY_INFO (when its reply is 20 bytes). */
  imageChipId: number;
  securityInfoLen: 0 | 12 | 20;
  /** Where its SPI flash controller sits; without it, RDID cannot be run (nothing answers in W0). */
  spi?: SpiRegs;
  /** A ROM that sets baud rates for a 40 MHz crystal (Chip.uartClkdivReg): its UART clock divider register. */
  uartClkdivReg?: number;
  /** The crystal (default 40 MHz): with uartClkdivReg and 26 MHz, a CHANGE_BAUDRATE to b runs at b * 26 / 40. */
  xtalMhz?: 40 | 26;
}

export function simChipFrom(chip: Chip): SimChip {
  return {
    name: chip.name,
    magic: chip.magicValues[0],
    imageChipId: chip.imageChipId,
    securityInfoLen: chip.securityInfoLen,
    spi: chip.spi,
    ...(chip.uartClkdivReg !== undefined ? { uartClkdivReg: chip.uartClkdivReg } : {}),
  };
}

/** Winbond (EF), W25Q series (40): a common flash on ESP32 modules. */
const SIM_FLASH_MANUFACTURER = 0xef;
const SIM_FLASH_TYPE = 0x40;

/** The JEDEC ID a flash of `size` bytes answers (capacity code log2(size)), as W0 holds it: byte 0 first. */
export function simJedecId(size: number): number {
  const code = Math.log2(size);
  if (!Number.isInteger(code)) throw new RangeError(`simulated flash size ${size} is not a power of two: give SimOptions.flashId`);
  return SIM_FLASH_MANUFACTURER | (SIM_FLASH_TYPE << 8) | (code << 16);
}

export interface SimFaults {
  /** Offsets in the host-to-device byte stream (counted from the simulator's start) whose byte is flipped. */
  corruptRxBytes?: number[];
  /** Offsets in the host-to-device byte stream that are lost. */
  dropRxBytes?: number[];
  /** Flip one byte of every Nth incoming byte from the start: a persistently bad line. */
  corruptRxEvery?: number;
  /** Indices (0-based, counted from the start) of reply frames whose direction byte is damaged (undecodable). */
  corruptReplies?: number[];
  /** Every data frame (FLASH_DATA / FLASH_DEFL_DATA), from this 0-based count on, arrives with a flipped payload byte. */
  corruptDataFramesFrom?: number;
  /** After this many data blocks have been received, the device stops answering entirely. */
  stopAfterBlocks?: number;
  /** After this data block (0-based count of all blocks) is written, a byte of flash goes bad. */
  corruptFlashAfterBlock?: number;
  /** SPI_FLASH_MD5 answers 31 hex characters ('short') or 32 characters that are not hex ('non-hex'). */
  malformedMd5?: 'short' | 'non-hex';
  /** Replies to these ops carry 2 status bytes instead of the ROM's 4 (what a stub, not a ROM, sends). */
  shortReplyOps?: number[];
  /** The SPI controller never finishes a user command: its busy bit stays set. */
  spiStuck?: boolean;
}

export interface SimOptions {
  chip: SimChip;
  flashSize: number;
  faults?: SimFaults;
  /**
   * The chip booted from flash instead of into download mode (BOOT not held): it prints a ROM boot log once and
   * ignores the loader protocol.
   */
  normalBoot?: boolean;
  /** Flash contents at power-on (e.g. a dump from an earlier run); the rest of the flash is erased. */
  flashContents?: Uint8Array;
  /**
   * The 24-bit JEDEC ID the flash answers RDID with (default: a Winbond part of `flashSize`); 0 or 0xFFFFFF play
   * a flash that does not answer, so the host cannot detect the size.
   */
  flashId?: number;
  /** Told about faults as they strike (e.g. "stopped answering after 33 data blocks"), for a simulator run by hand. */
  log?: (line: string) => void;
}

interface WriteSession {
  compressed: boolean;
  offset: number;
  eraseSize: number;
  blocks: number;
  blockSize: number;
  nextSeq: number;
  /** Next flash address a deflate stream writes to. */
  writePos: number;
  inflater?: Unzlib;
  inflateError?: string;
}

export interface SimStats {
  commands: Record<string, number>;
  dataBlocks: number;
  duplicateBlocks: number;
  checksumErrors: number;
  malformedFrames: number;
  /** The UART's baud rate now; requestedBaud: the last CHANGE_BAUDRATE's argument (0 before one). */
  baud: number;
  requestedBaud: number;
  /** Words in the last FLASH_BEGIN / FLASH_DEFL_BEGIN (4 for the ESP32 ROM, 5 with the `encrypted` word). */
  beginWords: number;
  /** RDID commands run on the SPI controller. */
  flashIdReads: number;
}

function status(ok: boolean, error = 0): Uint8Array {
  return Uint8Array.of(ok ? 0 : 1, ok ? 0 : error, 0, 0);
}

export class RomSimulator {
  readonly flash: Uint8Array;
  readonly stats: SimStats;
  private readonly decoder = new SlipDecoder();
  private readonly unsubscribe: () => void;
  private queue: Promise<void> = Promise.resolve();
  private faults: SimFaults;
  private rxCount = 0;
  private txFrames = 0;
  private dataFrames = 0;
  private synced = false;
  private attached = false;
  private silent = false;
  private write: WriteSession | null = null;
  private readonly regs = new Map<number, number>();
  /**
   * Set by FLASH_END: 1 = "run user code" (what esptool's soft reset sends to the ROM), 0 = reboot. Either way the
   * ROM answers, then leaves the loader and stops answering until the next reset into download mode.
   */
  leftLoader: 'run-user-code' | 'reboot' | null = null;
  private bootLogSent = false;

  constructor(
    readonly transport: Transport,
    readonly options: SimOptions,
  ) {
    this.flash = new Uint8Array(options.flashSize).fill(0xff);
    if (options.flashContents) this.flash.set(options.flashContents.subarray(0, options.flashSize));
    this.faults = options.faults ?? {};
    this.stats = {
      commands: {},
      dataBlocks: 0,
      duplicateBlocks: 0,
      checksumErrors: 0,
      malformedFrames: 0,
      baud: 115200,
      requestedBaud: 0,
      beginWords: 0,
      flashIdReads: 0,
    };
    this.regs.set(CHIP_DETECT_MAGIC_REG_ADDR, options.chip.magic >>> 0);
    // the ROM's UART at 115200 from the crystal: divider = crystal / 115200 (226 at 26 MHz, 347 at 40)
    const xtal = options.chip.xtalMhz ?? 40;
    if (options.chip.uartClkdivReg !== undefined) this.regs.set(options.chip.uartClkdivReg, Math.round((xtal * 1e6) / 115200));
    this.unsubscribe = transport.onData((chunk) => this.receive(chunk));
  }

  /** Replace the fault plan (e.g. none, for the re-run after a failure). */
  setFaults(faults: SimFaults): void {
    this.faults = faults;
  }

  /** Like holding BOOT and pressing RESET: a fresh loader session; flash contents survive. */
  resetDevice(): void {
    this.synced = false;
    this.attached = false;
    this.silent = false;
    this.write = null;
    this.leftLoader = null;
    this.bootLogSent = false;
    this.stats.dataBlocks = 0;
    this.decoder.reset();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.queue;
    await this.transport.close();
  }

  private receive(chunk: Uint8Array): void {
    if (this.options.normalBoot) {
      if (!this.bootLogSent) {
        this.bootLogSent = true;
        const log = `ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\nI (30) boot: ESP-IDF v5.2 2nd stage bootloader\r\n`;
        this.queue = this.queue.then(() => this.transport.write(new TextEncoder().encode(log))).catch(() => {});
      }
      return;
    }
    const f = this.faults;
    const kept: number[] = [];
    for (const b of chunk) {
      const at = this.rxCount++;
      if (f.dropRxBytes?.includes(at)) continue;
      let v = b;
      if (f.corruptRxBytes?.includes(at) || (f.corruptRxEvery && at % f.corruptRxEvery === f.corruptRxEvery - 1)) v ^= 0x55;
      kept.push(v);
    }
    for (const frame of this.decoder.push(Uint8Array.from(kept))) {
      this.queue = this.queue.then(() => this.handleFrame(frame)).catch(() => {});
    }
  }

  private async reply(op: number, val: number, body: Uint8Array, st: Uint8Array, times = 1): Promise<void> {
    if (this.faults.shortReplyOps?.includes(op)) st = st.subarray(0, 2);
    for (let i = 0; i < times; i++) {
      const frame = slipEncode(encodeResponse(op, val, body, st));
      // Byte 1 is the direction byte (0x01, never escaped): damaged, the host cannot take the frame for a reply.
      if (this.faults.corruptReplies?.includes(this.txFrames)) frame[1] ^= 0x55;
      this.txFrames++;
      await this.transport.write(frame);
    }
  }

  private ok(op: number, body: Uint8Array = new Uint8Array(0), val = 0): Promise<void> {
    return this.reply(op, val, body, status(true));
  }

  private fail(op: number, error: number): Promise<void> {
    return this.reply(op, 0, new Uint8Array(0), status(false, error));
  }

  /** The ROM's answer to a command it does not know: 01 05 under an op byte that does not echo the request. */
  private unsupported(): Promise<void> {
    return this.reply(0x00, 0, new Uint8Array(0), status(false, RomError.INVALID_MESSAGE));
  }

  private async handleFrame(frame: Uint8Array): Promise<void> {
    if (this.silent || this.leftLoader) return;
    const req = decodeRequest(frame);
    if (!req) {
      this.stats.malformedFrames++;
      if (this.synced) await this.unsupported();
      return;
    }
    const name = Object.entries(Op).find(([, v]) => v === req.op)?.[0] ?? `0x${req.op.toString(16)}`;
    this.stats.commands[name] = (this.stats.commands[name] ?? 0) + 1;
    if (req.op === Op.SYNC) return this.sync(req);
    // Until a SYNC has set the baud rate the ROM is not listening.
    if (!this.synced) return;
    const w = (i: number): number => new DataView(req.data.buffer, req.data.byteOffset, req.data.byteLength).getUint32(i * 4, true);
    const words = req.data.length >> 2;
    switch (req.op) {
      case Op.READ_REG:
        if (words < 1) return this.fail(req.op, RomError.INVALID_MESSAGE);
        return this.ok(req.op, undefined, this.regs.get(w(0)) ?? 0);
      case Op.WRITE_REG:
        if (words < 4) return this.fail(req.op, RomError.INVALID_MESSAGE);
        this.regs.set(w(0), (((this.regs.get(w(0)) ?? 0) & ~w(2)) | (w(1) & w(2))) >>> 0);
        this.runSpiCommand();
        return this.ok(req.op);
      case Op.SPI_ATTACH:
        this.attached = true;
        return this.ok(req.op);
      case Op.SPI_SET_PARAMS:
        if (words < 6) return this.fail(req.op, RomError.INVALID_MESSAGE);
        return this.ok(req.op);
      case Op.CHANGE_BAUDRATE:
        if (words < 2) return this.fail(req.op, RomError.INVALID_MESSAGE);
        await this.ok(req.op);
        // Like the ROM, let the reply leave before switching: serialport's update() flushes both queues
        // (tcflush TCIOFLUSH), which on a pty would otherwise eat a reply socat had not relayed yet.
        await new Promise((r) => setTimeout(r, 20));
        {
          // a ROM that assumes 40 MHz divides the 26 MHz crystal by 40 MHz / w(0): the UART runs slower
          const actual = this.options.chip.uartClkdivReg !== undefined && (this.options.chip.xtalMhz ?? 40) === 26 ? Math.floor((w(0) * 26) / 40) : w(0);
          this.stats.baud = actual;
          this.stats.requestedBaud = w(0);
          await this.transport.setBaudRate(actual);
        }
        return;
      case Op.GET_SECURITY_INFO:
        return this.securityInfo(req);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.begin(req, words, w);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.data(req);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.end(req, words, w);
      case Op.SPI_FLASH_MD5:
        return this.md5(req, words, w);
      default:
        return this.unsupported();
    }
  }

  /**
   * The SPI flash controller: setting the USR bit of its command register runs the user command set up in USR and
   * USR2, then the bit clears. Only RDID is modelled (the answer lands in W0, as many bits as MISO_DLEN + 1 asks);
   * any other command completes without touching W0.
   */
  private runSpiCommand(): void {
    const spi = this.options.chip.spi;
    if (!spi) return;
    const reg = (offset: number): number => this.regs.get(spi.base + offset) ?? 0;
    if ((reg(0) & SPI_CMD_USR) === 0 || this.faults.spiStuck) return;
    const usr = reg(spi.usr);
    const rdid = (usr & SPI_USR_COMMAND) !== 0 && (usr & SPI_USR_MISO) !== 0 && (reg(spi.usr2) & 0xff) === SPIFLASH_RDID;
    if (rdid) {
      const bits = Math.min(32, reg(spi.misoDlen) + 1);
      const id = this.options.flashId ?? simJedecId(this.options.flashSize);
      this.regs.set(spi.base + spi.w0, (bits === 32 ? id : id & (2 ** bits - 1)) >>> 0);
      this.stats.flashIdReads++;
    }
    this.regs.set(spi.base, (reg(0) & ~SPI_CMD_USR) >>> 0);
  }

  private async sync(req: Request): Promise<void> {
    const expect = concatBytes(Uint8Array.of(0x07, 0x07, 0x12, 0x20), new Uint8Array(32).fill(0x55));
    if (req.data.length !== expect.length || req.data.some((b, i) => b !== expect[i])) return;
    this.synced = true;
    await this.reply(Op.SYNC, SYNC_VAL, new Uint8Array(0), status(true), 8);
  }

  private securityInfo(req: Request): Promise<void> {
    const len = this.options.chip.securityInfoLen;
    if (len === 0) return this.unsupported();
    const body = new Uint8Array(len);
    if (len === 20) body.set(u32le(this.options.chip.imageChipId, 1), 12);
    return this.ok(req.op, body);
  }

  /** FLASH_BEGIN carries 4 words on the ESP32 ROM and 5 elsewhere (esptool-js sends 5 to all): accept both. */
  private begin(req: Request, words: number, w: (i: number) => number): Promise<void> {
    if (!this.attached) return this.fail(req.op, RomError.FAILED_TO_ACT);
    if (words < 4) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [eraseSize, blocks, blockSize, offset] = [w(0), w(1), w(2), w(3)];
    this.stats.beginWords = words;
    if (offset + eraseSize > this.flash.length || blockSize === 0) return this.fail(req.op, RomError.FAILED_TO_ACT);
    const start = Math.floor(offset / SECTOR) * SECTOR;
    const end = Math.min(this.flash.length, Math.ceil((offset + eraseSize) / SECTOR) * SECTOR);
    this.flash.fill(0xff, start, end);
    const compressed = req.op === Op.FLASH_DEFL_BEGIN;
    const session: WriteSession = { compressed, offset, eraseSize, blocks, blockSize, nextSeq: 0, writePos: offset };
    if (compressed) {
      session.inflater = new Unzlib((chunk) => this.program(session, chunk));
    }
    this.write = session;
    return this.ok(req.op);
  }

  /** NOR programming: bits can only go from 1 to 0; bytes outside the erased region are refused. */
  private program(s: WriteSession, bytes: Uint8Array): void {
    if (s.writePos + bytes.length > s.offset + s.eraseSize) {
      s.inflateError = 'write past the erased region';
      return;
    }
    for (let i = 0; i < bytes.length; i++) this.flash[s.writePos + i] &= bytes[i];
    s.writePos += bytes.length;
  }

  private async data(req: Request): Promise<void> {
    const s = this.write;
    const compressed = req.op === Op.FLASH_DEFL_DATA;
    if (!s || s.compressed !== compressed) return this.fail(req.op, RomError.FAILED_TO_ACT);
    if (req.data.length < 16) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const dv = new DataView(req.data.buffer, req.data.byteOffset, req.data.byteLength);
    const len = dv.getUint32(0, true);
    const seq = dv.getUint32(4, true);
    const payload = req.data.subarray(16);
    if (payload.length !== len) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const f = this.faults;
    if (f.corruptDataFramesFrom !== undefined && this.dataFrames++ >= f.corruptDataFramesFrom && payload.length > 0) {
      payload[payload.length >> 1] ^= 0x55;
    }
    if (dataChecksum(payload) !== req.chk) {
      this.stats.checksumErrors++;
      return this.fail(req.op, RomError.BAD_CHECKSUM);
    }
    if (f.stopAfterBlocks !== undefined && this.stats.dataBlocks >= f.stopAfterBlocks) {
      if (!this.silent) this.options.log?.(`stopped answering after ${this.stats.dataBlocks} data blocks`);
      this.silent = true;
      return;
    }
    // A resend of the block just taken (its reply was lost) is acknowledged again, not applied twice.
    if (seq + 1 === s.nextSeq) {
      this.stats.duplicateBlocks++;
      return this.ok(req.op);
    }
    if (seq !== s.nextSeq || seq >= s.blocks) return this.fail(req.op, RomError.FAILED_TO_ACT);
    this.stats.dataBlocks++;
    if (compressed) {
      try {
        s.inflater!.push(payload, seq === s.blocks - 1);
      } catch (e) {
        s.inflateError = (e as Error).message;
      }
      if (s.inflateError) return this.fail(req.op, RomError.DEFLATE);
    } else {
      const at = s.offset + seq * s.blockSize;
      // The padded tail of the last block may run past the erased region; 0xFF there programs nothing.
      const room = Math.max(0, Math.min(payload.length, s.offset + s.eraseSize - at));
      if (payload.subarray(room).some((b) => b !== 0xff)) return this.fail(req.op, RomError.FLASH_WRITE);
      s.writePos = at;
      this.program(s, payload.subarray(0, room));
    }
    s.nextSeq++;
    if (f.corruptFlashAfterBlock !== undefined && this.stats.dataBlocks - 1 === f.corruptFlashAfterBlock) {
      this.flash[Math.max(s.offset, s.writePos - 1)] ^= 0x01;
    }
    return this.ok(req.op);
  }

  private async end(req: Request, words: number, w: (i: number) => number): Promise<void> {
    this.write = null;
    await this.ok(req.op);
    this.leftLoader = words >= 1 && w(0) !== 0 ? 'run-user-code' : 'reboot';
  }

  private md5(req: Request, words: number, w: (i: number) => number): Promise<void> {
    if (!this.attached) return this.fail(req.op, RomError.FAILED_TO_ACT);
    if (words < 2) return this.fail(req.op, RomError.INVALID_MESSAGE);
    const [addr, size] = [w(0), w(1)];
    if (addr + size > this.flash.length) return this.fail(req.op, RomError.READ_LENGTH);
    let hex = createHash('md5').update(this.flash.subarray(addr, addr + size)).digest('hex');
    if (this.faults.malformedMd5 === 'short') hex = hex.slice(1);
    if (this.faults.malformedMd5 === 'non-hex') hex = `zz${hex.slice(2)}`;
    return this.ok(req.op, new TextEncoder().encode(hex));
  }
}
