// The virtual camera that labels the data: a pinhole with a 4:3 image looking at the activity area.
// Keypoints are returned in normalized image coordinates: x = column / width, y = row / height, so the
// image spans [0, 1] x [0, 1] and a subject near the centre of the area lands near (0.5, 0.5).
import type { Vec3 } from './vec.ts';

export interface Camera {
  position: Vec3;
  /** Unit vectors of the camera frame in room coordinates: right, down (image rows), forward (optical axis). */
  right: Vec3;
  down: Vec3;
  forward: Vec3;
  /** 1 / (2 tan(fov/2)) per axis: maps X/Z to a fraction of the image width (height). */
  scaleX: number;
  scaleY: number;
}

export function makeCamera(position: Vec3, target: Vec3, horizontalFovRad: number, aspect = 4 / 3): Camera {
  const f = normalize([target[0] - position[0], target[1] - position[1], target[2] - position[2]]);
  // right = forward x up(0,0,1); the camera never looks straight up or down here.
  const r = normalize([f[1], -f[0], 0]);
  const d: Vec3 = [f[1] * r[2] - f[2] * r[1], f[2] * r[0] - f[0] * r[2], f[0] * r[1] - f[1] * r[0]];
  const tanH = Math.tan(horizontalFovRad / 2);
  const tanV = tanH / aspect;
  return { position, right: r, down: d, forward: f, scaleX: 1 / (2 * tanH), scaleY: 1 / (2 * tanV) };
}

/** Projects n joints (xyz at joints[3i..]) to out[outOffset + 2i] = x, out[... + 2i + 1] = y. */
export function projectJoints(cam: Camera, joints: Float64Array, n: number, out: Float32Array, outOffset: number): void {
  const [px, py, pz] = cam.position;
  for (let i = 0; i < n; i++) {
    const x = joints[3 * i] - px;
    const y = joints[3 * i + 1] - py;
    const z = joints[3 * i + 2] - pz;
    const zc = x * cam.forward[0] + y * cam.forward[1] + z * cam.forward[2];
    const xc = x * cam.right[0] + y * cam.right[1] + z * cam.right[2];
    const yc = x * cam.down[0] + y * cam.down[1] + z * cam.down[2];
    out[outOffset + 2 * i] = 0.5 + (xc / zc) * cam.scaleX;
    out[outOffset + 2 * i + 1] = 0.5 + (yc / zc) * cam.scaleY;
  }
}

function normalize(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}
