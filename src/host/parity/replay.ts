// Replays windows to a node as CSI_WINDOW and collects its KEYPOINTS, one window in flight at a time.
// A window whose answer does not arrive in time (the request or the answer was lost, or corrupted and
// therefore dropped by a CRC check on either side) is sent again with the same window sequence number, up
// to `retries` times; every timeout and retry is counted. A window that still has no answer is an error
// naming its index: a parity run never skips a window.
import { ProtocolError } from '../protocol/errors.ts';
import type { NodeSession } from '../protocol/session.ts';
import type { Message } from '../protocol/messages.ts';
import { PoseEdgeError } from '../../cli/errors.ts';

type KeypointsMessage = Extract<Message, { type: 'KEYPOINTS' }>;

export class ParityReplayError extends PoseEdgeError {}

export interface ReplayOptions {
  timeoutMs: number;
  retries: number;
  /** Called after each window with the number done. */
  onProgress?: (done: number, total: number) => void;
}

export interface ReplayResult {
  outputs: Int16Array[];
  cycles: number[];
  /** Requests that got no answer in time (lost or corrupted frames). */
  timeouts: number;
  /** Windows sent again after a timeout. */
  retries: number;
  /** Indices of the windows that needed at least one retry. */
  retriedWindows: number[];
}

export async function replayWindows(session: NodeSession, windows: Int16Array[], opts: ReplayOptions): Promise<ReplayResult> {
  const outputs: Int16Array[] = [];
  const cycles: number[] = [];
  let timeouts = 0;
  let retries = 0;
  const retriedWindows: number[] = [];
  for (let i = 0; i < windows.length; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        const kp = await session.request(
          { type: 'CSI_WINDOW', windowSeq: i, window: windows[i] },
          (m): m is KeypointsMessage => m.type === 'KEYPOINTS' && m.windowSeq === i,
          opts.timeoutMs,
        );
        outputs.push(kp.keypoints);
        cycles.push(kp.cycles);
        break;
      } catch (err) {
        if (!(err instanceof ProtocolError) || err.kind !== 'timeout') throw err;
        timeouts++;
        if (attempt >= opts.retries) {
          throw new ParityReplayError(
            `${session.transport.name}: window ${i} got no KEYPOINTS after ${attempt + 1} attempts of ${opts.timeoutMs} ms each ` +
              `(${timeouts} timeouts so far; host-side frame faults: ${formatFaults(session.faults)})`,
          );
        }
        retries++;
        if (retriedWindows[retriedWindows.length - 1] !== i) retriedWindows.push(i);
      }
    }
    opts.onProgress?.(i + 1, windows.length);
  }
  return { outputs, cycles, timeouts, retries, retriedWindows };
}

export function formatFaults(f: Record<string, number>): string {
  const parts = Object.entries(f).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}
