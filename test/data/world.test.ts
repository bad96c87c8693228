// The simulated world: skeleton kinematics, the camera, motion smoothness, and the body in the channel
// (a still scene is constant up to noise, the noise has the configured SNR, a body on the LOS shadows it).
import { describe, expect, it } from 'vitest';
import { LINKS, SUBCARRIERS, makeBand } from '../../src/data/csisim/band.ts';
import { makeCamera, projectJoints } from '../../src/data/csisim/camera.ts';
import { addNoise, reportAmplitude } from '../../src/data/csisim/channel.ts';
import { ACTIVITIES, makeConfig } from '../../src/data/csisim/config.ts';
import { activityPose, neutralPose, sampleStyle } from '../../src/data/csisim/activities.ts';
import { MotionTrack } from '../../src/data/csisim/motion.ts';
import { Rng } from '../../src/data/csisim/prng.ts';
import { makeRoom } from '../../src/data/csisim/room.ts';
import { PacketSynth } from '../../src/data/csisim/scene.ts';
import { segmentSegmentDistance } from '../../src/data/csisim/vec.ts';
import { JOINTS, P_BOUNCE, POSE_PARAMS, forwardKinematics, sampleBody, type Body } from '../../src/data/csisim/skeleton.ts';

const cfg = makeConfig();
const band = makeBand(cfg.centreHz, cfg.subcarrierSpacingHz);

function joint(j: Float64Array, i: number): [number, number, number] {
  return [j[3 * i], j[3 * i + 1], j[3 * i + 2]];
}
function len(j: Float64Array, a: number, b: number): number {
  const p = joint(j, a);
  const q = joint(j, b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

describe('skeleton', () => {
  const body: Body = sampleBody(new Rng(1), 1);

  it('keeps every bone at its body length in every activity, with the lower ankle on the floor', () => {
    const rng = new Rng(2);
    const params = new Float64Array(POSE_PARAMS);
    const j = new Float64Array(JOINTS * 3);
    for (const act of ACTIVITIES) {
      const style = sampleStyle(rng);
      for (let t = 0; t < 5; t += 0.37) {
        activityPose(act, t, style, params);
        forwardKinematics(body, params, 2, 3, rng.uniform(-3, 3), j);
        expect(len(j, 5, 7)).toBeCloseTo(body.upperArm, 9);
        expect(len(j, 8, 10)).toBeCloseTo(body.forearm, 9);
        expect(len(j, 11, 13)).toBeCloseTo(body.thigh, 9);
        expect(len(j, 14, 16)).toBeCloseTo(body.shank, 9);
        expect(len(j, 5, 6)).toBeCloseTo(2 * body.shoulderHalf, 9);
        const minAnkle = Math.min(j[15 * 3 + 2], j[16 * 3 + 2]);
        expect(minAnkle).toBeCloseTo(body.ankleHeight + params[P_BOUNCE], 9);
        expect(params[P_BOUNCE]).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('stands upright at about its height, facing its heading, left side on its left', () => {
    const params = new Float64Array(POSE_PARAMS);
    neutralPose(params);
    const j = new Float64Array(JOINTS * 3);
    forwardKinematics(body, params, 1, 1, Math.PI / 2, j); // facing +y: the subject's left is -x
    const topOfHead = j[2] + body.headRadius;
    expect(topOfHead / body.height).toBeGreaterThan(0.93);
    expect(topOfHead / body.height).toBeLessThan(1.03);
    expect(j[5 * 3]).toBeLessThan(j[6 * 3]); // left shoulder at smaller x than the right one
    expect(j[11 * 3]).toBeLessThan(j[12 * 3]);
    expect(j[0 * 3 + 1]).toBeGreaterThan(1); // the nose is in front (+y) of the body axis
  });
});

describe('segmentSegmentDistance', () => {
  it('matches a brute-force search over both segments, including parallel and degenerate ones', () => {
    const rng = new Rng(21);
    const s = new Float64Array(12);
    for (let trial = 0; trial < 200; trial++) {
      for (let i = 0; i < 12; i++) s[i] = rng.uniform(-1, 1);
      if (trial % 10 === 0) for (let i = 0; i < 3; i++) s[9 + i] = s[6 + i] + 0.5 * (s[3 + i] - s[i]); // parallel
      if (trial % 10 === 1) for (let i = 0; i < 3; i++) s[3 + i] = s[i]; // a point
      let best = Infinity;
      const N = 200;
      for (let a = 0; a <= N; a++) {
        for (let b = 0; b <= N; b++) {
          const t = a / N;
          const u = b / N;
          const dx = s[0] + t * (s[3] - s[0]) - s[6] - u * (s[9] - s[6]);
          const dy = s[1] + t * (s[4] - s[1]) - s[7] - u * (s[10] - s[7]);
          const dz = s[2] + t * (s[5] - s[2]) - s[8] - u * (s[11] - s[8]);
          best = Math.min(best, Math.hypot(dx, dy, dz));
        }
      }
      const d = segmentSegmentDistance(s);
      expect(d).toBeLessThanOrEqual(best + 1e-12);
      expect(best - d).toBeLessThan(0.02); // grid step 1/200 of segments up to 3.5 m long
    }
  });
});

describe('camera', () => {
  const cam = makeCamera([0, 0, 1.2], [0, 3, 1.2], Math.PI / 3);

  it('maps the optical axis to the image centre, right to larger x and up to smaller y', () => {
    const pts = Float64Array.from([0, 3, 1.2, 0.5, 3, 1.2, 0, 3, 1.7]);
    const out = new Float32Array(6);
    projectJoints(cam, pts, 3, out, 0);
    expect(out[0]).toBeCloseTo(0.5, 6);
    expect(out[1]).toBeCloseTo(0.5, 6);
    // 0.5 m right at 3 m with a 60 degree horizontal field of view: 0.5 + (0.5/3) / (2 tan 30).
    expect(out[2]).toBeCloseTo(0.5 + 0.5 / 3 / (2 * Math.tan(Math.PI / 6)), 6);
    expect(out[5]).toBeLessThan(0.5);
    // Points on the edge of the field of view land on the image border.
    const edge = Float64Array.from([3 * Math.tan(Math.PI / 6), 3, 1.2]);
    projectJoints(cam, edge, 1, out, 0);
    expect(out[0]).toBeCloseTo(1, 6);
  });
});

describe('motion', () => {
  it('moves joints continuously: no joint jumps faster than 12 m/s between packets, across activity changes', () => {
    const c = makeConfig({ segmentMinS: 1, segmentMaxS: 2 });
    const room = makeRoom(c, band, 0);
    const rng = new Rng(9);
    const track = new MotionTrack(rng, c, room, sampleBody(rng, 1));
    const prev = new Float64Array(JOINTS * 3);
    const cur = new Float64Array(JOINTS * 3);
    track.step(0.01, prev);
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      track.step(0.01, cur);
      for (let k = 0; k < JOINTS; k++) worst = Math.max(worst, Math.hypot(cur[3 * k] - prev[3 * k], cur[3 * k + 1] - prev[3 * k + 1], cur[3 * k + 2] - prev[3 * k + 2]) / 0.01);
      prev.set(cur);
    }
    expect(worst).toBeLessThan(12);
    expect(worst).toBeGreaterThan(0.5); // and it does move
  });

  it('stays inside the activity area around the room centre', () => {
    const c = makeConfig({ positionSpread: 0.4, activityWeights: { ...cfg.activityWeights, walk: 100 } });
    const room = makeRoom(c, band, 1);
    const rng = new Rng(4);
    const track = new MotionTrack(rng, c, room, sampleBody(rng, 1));
    const j = new Float64Array(JOINTS * 3);
    for (let i = 0; i < 2000; i++) {
      track.step(0.01, j);
      expect(Math.hypot(track.x - room.centre[0], track.y - room.centre[1])).toBeLessThanOrEqual(0.4 * 1.3 + 0.05 + 1e-9);
    }
  });
});

describe('body in the channel', () => {
  const room = makeRoom(cfg, band, 0);
  const body = sampleBody(new Rng(3), 0);
  const params = new Float64Array(POSE_PARAMS);
  neutralPose(params);
  const joints = new Float64Array(JOINTS * 3);
  forwardKinematics(body, params, room.centre[0], room.centre[1] + 0.6, -Math.PI / 2, joints);

  function amplitudes(synth: PacketSynth, noise: number, rng: Rng, quantize: boolean): Float32Array {
    const out = new Float32Array(SUBCARRIERS);
    synth.channel(room, 0);
    addNoise(rng, noise, synth.re, synth.im);
    reportAmplitude(synth.re, synth.im, 20, 0, quantize, out, 0, 1);
    return out;
  }

  it('a still scene without noise reports identical amplitudes in every packet', () => {
    const synth = new PacketSynth(cfg, band);
    synth.placeBody(joints, body.rcsScale);
    const rng = new Rng(1);
    const a = amplitudes(synth, 0, rng, true);
    const b = amplitudes(synth, 0, rng, true);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('with noise, packets of a still scene differ by exactly the configured SNR', () => {
    const synth = new PacketSynth(cfg, band);
    synth.placeBody(joints, body.rcsScale);
    synth.channel(room, 0);
    const clean = { re: Float64Array.from(synth.re), im: Float64Array.from(synth.im) };
    const rng = new Rng(2);
    const snrDb = 20;
    const noise = room.staticPower[0] / Math.pow(10, snrDb / 10);
    let err = 0;
    let n = 0;
    for (let p = 0; p < 400; p++) {
      synth.channel(room, 0);
      addNoise(rng, noise, synth.re, synth.im);
      for (let k = 0; k < SUBCARRIERS; k++) err += (synth.re[k] - clean.re[k]) ** 2 + (synth.im[k] - clean.im[k]) ** 2;
      n += SUBCARRIERS;
    }
    // 45600 complex samples: the measured noise power is within 2 % of the target (std 0.5 %).
    expect(err / n / noise).toBeGreaterThan(0.98);
    expect(err / n / noise).toBeLessThan(1.02);
  });

  it('the body adds a visible, distance-dependent echo: stronger close to the link, none with zero RCS', () => {
    const withBody = new PacketSynth(cfg, band);
    withBody.placeBody(joints, body.rcsScale);
    withBody.channel(room, 0, true);
    const empty = new PacketSynth(cfg, band);
    empty.channel(room, 0, false);
    let diff = 0;
    let p = 0;
    for (let k = 0; k < SUBCARRIERS; k++) {
      diff += Math.hypot(withBody.re[k] - empty.re[k], withBody.im[k] - empty.im[k]);
      p += Math.hypot(empty.re[k], empty.im[k]);
    }
    expect(diff / p).toBeGreaterThan(0.05);

    const ghost = new PacketSynth(makeConfig({ bodyRcsScale: 0, losBlockage: 0 }), band);
    ghost.placeBody(joints, body.rcsScale);
    ghost.channel(room, 0, true);
    for (let k = 0; k < SUBCARRIERS; k++) expect(ghost.re[k]).toBeCloseTo(empty.re[k], 15);
  });

  it('a body standing on the TX-RX line shadows the LOS (torso depth 0.6 and more); 2 m away it does not', () => {
    const synth = new PacketSynth(cfg, band);
    const j = new Float64Array(JOINTS * 3);
    const mid = [(room.tx[0] + room.rx[1][0]) / 2, (room.tx[1] + room.rx[1][1]) / 2];
    forwardKinematics(body, params, mid[0], mid[1], 0, j);
    synth.placeBody(j, 1);
    expect(synth.losFactor(room, 1)).toBeLessThan(0.4);
    forwardKinematics(body, params, mid[0], mid[1] + 2, 0, j);
    synth.placeBody(j, 1);
    expect(synth.losFactor(room, 1)).toBeGreaterThan(0.999);
    expect(new PacketSynth(makeConfig({ losBlockage: 0 }), band).losFactor(room, 1)).toBe(1);
  });

  it('shadows a first-order reflection (the floor bounce) where the subject stands on its turning point', () => {
    const synth = new PacketSynth(cfg, band);
    const j = new Float64Array(JOINTS * 3);
    // The floor bounce (path 5 = surface 4) of link 0 turns on the floor between TX and RX; put the
    // subject 0.8 m beside that point, away from every LOS, and compare with standing right on it.
    const o = (0 * room.shadowable + 5) * 9;
    const turn = [room.pathPoints[o + 3], room.pathPoints[o + 4], room.pathPoints[o + 5]];
    expect(turn[2]).toBeCloseTo(0, 9);
    forwardKinematics(body, params, turn[0], turn[1], 0, j);
    synth.placeBody(j, 1);
    const on = synth.pathShadow(room, 0, 5);
    forwardKinematics(body, params, turn[0], turn[1] + 0.8, 0, j);
    synth.placeBody(j, 1);
    const beside = synth.pathShadow(room, 0, 5);
    expect(on).toBeLessThan(0.75); // both shanks (depth 0.25 each) and more cross it
    expect(beside).toBeGreaterThan(0.9);
  });

  it('posture moves the shadow: squatting just beside the LOS changes it smoothly', () => {
    const synth = new PacketSynth(cfg, band);
    const j = new Float64Array(JOINTS * 3);
    const mid = [(room.tx[0] + room.rx[1][0]) / 2, (room.tx[1] + room.rx[1][1]) / 2 + 0.25];
    const style = { tempo: 1, amp: 1, side: 0, phase: Math.PI, speed: 0, variant: 0 };
    const factors: number[] = [];
    const p = new Float64Array(POSE_PARAMS);
    for (let t = 0; t <= 1.0; t += 0.05) {
      activityPose('squat', t, style, p); // starts at the deepest point (phase pi) and rises
      forwardKinematics(body, p, mid[0], mid[1], 0, j);
      synth.placeBody(j, 1);
      factors.push(synth.losFactor(room, 1));
    }
    expect(Math.max(...factors) - Math.min(...factors)).toBeGreaterThan(0.05);
    for (let i = 1; i < factors.length; i++) expect(Math.abs(factors[i] - factors[i - 1])).toBeLessThan(0.1);
  });

  it('puts the activity area rxFraction of the way from the receiver, with TX and RX inside the room', () => {
    for (const f of [0.3, 0.5, 0.7]) {
      for (let i = 0; i < 6; i++) {
        const r = makeRoom(makeConfig({ rxFraction: f }), band, i);
        const mid = r.rx[1];
        const toRx = Math.hypot(mid[0] - r.centre[0], mid[1] - r.centre[1]);
        const toTx = Math.hypot(r.tx[0] - r.centre[0], r.tx[1] - r.centre[1]);
        for (const p of [r.tx, ...r.rx]) {
          // 0.3 m along the (slightly rotated, offset) baseline: at least 0.2 m from the wall in x.
          expect(p[0]).toBeGreaterThan(0.2);
          expect(p[0]).toBeLessThan(r.size[0] - 0.2);
          expect(p[1]).toBeGreaterThan(0.2);
          expect(p[1]).toBeLessThan(r.size[1] - 0.2);
        }
        // Unless a wall clamps one end, the split of the baseline is the requested fraction (+- the
        // 0.1 m lateral offset of the line from the area centre).
        if (r.tx[0] > 0.45 && mid[0] < r.size[0] - 0.45) {
          expect(Math.abs(toRx / (toRx + toTx) - f)).toBeLessThan(0.03);
        }
      }
    }
  });

  it('has 3 links on antennas antennaSpacing apart, each with its own static channel', () => {
    expect(room.rx).toHaveLength(LINKS);
    const d01 = Math.hypot(room.rx[0][0] - room.rx[1][0], room.rx[0][1] - room.rx[1][1], room.rx[0][2] - room.rx[1][2]);
    expect(d01).toBeCloseTo(cfg.antennaSpacing, 9);
    // Stacked on a mast by default: same floor point, heights spacing apart, the middle one near 1 m.
    expect(room.rx[2][2] - room.rx[1][2]).toBeCloseTo(cfg.antennaSpacing, 9);
    expect(room.rx[0][0]).toBe(room.rx[2][0]);
    expect(Math.abs(room.rx[1][2] - 1)).toBeLessThanOrEqual(0.1);
    const flat = makeRoom(makeConfig({ verticalArray: false, antennaSpacing: 0.06 }), band, 0);
    expect(flat.rx[0][2]).toBe(flat.rx[2][2]);
    expect(Math.hypot(flat.rx[0][0] - flat.rx[1][0], flat.rx[0][1] - flat.rx[1][1])).toBeCloseTo(0.06, 9);
    expect(room.shadowable).toBe(7);
    expect(room.pathRe[0]).not.toBe(room.pathRe[room.shadowable * SUBCARRIERS]);
    expect(room.staticPaths).toBe(1 + 36 + cfg.furniture);
  });
});
