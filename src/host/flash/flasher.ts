// One flashing session on one port: reset into the ROM loader, sync, detect the chip, refuse a plan built
// for another chip, read the flash chip's JEDEC ID and refuse a plan that needs more flash than it has, write every
// region (deflate or plain), verify each with SPI_FLASH_MD5, leave flash mode and reset into the application.
// A region counts as written only once its MD5 matched. Every failure says where it happened (port, region, block
// and flash offset) and ends in the port's summary; nothing is thrown past flashPort.
import { createHash } from 'node:crypto';
import { Unzlib, zlibSync } from 'fflate';
import type { Transport } from '../transport/transport.ts';
import { SerialTransport, usbIds } from '../transport/serial.ts';
import type { Chip } from './chips.ts';
import { CommandFailedError, inStage, InterruptedError, Md5MismatchError, UnsupportedCommandError, type Stage } from './errors.ts';
import { formatJedecId, interpretJedecId, readJedecId, type FlashDetection } from './flash-id.ts';
import { formatSize } from './flash-size.ts';
import { DEFAULT_TIMING, ROM_BAUD, ROM_BLOCK_SIZE, RomLoader, type LoaderTiming } from './loader.ts';
import { checkPlanFitsFlash, checkPlanForChip, type FlashPlan, type Region } from './plan.ts';
import { opName } from './protocol.ts';
import { classicResetSteps, hardResetSteps, resetKindFor, runResetSteps, usbJtagResetSteps, type ResetKind } from './reset.ts';

export interface FlashOptions {
  /** Baud rate for the data transfer; CHANGE_BAUDRATE is sent when it differs from the ROM's 115200. */
  baud: number;
  compress: boolean;
  connectAttempts: number;
  timing: LoaderTiming;
  /** Opens the link; tests may hand in their own. */
  openTransport: (path: string, baud: number) => Promise<Transport>;
  /** Aborting it (reason: the signal's name, e.g. "SIGINT") stops the session at once; the summary says where. */
  signal?: AbortSignal;
}

export const DEFAULT_FLASH_OPTIONS: FlashOptions = {
  baud: 460800,
  compress: true,
  connectAttempts: 7,
  timing: DEFAULT_TIMING,
  openTransport: (path, baud) => SerialTransport.open(path, baud),
};

export type FlashEvent =
  | { event: 'connected'; port: string; chip: string; resetLines: boolean }
  | { event: 'progress'; port: string; region: string; written: number; total: number; doneBytes: number; totalBytes: number }
  | { event: 'verified'; port: string; region: string; offset: number; size: number; md5: string }
  | { event: 'warning'; port: string; message: string };

export interface RegionResult {
  name: string;
  file: string;
  offset: number;
  size: number;
  /** Bytes that went over the wire for this region (deflated size when compressed). */
  sentBytes: number;
  md5: string;
  /** True only when SPI_FLASH_MD5 of the flash equals the file's MD5. */
  verified: boolean;
}

export interface PortSummary {
  port: string;
  ok: boolean;
  chip?: string;
  compressed: boolean;
  /** Regions written and verified; a failed region never appears here. */
  regions: RegionResult[];
  bytes: number;
  seconds: number;
  /** Uncompressed bytes per second of write+verify time, in KB/s (1 KB = 1024 bytes). */
  kbPerSecond: number;
  retries: number;
  /**
   * How the application was started after a successful write: a hard reset through RTS, or, on a link without
   * reset lines, the ROM's "run user code"; 'unknown' when the ROM left without answering that command.
   */
  started?: 'hard-reset' | 'run-user-code' | 'unknown';
  /** JEDEC ID of the flash chip as it sends it (manufacturer, type, capacity), e.g. "ef4016"; absent if unread. */
  flashId?: string;
  /** Flash size from the JEDEC ID, in bytes; absent when it could not be detected (see warnings). */
  flashSizeDetected?: number;
  /** Things the user should know that did not fail the port: flash size not detected, application start unknown. */
  warnings: string[];
  error?: string;
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** What goes on the wire for a region and how the ROM must be told about it. */
interface RegionPayload {
  wire: Uint8Array;
  blocks: number;
  eraseSize: number;
}

function payloadFor(region: Region, compress: boolean): RegionPayload {
  const size = region.data.length;
  if (!compress) {
    const blocks = Math.ceil(size / ROM_BLOCK_SIZE);
    return { wire: region.data, blocks, eraseSize: size };
  }
  const wire = zlibSync(region.data, { level: 9 });
  // The ROM expects the uncompressed size rounded up to whole blocks (the stub would take the exact size).
  const eraseSize = Math.ceil(size / ROM_BLOCK_SIZE) * ROM_BLOCK_SIZE;
  return { wire, blocks: Math.ceil(wire.length / ROM_BLOCK_SIZE), eraseSize };
}

function blockOf(p: RegionPayload, seq: number, compress: boolean): Uint8Array {
  const chunk = p.wire.subarray(seq * ROM_BLOCK_SIZE, (seq + 1) * ROM_BLOCK_SIZE);
  if (compress || chunk.length === ROM_BLOCK_SIZE) return chunk;
  // Plain writes go in whole blocks; the tail is padded with the erased value so it changes nothing.
  const padded = new Uint8Array(ROM_BLOCK_SIZE).fill(0xff);
  padded.set(chunk);
  return padded;
}

/** Flash bytes covered by the blocks the device acknowledged (for deflate: what their prefix inflates to). */
function acknowledgedBytes(p: RegionPayload, ackedBlocks: number, compress: boolean): number {
  const sent = p.wire.subarray(0, ackedBlocks * ROM_BLOCK_SIZE);
  if (!compress) return sent.length;
  let n = 0;
  const inflater = new Unzlib((chunk) => {
    n += chunk.length;
  });
  inflater.push(sent, false);
  return n;
}

/** Runs `fn`; a failure gets the place it happened (a function, so a block's offset is computed only on failure). */
async function staged<T>(port: string, stage: Stage | (() => Stage), fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw inStage(e, port, typeof stage === 'function' ? stage() : stage);
  }
}

async function writeRegion(
  loader: RomLoader,
  chip: Chip,
  region: Region,
  opts: FlashOptions,
  progress: (written: number) => void,
): Promise<RegionResult> {
  const port = loader.port;
  const size = region.data.length;
  const p = payloadFor(region, opts.compress);
  const where = { region: region.name, offset: region.offset, size };
  await staged(port, { at: 'erase', ...where }, () => loader.begin(opts.compress, chip, p.eraseSize, p.blocks, region.offset));
  for (let seq = 0; seq < p.blocks; seq++) {
    const dataStage = (): Stage => ({
      at: 'data',
      region: region.name,
      block: seq,
      blocks: p.blocks,
      offset: region.offset + acknowledgedBytes(p, seq, opts.compress),
    });
    await staged(port, dataStage, () => loader.data(opts.compress, seq, blockOf(p, seq, opts.compress)));
    progress(Math.min(size, Math.round(((seq + 1) * size) / p.blocks)));
  }
  const expected = md5Hex(region.data);
  const actual = await staged(port, { at: 'verify', ...where }, () => loader.flashMd5(region.offset, size));
  if (actual !== expected) throw new Md5MismatchError(port, region.name, region.offset, size, expected, actual);
  return { name: region.name, file: region.file, offset: region.offset, size, sentBytes: p.wire.length, md5: expected, verified: true };
}

/** Reads the JEDEC ID; a ROM that refuses the register commands means "not detected", not a failed port. */
async function detectFlash(loader: RomLoader, chip: Chip): Promise<FlashDetection> {
  try {
    return interpretJedecId(await readJedecId(loader, chip.spi));
  } catch (e) {
    if (e instanceof CommandFailedError) return { ok: false, reason: `the ROM refused a register command: ${e.detail}` };
    if (e instanceof UnsupportedCommandError) return { ok: false, reason: `the loader does not support ${opName(e.op)}` };
    throw e;
  }
}

/** Flashes `plan` on `port`. Never throws: failures come back in the summary (so a fleet run goes on). */
export async function flashPort(
  port: string,
  plan: FlashPlan,
  options: Partial<FlashOptions> = {},
  onEvent: (e: FlashEvent) => void = () => {},
): Promise<PortSummary> {
  const opts: FlashOptions = { ...DEFAULT_FLASH_OPTIONS, ...options };
  const summary: PortSummary = {
    port,
    ok: false,
    compressed: opts.compress,
    regions: [],
    bytes: 0,
    seconds: 0,
    kbPerSecond: 0,
    retries: 0,
    warnings: [],
  };
  const warn = (message: string): void => {
    summary.warnings.push(message);
    onEvent({ event: 'warning', port, message });
  };
  let transport: Transport | undefined;
  let loader: RomLoader | undefined;
  const signalName = (): string => String(opts.signal?.reason ?? 'SIGINT');
  const onAbort = (): void => loader?.interrupt(signalName());
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (opts.signal?.aborted) throw new InterruptedError(port, signalName());
    transport = await opts.openTransport(port, ROM_BAUD);
    const t = transport;
    const kind: ResetKind = resetKindFor(await usbIds(port));
    let resetLines = true;
    loader = new RomLoader(t, opts.timing);
    if (opts.signal?.aborted) loader.interrupt(signalName());
    await loader.connect(opts.connectAttempts, async (attempt) => {
      if (!resetLines) return;
      resetLines = await runResetSteps(t, kind === 'usb-jtag-serial' ? usbJtagResetSteps() : classicResetSteps(attempt));
    });
    const chip = await loader.detectChip();
    summary.chip = chip.name;
    onEvent({ event: 'connected', port, chip: chip.name, resetLines });
    checkPlanForChip(plan, chip, port);
    await loader.spiAttach();
    // The flash chip itself says how big it is; a plan that needs more is refused before the first FLASH_BEGIN.
    const flash = await detectFlash(loader, chip);
    if (flash.id !== undefined) summary.flashId = formatJedecId(flash.id).replace(/ /g, '');
    if (flash.ok) {
      summary.flashSizeDetected = flash.sizeBytes;
      checkPlanFitsFlash(plan, flash, port);
    } else {
      warn(
        `${port}: could not detect the flash size (${flash.reason}); trusting the plan's ${formatSize(plan.flashSizeBytes)} ` +
          `(${plan.flashSizeSource})`,
      );
    }
    await loader.spiSetParams(plan.flashSizeBytes);
    if (opts.baud !== ROM_BAUD) await loader.changeBaud(opts.baud, chip);

    const totalBytes = plan.regions.reduce((n, r) => n + r.data.length, 0);
    let doneBefore = 0;
    const started = performance.now();
    for (const region of plan.regions) {
      const result = await writeRegion(loader, chip, region, opts, (written) =>
        onEvent({
          event: 'progress',
          port,
          region: region.name,
          written,
          total: region.data.length,
          doneBytes: doneBefore + written,
          totalBytes,
        }),
      );
      summary.regions.push(result);
      doneBefore += region.data.length;
      onEvent({ event: 'verified', port, region: region.name, offset: region.offset, size: region.data.length, md5: result.md5 });
    }
    summary.seconds = (performance.now() - started) / 1000;
    summary.bytes = doneBefore;
    summary.kbPerSecond = summary.seconds > 0 ? summary.bytes / 1024 / summary.seconds : 0;
    summary.ok = true;
    // Every region is verified: what follows only starts the application. A failure here (a USB-Serial/JTAG port
    // drops off the bus as the chip resets) leaves the flash as verified and the start unknown.
    try {
      // Like esptool with the ROM: no FLASH_END before a hard reset (the ROM would leave the loader on it).
      if (resetLines) {
        await runResetSteps(t, hardResetSteps(kind));
        summary.started = 'hard-reset';
      } else {
        summary.started = (await loader.runUserCode(chip)) ? 'run-user-code' : 'unknown';
      }
    } catch (e) {
      summary.started = 'unknown';
      warn(`${inStage(e, port, { at: 'start' }).message} (the flash is verified; press RESET if the application does not start)`);
    }
  } catch (e) {
    summary.error = inStage(e, port, { at: 'connect' }).message;
    summary.bytes = summary.regions.reduce((n, r) => n + r.size, 0);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (loader) {
      summary.retries = loader.retriesUsed;
      loader.detach();
    }
    await transport?.close().catch(() => {});
  }
  return summary;
}

/** Fleet run: every port in parallel, each with its own session; the order of results follows `ports`. */
export function flashPorts(
  ports: string[],
  plan: FlashPlan,
  options: Partial<FlashOptions> = {},
  onEvent: (e: FlashEvent) => void = () => {},
): Promise<PortSummary[]> {
  return Promise.all(ports.map((p) => flashPort(p, plan, options, onEvent)));
}

