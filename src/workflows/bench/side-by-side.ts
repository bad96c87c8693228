// hostUs and ortUs timed side by side. A shared machine (this one: 2 cores of a cloud host) has slow spells,
// seconds to minutes long, in which the same program runs up to 1.7x slower (the C harness more than
// onnxruntime: its vector multiplies share the core with a neighbour's). Timed one after the other, a spell
// on one side moved the ratio of one build of micro int4 from 0.26 to 0.44 within minutes. So the C harness
// and onnxruntime take turns, ROUNDS rounds of runs / ROUNDS timed inferences each (host, then onnxruntime),
// and each peer's figure is the lowest of its rounds' medians: interference only ever adds time, so the
// fastest round is the closest to the code's own speed, and both peers are treated alike. Every round's
// median is kept as well (roundsNs: bench --json's hostUsRounds, ortUsRounds) to show how noisy the run was.
import { type HostTiming, timeHost } from './host-timing.ts';
import { type OrtTiming, timeOrt } from './ort-timing.ts';

export const TIMING_ROUNDS = 5;

/** One peer's timing: the fastest round's median (medianNs, with that round's p10Ns, p90Ns); roundsNs: every
 * round's median, in order. */
export type SideTiming<T> = T & { roundsNs: number[] };

/** The host harness `exe` on `windows` (int16) and onnxruntime on the model `ortModel` with `floatWindows`,
 * `runs` timed inferences each (at least one per round), in alternating rounds. */
export async function timeSideBySide(exe: string, windows: Int16Array, ortModel: Uint8Array, floatWindows: Float32Array,
  runs: number, workDir: string, where: string): Promise<{ host: SideTiming<HostTiming>; ort: SideTiming<OrtTiming> }> {
  const per = Math.max(1, Math.ceil(runs / TIMING_ROUNDS));
  const hosts: HostTiming[] = [];
  const orts: OrtTiming[] = [];
  for (let r = 0; r < TIMING_ROUNDS; r++) {
    hosts.push(await timeHost(exe, windows, per, workDir));
    orts.push(await timeOrt(ortModel, floatWindows, per, where));
  }
  const combine = <T extends HostTiming | OrtTiming>(ts: T[]) => {
    const best = ts.reduce((a, b) => (b.medianNs < a.medianNs ? b : a));
    return { medianNs: best.medianNs, p10Ns: best.p10Ns, p90Ns: best.p90Ns, runs: per * TIMING_ROUNDS, roundsNs: ts.map((t) => t.medianNs) };
  };
  return { host: { ...combine(hosts), outputs: hosts[0].outputs }, ort: combine(orts) };
}
