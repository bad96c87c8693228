// HELLO with retries, shared by stream and parity: a board may still be booting when its port opens
// (opening a USB-Serial/JTAG port can reset an ESP32-C3/S3), so the first HELLO can go unanswered.
import { PoseEdgeError } from '../../errors.ts';
import type { NodeSession } from './session.ts';
import { ErrorCode, INFO_VERSION, type InfoMessage } from './messages.ts';
import { ProtocolError } from './errors.ts';

export class NoNodeError extends PoseEdgeError {}

/**
 * HELLO asking for INFO version 2 (with the CSI fields). A node older than that refuses a HELLO with a payload
 * (ERROR 3, bad length); it is asked again at once with the empty HELLO it knows, and its 88-byte INFO has
 * `csi: null`. That costs the old node one frame in its framesRejected counter.
 */
export function isOldNodeRefusal(err: unknown): boolean {
  return err instanceof ProtocolError && err.kind === 'node-error' && err.nodeError?.code === ErrorCode.BAD_LENGTH;
}

/** `retries` re-sends after a timeout (retries + 1 attempts in all); `onRetry` counts them. */
export async function helloWithRetries(s: NodeSession, timeoutMs: number, retries: number, onRetry?: () => void): Promise<InfoMessage> {
  let infoVersion: number | undefined = INFO_VERSION;
  for (let attempt = 0; ; ) {
    try {
      return await s.request({ type: 'HELLO', infoVersion }, (m): m is InfoMessage => m.type === 'INFO', timeoutMs);
    } catch (err) {
      if (infoVersion !== undefined && isOldNodeRefusal(err)) {
        infoVersion = undefined; // not a retry: the node answered, in the older protocol
        continue;
      }
      const timedOut = err instanceof ProtocolError && err.kind === 'timeout';
      if (!timedOut || attempt >= retries) {
        const faults = formatFaults(s.faults);
        throw new NoNodeError(
          `${s.transport.name}: no INFO in answer to HELLO after ${attempt + 1} attempt${attempt ? 's' : ''} of ${timeoutMs} ms ` +
            `(is a pose-edge node on this port, at this baud rate? host-side frame faults: ${faults}): ${(err as Error).message}`,
        );
      }
      attempt++;
      onRetry?.();
    }
  }
}

/** Host-side frame fault counters for a message: "crc 2, framing 1", or "none". */
export function formatFaults(f: Record<string, number>): string {
  const parts = Object.entries(f).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}
