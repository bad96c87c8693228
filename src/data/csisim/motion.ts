// A subject's motion over time: a chain of activity segments (each segmentMinS..segmentMaxS long) whose
// poses cross-fade over cfg.blendS with a smoothstep, so joint trajectories stay continuous; and a root
// (floor position + heading) that integrates the blended walking speed, steers towards random waypoints
// inside the activity area while walking, and otherwise turns smoothly to face a direction near the camera.
import { ACTIVITIES, type ActivityName, type SimConfig } from './config.ts';
import { activityPose, sampleStyle, type SegmentStyle } from './activities.ts';
import type { Rng } from './prng.ts';
import type { Room } from './room.ts';
import { forwardKinematics, P_SPEED, POSE_PARAMS, type Body } from './skeleton.ts';

interface Segment {
  activity: ActivityName;
  start: number;
  end: number;
  style: SegmentStyle;
  /** Heading (rad) the subject turns to when not walking. */
  facing: number;
}

const MAX_TURN_RATE = 1.8; // rad/s, a comfortable walking turn

export class MotionTrack {
  readonly params = new Float64Array(POSE_PARAMS);
  x: number;
  y: number;
  heading: number;
  time = 0;
  private prev: Segment | null = null;
  private cur: Segment;
  private readonly tmp = new Float64Array(POSE_PARAMS);
  private waypointX: number;
  private waypointY: number;
  private readonly weights: number[];

  constructor(
    private readonly rng: Rng,
    private readonly cfg: SimConfig,
    private readonly room: Room,
    readonly body: Body,
  ) {
    this.weights = ACTIVITIES.map((a) => cfg.activityWeights[a]);
    [this.x, this.y] = this.randomPointInArea();
    [this.waypointX, this.waypointY] = this.randomPointInArea();
    this.cur = this.newSegment(0);
    this.heading = this.cur.facing;
  }

  /** Facing the camera means heading along -y (the camera sits at lower y looking along +y). */
  private cameraFacing(): number {
    return -Math.PI / 2;
  }

  private randomPointInArea(): [number, number] {
    const r = this.cfg.positionSpread * Math.sqrt(this.rng.next());
    const a = this.rng.uniform(0, 2 * Math.PI);
    return [this.room.centre[0] + r * Math.cos(a), this.room.centre[1] + r * Math.sin(a)];
  }

  private newSegment(start: number): Segment {
    const activity = ACTIVITIES[this.rng.pick(this.weights)];
    const duration = this.rng.uniform(this.cfg.segmentMinS, this.cfg.segmentMaxS);
    return {
      activity,
      start,
      end: start + duration,
      style: sampleStyle(this.rng),
      facing: this.cameraFacing() + this.rng.uniform(-this.cfg.facingSpread, this.cfg.facingSpread),
    };
  }

  /** Advances by dt seconds and writes the joints (17 x xyz) at the new time into `joints`. */
  step(dt: number, joints: Float64Array): void {
    this.time += dt;
    const t = this.time;
    if (t >= this.cur.end) {
      this.prev = this.cur;
      this.cur = this.newSegment(this.cur.end);
    }
    activityPose(this.cur.activity, t - this.cur.start, this.cur.style, this.params);
    const sinceStart = t - this.cur.start;
    if (this.prev && sinceStart < this.cfg.blendS) {
      const u = sinceStart / this.cfg.blendS;
      const w = u * u * (3 - 2 * u);
      activityPose(this.prev.activity, t - this.prev.start, this.prev.style, this.tmp);
      for (let i = 0; i < POSE_PARAMS; i++) this.params[i] = this.tmp[i] + w * (this.params[i] - this.tmp[i]);
    }
    this.moveRoot(dt);
    forwardKinematics(this.body, this.params, this.x, this.y, this.heading, joints);
  }

  private moveRoot(dt: number): void {
    const speed = this.params[P_SPEED];
    let target = this.cur.facing;
    if (speed > 0.05) {
      const dx = this.waypointX - this.x;
      const dy = this.waypointY - this.y;
      if (dx * dx + dy * dy < 0.15 * 0.15) [this.waypointX, this.waypointY] = this.randomPointInArea();
      target = Math.atan2(this.waypointY - this.y, this.waypointX - this.x);
    }
    let dh = target - this.heading;
    dh = Math.atan2(Math.sin(dh), Math.cos(dh));
    const maxTurn = MAX_TURN_RATE * dt;
    this.heading += dh > maxTurn ? maxTurn : dh < -maxTurn ? -maxTurn : dh;
    // Walking slows down while turning sharply, as people do.
    const v = speed * Math.max(0.2, Math.cos(Math.min(Math.abs(dh), Math.PI / 2)));
    this.x += v * Math.cos(this.heading) * dt;
    this.y += v * Math.sin(this.heading) * dt;
    // Keep the subject inside the area (a soft wall at 1.3 x the spread radius) and inside the room.
    const cx = this.room.centre[0];
    const cy = this.room.centre[1];
    const rx = this.x - cx;
    const ry = this.y - cy;
    const r = Math.hypot(rx, ry);
    const rmax = this.cfg.positionSpread * 1.3 + 0.05;
    if (r > rmax) {
      this.x = cx + (rx / r) * rmax;
      this.y = cy + (ry / r) * rmax;
    }
  }
}
