// A Web-Serial-shaped port over node-serialport, enough for esptool-js 0.7.0's Transport to run under Node.
// Used only to drive Espressif's own client against our ROM simulator, as an independent check of the simulator.
import { SerialPort } from 'serialport';

export class NodeWebSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private port: SerialPort | null = null;
  // serialport's set() asserts any line not passed, so both are tracked here and always passed together.
  private dtr = false;
  private rts = false;

  constructor(private readonly path: string) {}

  async open(options: { baudRate: number }): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: options.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    this.port = port;
    let onData: ((b: Buffer) => void) | null = null;
    this.readable = new ReadableStream<Uint8Array>({
      start(controller) {
        onData = (b: Buffer) => controller.enqueue(new Uint8Array(b));
        port.on('data', onData);
        port.once('close', () => {
          try {
            controller.close();
          } catch {
            // already cancelled by the reader
          }
        });
      },
      cancel() {
        if (onData) port.off('data', onData);
      },
    });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          port.write(Buffer.from(chunk));
          port.drain((e) => (e ? reject(e) : resolve()));
        }),
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    this.readable = null;
    this.writable = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async setSignals(s: { dataTerminalReady?: boolean; requestToSend?: boolean }): Promise<void> {
    if (s.dataTerminalReady !== undefined) this.dtr = s.dataTerminalReady;
    if (s.requestToSend !== undefined) this.rts = s.requestToSend;
    const port = this.port;
    if (!port) return;
    await new Promise<void>((resolve, reject) =>
      port.set({ dtr: this.dtr, rts: this.rts }, (e) => {
        // A pty has no modem lines (ENOTTY): the same as a board without auto-reset.
        if (e && !/Inappropriate ioctl/.test(e.message)) reject(e);
        else resolve();
      }),
    );
  }

  /** esptool-js 0.7.0 uses this, when present, instead of closing and reopening the port. */
  async setBaudRate(baud: number): Promise<void> {
    const port = this.port;
    if (!port) return;
    await new Promise<void>((resolve, reject) => port.update({ baudRate: baud }, (e) => (e ? reject(e) : resolve())));
  }

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return {};
  }
}
