// Replays windows to a node as CSI_WINDOW and collects its KEYPOINTS, one window in flight at a time.
// A window whose answer does not arrive in time (the request or the answer was lost, or corrupted and
// therefore dropped by a CRC check on either side) is sent again with the same window sequence number:
// `retries` re-sends, so retries + 1 attempts in all; every timeout and retry is counted. A window still
// unanswered after that is lost, and the replay goes on with the next one (the verdict fails on any lost
// window). A device that goes away ends the replay early, with what was collected so far:
//   - the port closed (unplugged, reset, the other end of a pty died) or an I/O error on it: at once;
//   - the link is open but nothing answers: after NODE_GONE_AFTER windows in a row were lost.
import { ProtocolError } from './errors.ts';
import type { NodeSession } from './session.ts';
import type { Message } from './messages.ts';
import { PortClosedError, PortIoError } from '../transport/errors.ts';
import { formatFaults } from './hello.ts';

type KeypointsMessage = Extract<Message, { type: 'KEYPOINTS' }>;

/** Windows lost in a row after which the node counts as gone (its link open, nothing answering). */
export const NODE_GONE_AFTER = 3;

export interface ReplayOptions {
  timeoutMs: number;
  retries: number;
  /** Called after each window (answered or lost) with the number done. */
  onProgress?: (done: number, total: number) => void;
}

/** Why a replay ended before its last window. */
export interface ReplayStop {
  reason: 'port-closed' | 'io-error' | 'not-answering';
  /** One line naming the port and what happened. */
  message: string;
  /** The window being sent when the replay ended. */
  atWindow: number;
}

export interface ReplayResult {
  /** Indices of the windows that got an answer, in order, and their outputs and cycle counts. */
  answered: number[];
  outputs: Int16Array[];
  cycles: number[];
  /** Indices of the windows that got no answer after all their attempts. */
  lostWindows: number[];
  /** Requests that got no answer in time (lost or corrupted frames). */
  timeouts: number;
  /** Windows sent again after a timeout. */
  retries: number;
  /** Indices of the windows that needed at least one retry. */
  retriedWindows: number[];
  /** Null when every window was tried. */
  stopped: ReplayStop | null;
}

export async function replayWindows(session: NodeSession, windows: Int16Array[], opts: ReplayOptions): Promise<ReplayResult> {
  const r: ReplayResult = { answered: [], outputs: [], cycles: [], lostWindows: [], timeouts: 0, retries: 0, retriedWindows: [], stopped: null };
  const port = session.transport.name;
  let lostInRow = 0;
  for (let i = 0; i < windows.length; i++) {
    let answered = false;
    for (let attempt = 0; attempt <= opts.retries; attempt++) {
      if (attempt > 0) {
        r.retries++;
        if (r.retriedWindows[r.retriedWindows.length - 1] !== i) r.retriedWindows.push(i);
      }
      try {
        const kp = await session.request(
          { type: 'CSI_WINDOW', windowSeq: i, window: windows[i] },
          (m): m is KeypointsMessage => m.type === 'KEYPOINTS' && m.windowSeq === i,
          opts.timeoutMs,
        );
        r.answered.push(i);
        r.outputs.push(kp.keypoints);
        r.cycles.push(kp.cycles);
        answered = true;
        break;
      } catch (err) {
        if (err instanceof PortClosedError || err instanceof PortIoError) {
          r.stopped = { reason: err instanceof PortClosedError ? 'port-closed' : 'io-error', message: err.message, atWindow: i };
          return r;
        }
        if (!(err instanceof ProtocolError) || err.kind !== 'timeout') throw err;
        r.timeouts++;
      }
    }
    if (answered) lostInRow = 0;
    else {
      r.lostWindows.push(i);
      if (++lostInRow >= NODE_GONE_AFTER) {
        r.stopped = {
          reason: 'not-answering',
          message:
            `${port}: the node stopped answering: ${lostInRow} windows in a row (${r.lostWindows.slice(-lostInRow).join(', ')}) got no KEYPOINTS ` +
            `after ${opts.retries + 1} attempts of ${opts.timeoutMs} ms each (host-side frame faults: ${formatFaults(session.faults)})`,
          atWindow: i,
        };
        return r;
      }
    }
    opts.onProgress?.(i + 1, windows.length);
  }
  return r;
}
