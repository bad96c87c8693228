// A skeleton drawn with Unicode braille characters (2x4 dots per character cell), for the live view.
import { COCO_BONES } from '../parity/report-html.ts';

// Dot bit of braille cell position (x 0..1, y 0..3), Unicode U+2800 block.
const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

export class BrailleCanvas {
  private readonly cells: Uint8Array;
  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    this.cells = new Uint8Array(cols * rows);
  }
  get width(): number {
    return this.cols * 2;
  }
  get height(): number {
    return this.rows * 4;
  }
  set(x: number, y: number): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.cells[(y >> 2) * this.cols + (x >> 1)] |= DOT[x & 1][y & 3];
  }
  line(x0: number, y0: number, x1: number, y1: number): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= steps; i++) this.set(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps);
  }
  toString(): string {
    const lines: string[] = [];
    for (let r = 0; r < this.rows; r++) {
      let s = '';
      for (let c = 0; c < this.cols; c++) s += String.fromCharCode(0x2800 + this.cells[r * this.cols + c]);
      lines.push(s);
    }
    return lines.join('\n');
  }
}

/** Keypoints [17,2] in normalized image coordinates (0..1, y down) drawn into cols x rows cells. */
export function drawSkeleton(kp: ArrayLike<number>, cols = 30, rows = 15): string {
  const c = new BrailleCanvas(cols, rows);
  // Square pixels: braille dots are about twice as tall as wide in a terminal cell, so scale by the smaller side.
  const s = Math.min(c.width, c.height) - 1;
  const ox = (c.width - 1 - s) / 2;
  const P = (k: number) => [ox + kp[2 * k] * s, kp[2 * k + 1] * s] as const;
  for (const [a, b] of COCO_BONES) {
    const [x0, y0] = P(a);
    const [x1, y1] = P(b);
    if ([x0, y0, x1, y1].every(Number.isFinite)) c.line(x0, y0, x1, y1);
  }
  return c.toString();
}
