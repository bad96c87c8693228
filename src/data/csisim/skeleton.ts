// The subject: a COCO-17 3D skeleton driven by a small set of joint angles (PoseParams), with body
// proportions from anthropometric ratios of standing height. Forward kinematics places the legs first
// and then lifts the pelvis until the lower ankle rests on the floor, so squats, kicks and sitting need
// no separate height model.
import type { Rng } from './prng.ts';

export const JOINTS = 17;
/** COCO-17 keypoint order. */
export const COCO_NAMES = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow',
  'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
  'right_ankle',
] as const;

export interface Body {
  height: number;
  shoulderHalf: number;
  hipHalf: number;
  trunk: number;
  neck: number;
  headRadius: number;
  upperArm: number;
  forearm: number;
  thigh: number;
  shank: number;
  ankleHeight: number;
  /** Multiplies the radar cross-section of every body segment (build, clothing). */
  rcsScale: number;
}

/** Draws a body; variety 0 gives the 1.72 m reference adult, 1 spans heights 1.50-1.95 m and builds 0.85-1.2. */
export function sampleBody(rng: Rng, variety: number): Body {
  const height = 1.72 + variety * rng.uniform(-0.22, 0.23);
  const build = 1 + variety * rng.uniform(-0.15, 0.2);
  const jitter = (): number => 1 + variety * rng.uniform(-0.04, 0.04);
  const h = height;
  return {
    height: h,
    shoulderHalf: 0.105 * h * build * jitter(),
    hipHalf: 0.055 * h * build * jitter(),
    trunk: 0.29 * h * jitter(),
    neck: 0.075 * h * jitter(),
    headRadius: 0.055 * h,
    upperArm: 0.17 * h * jitter(),
    forearm: 0.155 * h * jitter(),
    thigh: 0.245 * h * jitter(),
    shank: 0.245 * h * jitter(),
    ankleHeight: 0.04 * h,
    rcsScale: build * build * (1 + variety * rng.uniform(-0.2, 0.2)),
  };
}

// PoseParams: a Float64Array indexed by these constants (angles in radians). Being a flat vector lets
// activity transitions blend two poses linearly.
export const P_LEAN = 0; // trunk pitch forward
export const P_TWIST = 1; // upper-body yaw relative to the pelvis
export const P_HIP_FLEX = 2; // +0 left, +1 right: thigh swung forward
export const P_KNEE_FLEX = 4; // +0 left, +1 right
export const P_LEG_ABD = 6; // +0 left, +1 right: leg swung outward
export const P_ARM_ELEV = 8; // +0 left, +1 right: upper arm raised from hanging (0) to straight up (pi)
export const P_ARM_AZIM = 10; // +0 left, +1 right: direction of the raise, 0 forward, pi/2 sideways
export const P_ELBOW = 12; // +0 left, +1 right: elbow flexion
export const P_SPEED = 14; // walking speed along the heading (m/s), read by the motion model
export const P_BOUNCE = 15; // extra pelvis height (jumps), m
export const P_HEAD_PITCH = 16; // head nod forward
export const POSE_PARAMS = 17;

/** Scratch space so forwardKinematics allocates nothing per call. */
const legTmp = new Float64Array(12);

/**
 * Writes the 17 joints (x, y, z at out[3j..]) of `body` in pose `p`, standing at floor point (rootX, rootY)
 * and facing `heading` (radians from the room's +x axis).
 */
export function forwardKinematics(body: Body, p: Float64Array, rootX: number, rootY: number, heading: number, out: Float64Array): void {
  const fx = Math.cos(heading);
  const fy = Math.sin(heading);
  // Left of the subject = forward rotated +90 degrees about z.
  const lx = -fy;
  const ly = fx;

  // Legs relative to the pelvis centre, in legTmp: [hipL xyz, ankle...] computed per side.
  let minAnkleZ = Infinity;
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? 1 : -1;
    const a = p[P_HIP_FLEX + s];
    const b = a - p[P_KNEE_FLEX + s];
    const ab = p[P_LEG_ABD + s];
    const ca = Math.cos(ab);
    const sa = Math.sin(ab) * side;
    const hx = lx * side * body.hipHalf;
    const hy = ly * side * body.hipHalf;
    // Thigh and shank directions: pitch in the sagittal plane, then abduction outward.
    const tz = -Math.cos(a) * ca;
    const tf = Math.sin(a);
    const tl = Math.cos(a) * sa;
    const kx = hx + body.thigh * (tf * fx + tl * lx);
    const ky = hy + body.thigh * (tf * fy + tl * ly);
    const kz = body.thigh * tz;
    const sz = -Math.cos(b) * ca;
    const sf = Math.sin(b);
    const sl = Math.cos(b) * sa;
    const axx = kx + body.shank * (sf * fx + sl * lx);
    const ayy = ky + body.shank * (sf * fy + sl * ly);
    const azz = kz + body.shank * sz;
    const o = s * 6;
    legTmp[o] = kx;
    legTmp[o + 1] = ky;
    legTmp[o + 2] = kz;
    legTmp[o + 3] = axx;
    legTmp[o + 4] = ayy;
    legTmp[o + 5] = azz;
    if (azz < minAnkleZ) minAnkleZ = azz;
  }
  const px = rootX;
  const py = rootY;
  const pz = body.ankleHeight - minAnkleZ + p[P_BOUNCE];
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? 1 : -1;
    const o = s * 6;
    setJoint(out, 11 + s, px + lx * side * body.hipHalf, py + ly * side * body.hipHalf, pz);
    setJoint(out, 13 + s, px + legTmp[o], py + legTmp[o + 1], pz + legTmp[o + 2]);
    setJoint(out, 15 + s, px + legTmp[o + 3], py + legTmp[o + 4], pz + legTmp[o + 5]);
  }

  // Upper body: forward and left rotated by the twist, trunk pitched forward by the lean.
  const tw = p[P_TWIST];
  const ffx = fx * Math.cos(tw) + lx * Math.sin(tw);
  const ffy = fy * Math.cos(tw) + ly * Math.sin(tw);
  const llx = -ffy;
  const lly = ffx;
  const lean = p[P_LEAN];
  const tux = ffx * Math.sin(lean);
  const tuy = ffy * Math.sin(lean);
  const tuz = Math.cos(lean);
  // Forward axis of the pitched trunk (perpendicular to the trunk axis).
  const fwx = ffx * Math.cos(lean);
  const fwy = ffy * Math.cos(lean);
  const fwz = -Math.sin(lean);
  const nx = px + tux * body.trunk;
  const ny = py + tuy * body.trunk;
  const nz = pz + tuz * body.trunk;
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? 1 : -1;
    const sx = nx + llx * side * body.shoulderHalf;
    const sy = ny + lly * side * body.shoulderHalf;
    const sz = nz;
    setJoint(out, 5 + s, sx, sy, sz);
    const el = p[P_ARM_ELEV + s];
    const az = p[P_ARM_AZIM + s];
    // Upper arm: from hanging along -trunk, raised by el towards the azimuth direction in the trunk frame.
    const se = Math.sin(el);
    const ce = Math.cos(el);
    const hxv = Math.cos(az) * fwx + Math.sin(az) * side * llx;
    const hyv = Math.cos(az) * fwy + Math.sin(az) * side * lly;
    const hzv = Math.cos(az) * fwz;
    const ux = -tux * ce + se * hxv;
    const uy = -tuy * ce + se * hyv;
    const uz = -tuz * ce + se * hzv;
    const ex = sx + body.upperArm * ux;
    const ey = sy + body.upperArm * uy;
    const ez = sz + body.upperArm * uz;
    setJoint(out, 7 + s, ex, ey, ez);
    // The elbow bends in the plane the arm was raised in, towards where raising it further would go
    // (d(upper arm)/d(elevation)): forward for a hanging arm, up for a raised one. This direction is a unit
    // vector perpendicular to the upper arm and continuous in the angles, so the forearm never flips.
    const wx = tux * se + hxv * ce;
    const wy = tuy * se + hyv * ce;
    const wz = tuz * se + hzv * ce;
    const eb = p[P_ELBOW + s];
    const cb = Math.cos(eb);
    const sb = Math.sin(eb);
    setJoint(out, 9 + s, ex + body.forearm * (ux * cb + wx * sb), ey + body.forearm * (uy * cb + wy * sb), ez + body.forearm * (uz * cb + wz * sb));
  }

  // Head: centre above the neck along the trunk, nodded forward by the head pitch.
  const hp = p[P_HEAD_PITCH];
  const hux = tux * Math.cos(hp) + fwx * Math.sin(hp);
  const huy = tuy * Math.cos(hp) + fwy * Math.sin(hp);
  const huz = tuz * Math.cos(hp) + fwz * Math.sin(hp);
  const hfx = fwx * Math.cos(hp) - tux * Math.sin(hp);
  const hfy = fwy * Math.cos(hp) - tuy * Math.sin(hp);
  const hfz = fwz * Math.cos(hp) - tuz * Math.sin(hp);
  const r = body.headRadius;
  const cx = nx + hux * (body.neck + r);
  const cy = ny + huy * (body.neck + r);
  const cz = nz + huz * (body.neck + r);
  setJoint(out, 0, cx + hfx * r - hux * 0.15 * r, cy + hfy * r - huy * 0.15 * r, cz + hfz * r - huz * 0.15 * r);
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? 1 : -1;
    setJoint(
      out,
      1 + s,
      cx + hfx * 0.85 * r + hux * 0.25 * r + llx * side * 0.32 * r,
      cy + hfy * 0.85 * r + huy * 0.25 * r + lly * side * 0.32 * r,
      cz + hfz * 0.85 * r + huz * 0.25 * r,
    );
    setJoint(out, 3 + s, cx - hfx * 0.1 * r + llx * side * 0.9 * r, cy - hfy * 0.1 * r + lly * side * 0.9 * r, cz - hfz * 0.1 * r);
  }
}

function setJoint(out: Float64Array, j: number, x: number, y: number, z: number): void {
  out[3 * j] = x;
  out[3 * j + 1] = y;
  out[3 * j + 2] = z;
}
