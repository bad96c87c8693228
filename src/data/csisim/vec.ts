// Tiny 3-vector helpers over flat Float64Arrays (x, y, z at offset i), so the per-packet code allocates nothing.

export type Vec3 = [number, number, number];

export function dist(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const dx = ax - bx;
  const dy = ay - by;
  const dz = az - bz;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Shortest distance between the 3D segments p0-p1 and q0-q1 (closest points by clamped parameters,
 * after Eberly / Ericson "Real-Time Collision Detection" 5.1.9), given as 12 scalars in a flat array:
 * s[0..2] = p0, s[3..5] = p1, s[6..8] = q0, s[9..11] = q1. If s has 14 entries, the parameters of the closest
 * points are left in s[12] (along p, 0..1) and s[13] (along q, 0..1).
 */
export function segmentSegmentDistance(s: Float64Array): number {
  const d1x = s[3] - s[0], d1y = s[4] - s[1], d1z = s[5] - s[2];
  const d2x = s[9] - s[6], d2y = s[10] - s[7], d2z = s[11] - s[8];
  const rx = s[0] - s[6], ry = s[1] - s[7], rz = s[2] - s[8];
  const a = d1x * d1x + d1y * d1y + d1z * d1z;
  const e = d2x * d2x + d2y * d2y + d2z * d2z;
  const f = d2x * rx + d2y * ry + d2z * rz;
  const eps = 1e-12;
  let t: number;
  let u: number;
  if (a <= eps && e <= eps) {
    t = 0;
    u = 0;
  } else if (a <= eps) {
    t = 0;
    u = clamp01(f / e);
  } else {
    const c = d1x * rx + d1y * ry + d1z * rz;
    if (e <= eps) {
      u = 0;
      t = clamp01(-c / a);
    } else {
      const b = d1x * d2x + d1y * d2y + d1z * d2z;
      const denom = a * e - b * b;
      t = denom > eps ? clamp01((b * f - c * e) / denom) : 0;
      u = (b * t + f) / e;
      if (u < 0) {
        u = 0;
        t = clamp01(-c / a);
      } else if (u > 1) {
        u = 1;
        t = clamp01((b - c) / a);
      }
    }
  }
  if (s.length >= 14) {
    s[12] = t;
    s[13] = u;
  }
  const dx = s[0] + d1x * t - (s[6] + d2x * u);
  const dy = s[1] + d1y * t - (s[7] + d2y * u);
  const dz = s[2] + d1z * t - (s[8] + d2z * u);
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
