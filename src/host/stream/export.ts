// `pose-edge stream export FILE --npy OUT_X.npy`: windows [N,3,114,10] float32 (raw amplitudes, the data
// contract) rebuilt from a recording's CSI, plus optionally the node's keypoints [M,17,2]. CSI_PACKET
// amplitudes are in the node's input format, so they are divided by 2^INPUT_FRAC_BITS of the INFO recorded
// before them (exact in float32); UDP frames are converted from I/Q directly. Both come from integers and
// cannot be NaN or Inf, but the windows still go through the one data rule (src/data/nonfinite.ts) so the
// count is measured, not assumed, and a future source that can produce them is covered.
import { encodeNpy } from '../../io/npy.ts';
import { writeFilesAtomic } from '../../io/atomic-files.ts';
import { decodeMessage, messageName } from '../protocol/messages.ts';
import { PoseEdgeError } from '../../errors.ts';
import { readRecording, RecordKind, type ReadResult } from './recording.ts';
import { csiRow, parseEspCsiFrame, type BandwidthRule } from './esp-csi-udp.ts';
import { LinkMap } from './link-map.ts';
import { LINKS, SUBCARRIERS, SlotAssembler, WindowAssembler, WINDOW_VALUES } from './windows.ts';
import { addCounts, NO_NON_FINITE, nonFiniteWarning, replaceNonFinite } from '../../data/nonfinite.ts';

export { describeStop } from './recording.ts';

export class ExportError extends PoseEdgeError {}

export interface ExportOptions {
  hop: number;
  /** Used when the recording holds CSI_PACKETs but no INFO. */
  inputFracBits?: number;
  udpLinks?: number[];
  bandwidth?: BandwidthRule;
}

export interface ExportResult {
  windows: Float32Array[];
  keypoints: Float32Array[];
  records: number;
  csiPackets: number;
  udpFrames: number;
  udpSkipped: number;
  gaps: number;
  /** NaN and +-Inf amplitudes in the windows replaced by 0 (0 for integer CSI, which cannot hold them). */
  nonFinite: number;
  /** The warning line for them, or null. */
  nonFiniteWarning: string | null;
  /** Why reading stopped early (a torn tail after a crash), or null. */
  stop: ReadResult['stop'];
}

export function exportRecording(path: string, opts: ExportOptions): ExportResult {
  const { records, offsets, stop } = readRecording(path);
  const serial = new WindowAssembler(opts.hop);
  const udp = new WindowAssembler(opts.hop);
  const slots = new SlotAssembler();
  const links = new LinkMap(opts.udpLinks);
  const windows: Float32Array[] = [];
  const keypoints: Float32Array[] = [];
  let inFrac = opts.inputFracBits;
  let outFrac: number | undefined;
  let csiPackets = 0;
  let udpFrames = 0;
  let udpSkipped = 0;
  records.forEach((r, i) => {
    const where = `${path}: record ${i} at byte ${offsets[i]}`;
    if (r.kind === RecordKind.UDP_DATAGRAM) {
      let f;
      try {
        f = parseEspCsiFrame(r.payload, where);
      } catch {
        udpSkipped++;
        return;
      }
      const link = links.linkOf(f.nodeId);
      const row = link === null ? null : csiRow(f.buf, opts.bandwidth);
      if (link === null || !row) {
        udpSkipped++;
        return;
      }
      udpFrames++;
      for (const s of slots.push(link, row.row)) {
        const w = udp.push(s);
        if (w) windows.push(w);
      }
      return;
    }
    if (r.kind !== RecordKind.NODE_MESSAGE) return;
    const name = messageName(r.type);
    if (!name) return;
    let m;
    try {
      m = decodeMessage({ version: 1, type: r.type, seq: 0, payload: r.payload });
    } catch (err) {
      throw new ExportError(`${where} (${name}): ${(err as Error).message}`);
    }
    if (m.type === 'INFO') {
      inFrac = opts.inputFracBits ?? m.inputFracBits;
      outFrac = m.outputFracBits;
    } else if (m.type === 'CSI_PACKET') {
      if (inFrac === undefined) throw new ExportError(`${where}: CSI_PACKET before any INFO; give --input-frac-bits (the node's POSE_MODEL_INPUT_FRAC_BITS)`);
      csiPackets++;
      const rows = new Float32Array(LINKS * SUBCARRIERS);
      const step = 2 ** -inFrac;
      for (let k = 0; k < rows.length; k++) rows[k] = m.amplitudes[k] * step;
      const w = serial.push({ seq: m.packetSeq, rows });
      if (w) windows.push(w);
    } else if (m.type === 'KEYPOINTS') {
      if (outFrac === undefined) throw new ExportError(`${where}: KEYPOINTS before any INFO (output fraction bits unknown)`);
      const step = 2 ** -outFrac;
      keypoints.push(Float32Array.from(m.keypoints, (v) => v * step));
    }
  });
  for (const s of slots.flush()) {
    const w = udp.push(s);
    if (w) windows.push(w);
  }
  let nonFinite = NO_NON_FINITE;
  windows.forEach((w, i) => (nonFinite = addCounts(nonFinite, replaceNonFinite(w), i * WINDOW_VALUES)));
  return {
    windows, keypoints, records: records.length, csiPackets, udpFrames, udpSkipped, gaps: serial.gaps + udp.gaps,
    nonFinite: nonFinite.count, nonFiniteWarning: nonFiniteWarning(`${path} (exported windows)`, nonFinite), stop,
  };
}

export function windowsNpy(windows: Float32Array[]): Uint8Array {
  const data = new Float32Array(windows.length * WINDOW_VALUES);
  windows.forEach((w, i) => data.set(w, i * WINDOW_VALUES));
  return encodeNpy(data, [windows.length, LINKS, SUBCARRIERS, 10]);
}

export function keypointsNpy(kps: Float32Array[]): Uint8Array {
  const data = new Float32Array(kps.length * 34);
  kps.forEach((k, i) => data.set(k, i * 34));
  return encodeNpy(data, [kps.length, 17, 2]);
}

/** Writes the requested outputs all or nothing (a failure never leaves one of the two behind). */
export function writeExport(r: ExportResult, out: { npy?: string; keypoints?: string }): void {
  const files: [string, Uint8Array][] = [];
  if (out.npy) files.push([out.npy, windowsNpy(r.windows)]);
  if (out.keypoints) files.push([out.keypoints, keypointsNpy(r.keypoints)]);
  writeFilesAtomic(files, 'the exported arrays');
}
