// Transport over node-serialport: a real USB UART and a pseudo-terminal (/dev/pts/N) are opened the same way.
import { SerialPort } from 'serialport';
import type { Signals, Transport } from './transport.ts';
import { PortBusyError, PortClosedError, PortIoError, PortNotFoundError } from './errors.ts';

/** bindings-cpp reports errno only in the message text, so classify by it. */
function classifyOpenError(path: string, err: Error): Error {
  const msg = err.message;
  if (/No such file or directory|ENOENT/i.test(msg)) return new PortNotFoundError(path);
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|Device or resource busy/i.test(msg)) {
    return new PortBusyError(path);
  }
  return new PortIoError(path, 'open', msg);
}

function isNoModemLines(err: Error): boolean {
  return /Inappropriate ioctl|ENOTTY/i.test(err.message);
}

export class SerialTransport implements Transport {
  /** Why the link went away on its own, once it has; writes fail fast from then on. */
  private lostReason: string | null = null;
  private closing = false;
  private readonly closeListeners = new Set<(reason: string) => void>();
  /** Rejections of writes still waiting for their drain, so a dead link cannot leave one hanging. */
  private readonly pendingWrites = new Set<(err: Error) => void>();

  private constructor(
    readonly name: string,
    private readonly port: SerialPort,
  ) {
    // Without an 'error' listener an I/O error on a vanished device would be an uncaught exception; a
    // vanished device is an ordinary event that every waiter hears about through onClose.
    port.on('error', (err: Error) => this.lost(err.message));
    port.on('close', (err?: Error | null) => this.lost(err?.message ?? 'closed by the device side'));
  }

  /** Opens with an exclusive lock so two flashers cannot interleave bytes on one board. */
  static async open(path: string, baudRate: number): Promise<SerialTransport> {
    const port = new SerialPort({ path, baudRate, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(classifyOpenError(path, err)) : resolve()));
    });
    return new SerialTransport(path, port);
  }

  private lost(reason: string): void {
    if (this.closing || this.lostReason !== null) return;
    this.lostReason = reason;
    const err = new PortClosedError(this.name, reason);
    for (const reject of this.pendingWrites) reject(err);
    this.pendingWrites.clear();
    for (const l of this.closeListeners) l(reason);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.lostReason !== null) return Promise.reject(new PortClosedError(this.name, this.lostReason));
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        this.pendingWrites.delete(settle);
        if (err) reject(err);
        else resolve();
      };
      this.pendingWrites.add(settle);
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
        if (err) settle(this.writeError(err));
      });
      this.port.drain((err) => settle(err ? this.writeError(err) : undefined));
    });
  }

  private writeError(err: Error): Error {
    // EIO on write is how Linux reports a USB UART or pty whose other end is gone; a drain reports it by its
    // strerror text ("Input/output error, cannot drain").
    if (/EIO|ENXIO|ENODEV|Input\/output error|Port is not open/i.test(err.message)) {
      this.lost(err.message);
      return new PortClosedError(this.name, this.lostReason ?? err.message);
    }
    return new PortIoError(this.name, 'write', err.message);
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    const handler = (chunk: Buffer): void => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.port.on('data', handler);
    return () => {
      this.port.off('data', handler);
    };
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    if (this.lostReason !== null) queueMicrotask(() => listener(this.lostReason!));
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  setSignals(signals: Signals): Promise<boolean> {
    // serialport fills unspecified lines with "asserted", so both are always passed explicitly.
    return new Promise((resolve, reject) => {
      this.port.set({ dtr: signals.dtr, rts: signals.rts }, (err) => {
        if (!err) resolve(true);
        else if (isNoModemLines(err)) resolve(false);
        else reject(new PortIoError(this.name, 'setting DTR/RTS', err.message));
      });
    });
  }

  setBaudRate(baud: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.update({ baudRate: baud }, (err) =>
        err ? reject(new PortIoError(this.name, `changing baud rate to ${baud}`, err.message)) : resolve(),
      );
    });
  }

  close(): Promise<void> {
    this.closing = true;
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

/** USB vendor/product id of a port, when the OS knows it (ptys have none). */
export async function usbIds(path: string): Promise<{ vendorId?: number; productId?: number }> {
  try {
    const ports = await SerialPort.list();
    const hit = ports.find((p) => p.path === path);
    if (!hit?.vendorId || !hit.productId) return {};
    return { vendorId: parseInt(hit.vendorId, 16), productId: parseInt(hit.productId, 16) };
  } catch {
    return {};
  }
}
