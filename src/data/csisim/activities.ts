// The activity library: each activity is a smooth, periodic (or held) function from time to PoseParams,
// shaped by a few per-segment draws (tempo, amplitude, which side, phase), so no two segments of the
// same activity move identically. The set follows MM-Fi's daily and rehabilitation actions.
import type { ActivityName } from './config.ts';
import type { Rng } from './prng.ts';
import {
  P_ARM_AZIM,
  P_ARM_ELEV,
  P_BOUNCE,
  P_ELBOW,
  P_HEAD_PITCH,
  P_HIP_FLEX,
  P_KNEE_FLEX,
  P_LEAN,
  P_LEG_ABD,
  P_SPEED,
  P_TWIST,
} from './skeleton.ts';

/** Per-segment draws that individualize an activity. */
export interface SegmentStyle {
  tempo: number; // multiplies the activity's base frequency
  amp: number; // multiplies its range of motion
  side: number; // 0 = left, 1 = right (for one-sided actions)
  phase: number; // start phase, radians
  speed: number; // walking speed (m/s)
  variant: number; // uniform [0, 1): activity-specific choice (e.g. front or side raise)
}

export function sampleStyle(rng: Rng): SegmentStyle {
  return {
    tempo: rng.uniform(0.8, 1.25),
    amp: rng.uniform(0.75, 1.15),
    side: rng.int(2),
    phase: rng.uniform(0, 2 * Math.PI),
    speed: rng.uniform(0.5, 1.1),
    variant: rng.next(),
  };
}

const TWO_PI = 2 * Math.PI;

/** Relaxed standing: arms hang slightly away from the body, knees almost straight. */
export function neutralPose(out: Float64Array): void {
  out.fill(0);
  out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 0.08;
  out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 0.6;
  out[P_ELBOW] = out[P_ELBOW + 1] = 0.2;
  out[P_KNEE_FLEX] = out[P_KNEE_FLEX + 1] = 0.05;
  out[P_HIP_FLEX] = out[P_HIP_FLEX + 1] = 0.02;
}

/** Writes the pose of `activity` at time t (s since the segment began) with the given style. */
export function activityPose(activity: ActivityName, t: number, st: SegmentStyle, out: Float64Array): void {
  neutralPose(out);
  const s = st.side;
  // Breathing/sway present in every activity keeps "still" scenes from being perfectly static.
  out[P_LEAN] = 0.02 * Math.sin(TWO_PI * 0.25 * t + st.phase);
  switch (activity) {
    case 'stand': {
      out[P_HEAD_PITCH] = 0.1 * Math.sin(TWO_PI * 0.1 * t + st.phase);
      out[P_ARM_ELEV + s] = 0.08 + 0.05 * Math.sin(TWO_PI * 0.3 * t);
      break;
    }
    case 'walk': {
      const ph = TWO_PI * 0.9 * st.tempo * t + st.phase;
      const sw = 0.4 * st.amp;
      out[P_HIP_FLEX] = sw * Math.sin(ph);
      out[P_HIP_FLEX + 1] = -sw * Math.sin(ph);
      out[P_KNEE_FLEX] = 0.1 + 0.6 * st.amp * Math.max(0, Math.sin(ph + 1.2));
      out[P_KNEE_FLEX + 1] = 0.1 + 0.6 * st.amp * Math.max(0, Math.sin(ph + 1.2 + Math.PI));
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 0;
      out[P_ARM_ELEV] = -0.35 * st.amp * Math.sin(ph);
      out[P_ARM_ELEV + 1] = 0.35 * st.amp * Math.sin(ph);
      out[P_ELBOW] = out[P_ELBOW + 1] = 0.35;
      out[P_SPEED] = st.speed;
      out[P_BOUNCE] = 0.01 * (1 + Math.cos(2 * ph));
      break;
    }
    case 'wave': {
      out[P_ARM_ELEV + s] = 2.1 + 0.1 * Math.sin(TWO_PI * 0.3 * t);
      out[P_ARM_AZIM + s] = 1.2 + 0.3 * st.variant;
      out[P_ELBOW + s] = 0.7 + 0.5 * st.amp * Math.sin(TWO_PI * 1.8 * st.tempo * t + st.phase);
      break;
    }
    case 'raiseArms': {
      // Both arms up and down, in front (variant < 0.5) or to the sides.
      const lift = 0.5 - 0.5 * Math.cos(TWO_PI * 0.35 * st.tempo * t + st.phase);
      const az = st.variant < 0.5 ? 0.1 : 1.45;
      out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 0.08 + 2.8 * st.amp * lift;
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = az;
      out[P_ELBOW] = out[P_ELBOW + 1] = 0.1;
      break;
    }
    case 'squat': {
      const d = Math.min(1, st.amp) * (0.5 - 0.5 * Math.cos(TWO_PI * 0.3 * st.tempo * t + st.phase));
      out[P_HIP_FLEX] = out[P_HIP_FLEX + 1] = 1.5 * d;
      out[P_KNEE_FLEX] = out[P_KNEE_FLEX + 1] = 0.05 + 2.0 * d;
      out[P_LEAN] += 0.55 * d;
      out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 0.08 + 1.4 * d;
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 0.1;
      break;
    }
    case 'sit': {
      // Seated (hips and knees at right angles), leaning and gesturing a little.
      out[P_HIP_FLEX] = out[P_HIP_FLEX + 1] = 1.5;
      out[P_KNEE_FLEX] = out[P_KNEE_FLEX + 1] = 1.5 + 0.15 * st.variant;
      out[P_LEAN] += 0.15 + 0.1 * Math.sin(TWO_PI * 0.15 * t + st.phase);
      out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 0.45;
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 0.2;
      out[P_ELBOW] = out[P_ELBOW + 1] = 1.1;
      out[P_ELBOW + s] = 1.1 + 0.5 * Math.sin(TWO_PI * 0.4 * st.tempo * t);
      break;
    }
    case 'bow': {
      const d = 0.5 - 0.5 * Math.cos(TWO_PI * 0.3 * st.tempo * t + st.phase);
      out[P_LEAN] += 1.1 * st.amp * d;
      out[P_HIP_FLEX] = out[P_HIP_FLEX + 1] = 0.15 * d;
      out[P_HEAD_PITCH] = 0.3 * d;
      break;
    }
    case 'boxing': {
      // Alternating punches from a guard: the punching arm extends forward, the other stays up.
      const ph = TWO_PI * 0.8 * st.tempo * t + st.phase;
      for (let a = 0; a < 2; a++) {
        const punch = Math.max(0, Math.sin(ph + a * Math.PI)) ** 2;
        out[P_ARM_ELEV + a] = 0.6 + 0.9 * punch * st.amp;
        out[P_ARM_AZIM + a] = 0.35 - 0.3 * punch;
        out[P_ELBOW + a] = 2.0 - 1.8 * punch * st.amp;
      }
      out[P_TWIST] = 0.25 * Math.sin(ph);
      out[P_KNEE_FLEX] = out[P_KNEE_FLEX + 1] = 0.25;
      out[P_HIP_FLEX] = out[P_HIP_FLEX + 1] = 0.15;
      break;
    }
    case 'kick': {
      const k = Math.max(0, Math.sin(TWO_PI * 0.45 * st.tempo * t + st.phase)) ** 2;
      out[P_HIP_FLEX + s] = 1.3 * st.amp * k;
      // The knee is bent while the leg rises and snaps straight at the top of the kick.
      out[P_KNEE_FLEX + s] = 0.05 + 4 * k * (1 - k);
      out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 0.4;
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 1.4;
      out[P_LEAN] -= 0.15 * k;
      break;
    }
    case 'markTime': {
      const ph = TWO_PI * 0.9 * st.tempo * t + st.phase;
      for (let a = 0; a < 2; a++) {
        const up = Math.max(0, Math.sin(ph + a * Math.PI));
        out[P_HIP_FLEX + a] = 0.9 * st.amp * up;
        out[P_KNEE_FLEX + a] = 0.05 + 1.4 * st.amp * up;
        out[P_ARM_AZIM + a] = 0;
        out[P_ARM_ELEV + a] = 0.5 * st.amp * Math.sin(ph + (1 - a) * Math.PI);
        out[P_ELBOW + a] = 1.2;
      }
      break;
    }
    case 'jumpingJacks': {
      const ph = TWO_PI * 0.7 * st.tempo * t + st.phase;
      const open = 0.5 - 0.5 * Math.cos(ph);
      out[P_LEG_ABD] = out[P_LEG_ABD + 1] = 0.3 * st.amp * open;
      out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 0.1 + 2.7 * open;
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 1.5;
      out[P_BOUNCE] = 0.12 * st.amp * Math.abs(Math.sin(ph));
      break;
    }
    case 'twist': {
      out[P_TWIST] = 0.8 * st.amp * Math.sin(TWO_PI * 0.4 * st.tempo * t + st.phase);
      out[P_ARM_ELEV] = out[P_ARM_ELEV + 1] = 1.45;
      out[P_ARM_AZIM] = out[P_ARM_AZIM + 1] = 1.5;
      out[P_ELBOW] = out[P_ELBOW + 1] = 0.3 + 0.6 * st.variant;
      break;
    }
  }
}
