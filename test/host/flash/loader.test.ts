// The command/response layer on bytes: a scripted in-memory device answers each request frame, and the test
// checks what the client does with stale, foreign, unsupported and damaged replies.
import { describe, expect, it } from 'vitest';
import type { Signals, Transport } from '../../../src/host/transport/transport.ts';
import { CommandFailedError, InterruptedError, NoReplyError, UnsupportedCommandError } from '../../../src/host/flash/errors.ts';
import { bootModeFromLog, DEFAULT_TIMING, RomLoader } from '../../../src/host/flash/loader.ts';
import { decodeRequest, encodeResponse, Op, type Request } from '../../../src/host/flash/protocol.ts';
import { SlipDecoder, slipEncode } from '../../../src/host/flash/slip.ts';

const OK = Uint8Array.of(0, 0, 0, 0);

/** A transport whose far end is a function from request to raw reply bytes (already SLIP-framed or not). */
class ScriptedTransport implements Transport {
  readonly name = '/dev/scripted';
  readonly requests: Request[] = [];
  private listener: ((c: Uint8Array) => void) | null = null;
  private readonly decoder = new SlipDecoder();
  constructor(private readonly answer: (req: Request, n: number) => Uint8Array[]) {}
  async write(bytes: Uint8Array): Promise<void> {
    for (const frame of this.decoder.push(bytes)) {
      const req = decodeRequest(frame)!;
      this.requests.push(req);
      for (const chunk of this.answer(req, this.requests.length - 1)) setTimeout(() => this.listener?.(chunk), 1);
    }
  }
  onData(l: (c: Uint8Array) => void): () => void {
    this.listener = l;
    return () => {
      this.listener = null;
    };
  }
  async setSignals(_: Signals): Promise<boolean> {
    return false;
  }
  onClose(): () => void {
    return () => {};
  }
  async setBaudRate(): Promise<void> {}
  async close(): Promise<void> {}
}

const reply = (op: number, val: number, body: Uint8Array, status = OK): Uint8Array => slipEncode(encodeResponse(op, val, body, status));
const timing = { ...DEFAULT_TIMING, commandTimeoutMs: 100, retries: 2 };

describe('ROM loader command/response', () => {
  it('skips replies to other ops and undecodable frames, and returns the matching reply', async () => {
    const t = new ScriptedTransport(() => [
      reply(Op.SYNC, 0x20120707, new Uint8Array(0)), // a late SYNC reply
      Uint8Array.of(0xc0, 0x02, 0x0a, 0xc0), // garbage frame
      reply(Op.READ_REG, 0x6921506f, new Uint8Array(0)),
    ]);
    const loader = new RomLoader(t, timing);
    expect(await loader.readReg(0x40001000)).toBe(0x6921506f);
    expect(t.requests.map((r) => r.op)).toEqual([Op.READ_REG]);
    expect(loader.badReplies).toBe(1);
  });

  it('a 01 05 under a foreign op is "unsupported" for an ordinary command', async () => {
    const t = new ScriptedTransport(() => [reply(0x00, 0, new Uint8Array(0), Uint8Array.of(1, 5, 0, 0))]);
    const loader = new RomLoader(t, timing);
    await expect(loader.command(Op.GET_SECURITY_INFO, new Uint8Array(0))).rejects.toThrow(
      new UnsupportedCommandError('/dev/scripted', Op.GET_SECURITY_INFO).message,
    );
  });

  it('on a data block, a bad checksum reply is a line error: the same frame is resent', async () => {
    const t = new ScriptedTransport((req, n) => [
      reply(req.op, 0, new Uint8Array(0), n === 0 ? Uint8Array.of(1, 7, 0, 0) : OK),
    ]);
    const loader = new RomLoader(t, timing);
    await loader.data(false, 0, new Uint8Array(1024).fill(0x11));
    expect(t.requests).toHaveLength(2);
    expect(Buffer.compare(t.requests[0].data, t.requests[1].data)).toBe(0);
    expect(loader.retriesUsed).toBe(1);
  });

  it('a refused command that is not a line error fails at once with the ROM error named', async () => {
    const t = new ScriptedTransport((req) => [reply(req.op, 0, new Uint8Array(0), Uint8Array.of(1, 8, 0, 0))]);
    const loader = new RomLoader(t, timing);
    const err = await loader.data(false, 0, new Uint8Array(16)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as Error).message).toBe('/dev/scripted: FLASH_DATA failed: ROM status 1, flash write error (0x08)');
    expect(t.requests).toHaveLength(1);
  });

  it('silence: NoReplyError after 1 + retries tries, naming op and timeout', async () => {
    const t = new ScriptedTransport(() => []);
    const loader = new RomLoader(t, timing);
    await expect(loader.data(true, 3, new Uint8Array(8))).rejects.toThrow(
      new NoReplyError('/dev/scripted', Op.FLASH_DEFL_DATA, 100, 3).message,
    );
    expect(t.requests).toHaveLength(3);
  });

  it('MD5: the ROM answers 32 ASCII hex characters; a reply of another length is a protocol error', async () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const good = new RomLoader(new ScriptedTransport((r) => [reply(r.op, 0, new TextEncoder().encode(md5.toUpperCase()))]), timing);
    expect(await good.flashMd5(0x10000, 0)).toBe(md5);
    const bad = new RomLoader(new ScriptedTransport((r) => [reply(r.op, 0, new Uint8Array(7))]), timing);
    await expect(bad.flashMd5(0, 16)).rejects.toThrow('/dev/scripted: protocol error: SPI_FLASH_MD5 reply carries 7 bytes, expected 32 hex characters');
  });

  it('MD5: 32 bytes that are not hex, or 16 raw bytes (a stub reply; we never upload a stub), are protocol errors too', async () => {
    const text = new RomLoader(new ScriptedTransport((r) => [reply(r.op, 0, new TextEncoder().encode('g'.repeat(32)))]), timing);
    await expect(text.flashMd5(0, 16)).rejects.toThrow(`/dev/scripted: protocol error: SPI_FLASH_MD5 reply is not 32 hex characters: "${'g'.repeat(32)}"`);
    const raw = new RomLoader(new ScriptedTransport((r) => [reply(r.op, 0, new Uint8Array(16))]), timing);
    await expect(raw.flashMd5(0, 16)).rejects.toThrow('/dev/scripted: protocol error: SPI_FLASH_MD5 reply carries 16 bytes, expected 32 hex characters');
  });

  it('a reply with fewer than the ROM status bytes is a protocol error, not a success', async () => {
    const t = new ScriptedTransport((r) => [slipEncode(encodeResponse(r.op, 0x6921506f, new Uint8Array(0), Uint8Array.of(0, 0)))]);
    await expect(new RomLoader(t, timing).readReg(0x40001000)).rejects.toThrow(
      "/dev/scripted: protocol error: READ_REG reply carries 2 status bytes, expected the ROM's 4",
    );
    expect(t.requests).toHaveLength(1);
  });

  it('interrupt() ends a pending wait at once with InterruptedError (no resend, no timeout)', async () => {
    const t = new ScriptedTransport(() => []);
    const loader = new RomLoader(t, { ...timing, commandTimeoutMs: 60_000 });
    const pending = loader.data(false, 0, new Uint8Array(16));
    setTimeout(() => loader.interrupt('SIGINT'), 20);
    await expect(pending).rejects.toThrow(new InterruptedError('/dev/scripted', 'SIGINT').message);
    expect(t.requests).toHaveLength(1);
  });

  it('reads the boot mode from a ROM boot log, unless it says "waiting for download"', () => {
    expect(bootModeFromLog('ESP-ROM:esp32c3\r\nrst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)\r\n')).toBe('0xc (SPI_FAST_FLASH_BOOT)');
    expect(bootModeFromLog('rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n')).toBeUndefined();
    expect(bootModeFromLog('random noise')).toBeUndefined();
  });
});
