// The one interface every byte link to a node goes through, so the flasher, the stream reader and the
// parity runner do not care whether the other end is a USB UART, a pseudo-terminal or (later) a socket.

/** Modem control lines. `dtr`/`rts` true means "asserted" (the pin is driven low on ESP dev boards). */
export interface Signals {
  dtr: boolean;
  rts: boolean;
}

export interface Transport {
  /** What the user called it (a device path), used in every error message. */
  readonly name: string;
  /** Resolves once the bytes have been handed to the OS (drained). */
  write(bytes: Uint8Array): Promise<void>;
  /** Registers a listener for incoming bytes; returns a function that removes it. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /**
   * Registers a listener for the link going away on its own (device unplugged or reset, the other end of a
   * pty closed, an I/O error): called once with the reason. Anyone waiting for bytes must listen, or a
   * wait on a dead link never ends. Not called for close(). Returns a function that removes the listener.
   */
  onClose(listener: (reason: string) => void): () => void;
  /**
   * Sets DTR and RTS together. Returns false when the link has no modem lines (a pseudo-terminal
   * answers ENOTTY): callers treat that as "no reset line" and carry on.
   */
  setSignals(signals: Signals): Promise<boolean>;
  /** Changes the line speed in place (no close/reopen, which would glitch the reset lines). */
  setBaudRate(baud: number): Promise<void>;
  close(): Promise<void>;
}
