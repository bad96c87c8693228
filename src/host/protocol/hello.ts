// HELLO with retries, shared by stream and parity: a board may still be booting when its port opens
// (opening a USB-Serial/JTAG port can reset an ESP32-C3/S3), so the first HELLO can go unanswered.
import { PoseEdgeError } from '../../errors.ts';
import type { NodeSession } from './session.ts';
import type { InfoMessage } from './messages.ts';
import { ProtocolError } from './errors.ts';

export class NoNodeError extends PoseEdgeError {}

/** `retries` re-sends after a timeout (retries + 1 attempts in all); `onRetry` counts them. */
export async function helloWithRetries(s: NodeSession, timeoutMs: number, retries: number, onRetry?: () => void): Promise<InfoMessage> {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) onRetry?.();
    try {
      return await s.request({ type: 'HELLO' }, (m): m is InfoMessage => m.type === 'INFO', timeoutMs);
    } catch (err) {
      const timedOut = err instanceof ProtocolError && err.kind === 'timeout';
      if (!timedOut || attempt >= retries) {
        const faults = formatFaults(s.faults);
        throw new NoNodeError(
          `${s.transport.name}: no INFO in answer to HELLO after ${attempt + 1} attempt${attempt ? 's' : ''} of ${timeoutMs} ms ` +
            `(is a pose-edge node on this port, at this baud rate? host-side frame faults: ${faults}): ${(err as Error).message}`,
        );
      }
    }
  }
}

/** Host-side frame fault counters for a message: "crc 2, framing 1", or "none". */
export function formatFaults(f: Record<string, number>): string {
  const parts = Object.entries(f).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}
