// A skeleton drawn with Unicode braille characters (2x4 dots per character cell), for the live view.
import { COCO_BONES } from '../../data/coco17.ts';

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

/**
 * Keypoints [17,2] (x, y; y down) drawn into cols x rows cells, fitted to the skeleton's bounding box so a
 * person who fills a small part of the camera image is still readable; a span of at least 0.3 image widths
 * keeps a nearly degenerate pose from being blown up. Braille dots are about square, so x and y share a scale.
 */
export function drawSkeleton(kp: ArrayLike<number>, cols = 30, rows = 15): string {
  const c = new BrailleCanvas(cols, rows);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < 17; k++) {
    if (Number.isFinite(kp[2 * k]) && Number.isFinite(kp[2 * k + 1])) {
      xs.push(kp[2 * k]);
      ys.push(kp[2 * k + 1]);
    }
  }
  if (xs.length === 0) return c.toString();
  const MIN_SPAN = 0.3;
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const span = Math.max(MIN_SPAN, Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const s = (Math.min(c.width, c.height) - 1) / span;
  const P = (k: number) => [(c.width - 1) / 2 + (kp[2 * k] - cx) * s, (c.height - 1) / 2 + (kp[2 * k + 1] - cy) * s] as const;
  for (const [a, b] of COCO_BONES) {
    const [x0, y0] = P(a);
    const [x1, y1] = P(b);
    if ([x0, y0, x1, y1].every(Number.isFinite)) c.line(x0, y0, x1, y1);
  }
  return c.toString();
}
