// Errors opening or driving a port. Each names the port so a fleet run says which board failed.
import { PoseEdgeError } from '../../errors.ts';

export class PortNotFoundError extends PoseEdgeError {
  constructor(readonly port: string) {
    super(`${port}: no such port (is the board plugged in? list ports with \`ls /dev/tty*\`)`);
  }
}

export class PortBusyError extends PoseEdgeError {
  constructor(readonly port: string) {
    super(`${port}: port busy (another program holds it open: close the serial monitor or other flasher)`);
  }
}

export class PortIoError extends PoseEdgeError {
  constructor(readonly port: string, what: string, cause: string) {
    super(`${port}: ${what} failed: ${cause}`);
  }
}

/** The link went away while in use: the device was unplugged or reset, or the other end of a pty closed. */
export class PortClosedError extends PoseEdgeError {
  constructor(readonly port: string, readonly reason: string) {
    super(`${port}: the port closed (device unplugged or reset?): ${reason}`);
  }
}
