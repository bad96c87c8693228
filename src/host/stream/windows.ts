// Rebuilding model windows [3][114][10] (link, subcarrier, packet) from streamed CSI, with the node's rules
// (docs/protocol.md, "Window assembly"): a slot holds one packet row per link and closes when all 3 links
// have delivered or a link delivers again (missing rows stay 0); a window is the last 10 slots, oldest
// first, emitted at the 10th slot and then every `hop` slots. A gap in the slot sequence numbers (CSI_PACKETs lost on
// the way to the host) restarts the window: a window never spans missing slots, and gaps are counted.
import { LINKS, PACKETS, SUBCARRIERS, WINDOW_VALUES } from '../../data/window.ts';

export { LINKS, SUBCARRIERS, WINDOW_VALUES };

export interface Slot {
  /** Slot sequence number when the source has one (CSI_PACKET.packetSeq), else null (consecutive). */
  seq: number | null;
  /** [link][subcarrier] amplitudes, 342 values. */
  rows: Float32Array;
}

/** Groups per-link rows (UDP frames) into slots. */
export class SlotAssembler {
  private rows = new Float32Array(LINKS * SUBCARRIERS);
  private have = 0;

  /** Adds link `link`'s row; returns the slots this closed (0, 1 or 2 of them). */
  push(link: number, row: Float32Array): Slot[] {
    const out: Slot[] = [];
    const bit = 1 << link;
    if (this.have & bit) out.push(this.close());
    this.rows.set(row, link * SUBCARRIERS);
    this.have |= bit;
    if (this.have === (1 << LINKS) - 1) out.push(this.close());
    return out;
  }

  /** The open slot, if any (end of a recording). */
  flush(): Slot[] {
    return this.have ? [this.close()] : [];
  }

  private close(): Slot {
    const s = { seq: null, rows: this.rows };
    this.rows = new Float32Array(LINKS * SUBCARRIERS);
    this.have = 0;
    return s;
  }
}

export class WindowAssembler {
  private ring: Float32Array[] = [];
  private lastSeq: number | null = null;
  private sinceWindow = 0;
  gaps = 0;
  slots = 0;

  constructor(readonly hop: number) {
    if (!Number.isInteger(hop) || hop < 1 || hop > PACKETS) throw new RangeError(`hop must be an integer in 1..${PACKETS}, got ${hop}`);
  }

  /** Adds a slot; returns the window it completes, if any. */
  push(slot: Slot): Float32Array | null {
    if (slot.seq !== null && this.lastSeq !== null && slot.seq !== ((this.lastSeq + 1) >>> 0)) {
      this.gaps++;
      this.ring = [];
      this.sinceWindow = 0;
    }
    if (slot.seq !== null) this.lastSeq = slot.seq;
    this.slots++;
    this.ring.push(slot.rows);
    if (this.ring.length > PACKETS) this.ring.shift();
    // As firmware/core/node.c: count slots since the last window; run once 10 exist and `hop` have passed.
    this.sinceWindow++;
    if (this.ring.length < PACKETS || this.sinceWindow < this.hop) return null;
    this.sinceWindow = 0;
    return this.window();
  }

  private window(): Float32Array {
    const w = new Float32Array(WINDOW_VALUES);
    this.ring.forEach((rows, p) => {
      for (let ls = 0; ls < LINKS * SUBCARRIERS; ls++) w[ls * PACKETS + p] = rows[ls];
    });
    return w;
  }
}
