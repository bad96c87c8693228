// Transport over node-serialport: a real USB UART and a pseudo-terminal (/dev/pts/N) are opened the same way.
import { SerialPort } from 'serialport';
import type { Signals, Transport } from './transport.ts';
import { PortBusyError, PortIoError, PortNotFoundError } from './errors.ts';

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
  private constructor(
    readonly name: string,
    private readonly port: SerialPort,
  ) {}

  /** Opens with an exclusive lock so two flashers cannot interleave bytes on one board. */
  static async open(path: string, baudRate: number): Promise<SerialTransport> {
    const port = new SerialPort({ path, baudRate, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(classifyOpenError(path, err)) : resolve()));
    });
    return new SerialTransport(path, port);
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
        if (err) reject(new PortIoError(this.name, 'write', err.message));
      });
      this.port.drain((err) => (err ? reject(new PortIoError(this.name, 'write', err.message)) : resolve()));
    });
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    const handler = (chunk: Buffer): void => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.port.on('data', handler);
    return () => {
      this.port.off('data', handler);
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
