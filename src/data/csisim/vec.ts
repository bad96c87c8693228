// Tiny 3-vector helpers over flat Float64Arrays (x, y, z at offset i), so the per-packet code allocates nothing.

export type Vec3 = [number, number, number];

export function dist(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const dx = ax - bx;
  const dy = ay - by;
  const dz = az - bz;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/** Distance in the floor plane from point (px, py) to the segment (ax, ay)-(bx, by). */
export function pointSegmentDistance2d(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const ex = bx - ax;
  const ey = by - ay;
  const len2 = ex * ex + ey * ey;
  let t = len2 > 0 ? ((px - ax) * ex + (py - ay) * ey) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const dx = ax + t * ex - px;
  const dy = ay + t * ey - py;
  return Math.sqrt(dx * dx + dy * dy);
}
