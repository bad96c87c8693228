// hostUs and ortUs timed side by side. A shared machine (this one: 2 cores of a cloud host) has slow spells,
// seconds long, in which the same program runs up to 1.7x slower; timed one after the other, a spell that
// falls on one side moves the ratio (0.26 and 0.44 from one build of micro int4, minutes apart). So the C
// harness and onnxruntime take turns: ROUNDS rounds of runs / ROUNDS timed inferences each, host then
// onnxruntime, and each figure is the median of its rounds' medians: a spell then touches a round of both,
// and takes the median only if it lasts most of the run.
import { type HostTiming, timeHost } from './host-timing.ts';
import { type OrtTiming, timeOrt } from './ort-timing.ts';

export const TIMING_ROUNDS = 5;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The host harness `exe` on `windows` (int16) and onnxruntime on the model `ortModel` with `floatWindows`,
 * `runs` timed inferences each (at least one per round), in alternating rounds. */
export async function timeSideBySide(exe: string, windows: Int16Array, ortModel: Uint8Array, floatWindows: Float32Array,
  runs: number, workDir: string, where: string): Promise<{ host: HostTiming; ort: OrtTiming }> {
  const per = Math.max(1, Math.ceil(runs / TIMING_ROUNDS));
  const hosts: HostTiming[] = [];
  const orts: OrtTiming[] = [];
  for (let r = 0; r < TIMING_ROUNDS; r++) {
    hosts.push(await timeHost(exe, windows, per, workDir));
    orts.push(await timeOrt(ortModel, floatWindows, per, where));
  }
  const combine = <T extends HostTiming | OrtTiming>(ts: T[]) => ({
    medianNs: median(ts.map((t) => t.medianNs)), p10Ns: median(ts.map((t) => t.p10Ns)),
    p90Ns: median(ts.map((t) => t.p90Ns)), runs: per * TIMING_ROUNDS,
  });
  return { host: { ...combine(hosts), outputs: hosts[0].outputs }, ort: combine(orts) };
}
