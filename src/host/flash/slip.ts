// SLIP framing as used by the ESP serial ROM loader: every frame is wrapped in 0xC0, and inside it 0xC0 is
// sent as DB DC and 0xDB as DB DD. Pure and incremental, so it can be fed whatever chunks the UART delivers.

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export function slipEncode(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of payload) if (b === SLIP_END || b === SLIP_ESC) extra++;
  const out = new Uint8Array(payload.length + extra + 2);
  let j = 0;
  out[j++] = SLIP_END;
  for (const b of payload) {
    if (b === SLIP_END) {
      out[j++] = SLIP_ESC;
      out[j++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[j++] = SLIP_ESC;
      out[j++] = SLIP_ESC_ESC;
    } else {
      out[j++] = b;
    }
  }
  out[j] = SLIP_END;
  return out;
}

/**
 * Incremental decoder. Bytes outside a frame (a boot log, line noise) are skipped; an empty frame (C0 C0) is
 * treated as the start of the next one, so a frame whose opening C0 follows stray bytes still resyncs. A frame with an
 * invalid escape is dropped whole and counted: a half-trusted frame is worse than a retry.
 */
export class SlipDecoder {
  private buf: number[] = [];
  private inFrame = false;
  private escaping = false;
  private corrupt = false;
  /** Frames thrown away because of an invalid escape sequence. */
  badFrames = 0;

  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (const b of chunk) {
      if (!this.inFrame) {
        if (b === SLIP_END) this.startFrame();
        continue;
      }
      if (b === SLIP_END) {
        if (this.escaping) this.corrupt = true;
        if (this.buf.length === 0 && !this.corrupt) continue;
        if (this.corrupt) this.badFrames++;
        else frames.push(Uint8Array.from(this.buf));
        this.reset();
        continue;
      }
      if (this.escaping) {
        this.escaping = false;
        if (b === SLIP_ESC_END) this.buf.push(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.buf.push(SLIP_ESC);
        else this.corrupt = true;
      } else if (b === SLIP_ESC) {
        this.escaping = true;
      } else {
        this.buf.push(b);
      }
    }
    return frames;
  }

  /** Forget a partial frame (used before sending a new command, so stale bytes cannot become its reply). */
  reset(): void {
    this.buf = [];
    this.inFrame = false;
    this.escaping = false;
    this.corrupt = false;
  }

  private startFrame(): void {
    this.buf = [];
    this.inFrame = true;
    this.escaping = false;
    this.corrupt = false;
  }
}
