// `pose-edge import`: CSI logs (esp-csi, ESP32-CSI-Tool; src/host/import/log-line.ts) -> a CSI recording
// (PECSREC2, what the node's driver delivered, replayed by `node --virtual --replay-csi`) and, optionally, the
// windows [N,3,114,10] the node builds from it. Every line that can be used is; the rest is counted per reason
// with its first line number. docs/import.md.
//
// Transmitters map to the model's three links (--links MAC0,MAC1,MAC2, or the three most frequent MACs in order
// of first appearance). The node places packets in arrival order; a log is in arrival order too, except where
// its timestamps say otherwise, so records are written in local_timestamp order:
//   - a timestamp that wraps (u32 µs, every 71.6 min: a step back across 2^32 landing within 10 s) is unwrapped;
//   - a step back of at most 1 s is a reordering (lines printed out of order): the row is moved into place and
//     counted;
//   - a step back of more than 1 s is a clock reset (the receiver rebooted, or a new capture): a new segment
//     starts, in file order after the previous one, and it is counted;
//   - a step forward of more than 10 times the median step is a gap: counted, with the largest, and kept (the
//     node would not know about it either; windows span it, as the node's would).
// The windows are the node's, bit for bit in its input format: the same layouts and integer amplitudes
// (src/data/csi-layouts.ts), slots and windows (src/host/stream/windows.ts, as firmware/core/window.c and
// node.c), divided by 2^INPUT_FRAC_BITS as `stream export` does; the slot still open at the end of the log is
// not closed (the node never closes it either). So `stream export` of a stream of the replayed recording gives
// the same windows.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PoseEdgeError } from '../../errors.ts';
import { fsError } from '../../io/fs-errors.ts';
import { layoutAmplitudesQ, layoutById } from '../../data/csi-layouts.ts';
import type { CsiRecord } from '../protocol/csi-recording.ts';
import { LINKS, SUBCARRIERS, SlotAssembler, WindowAssembler } from '../stream/windows.ts';
import { FORMATS, LogLineParser, SKIP_REASONS, type CsiRow, type Format, type SkipReason } from './log-line.ts';

export class ImportError extends PoseEdgeError {}

/** A step back in local_timestamp longer than this is a clock reset, shorter a reordering. */
export const RESET_US = 1_000_000;
/** A step forward longer than this many median steps is a gap. */
export const GAP_FACTOR = 10;
/** A step back across 2^32 µs that lands within this much after the previous timestamp is a wrap, not a reset. */
export const WRAP_US = 10_000_000;
const U32 = 2 ** 32;

export interface ImportOptions {
  /** Transmitter MAC of links 0, 1, 2 (aa:bb:cc:dd:ee:ff, any case); default: the three most frequent. */
  links?: string[];
  /** Slots between two windows (the node's hop). */
  hop: number;
  /** The node model's POSE_MODEL_INPUT_FRAC_BITS (windows are computed in its input format). */
  inputFracBits: number;
}

export interface SkipCount {
  reason: SkipReason;
  what: string;
  lines: number;
  /** "file:line" of the first such line. */
  first: string;
}

export interface Transmitter {
  mac: string;
  /** Links it feeds ([] when not mapped). */
  links: number[];
  /** Usable rows from it. */
  rows: number;
  /** Rows per buffer layout. */
  layouts: Record<string, number>;
  /** "file:line" of its first row. */
  first: string;
}

export interface Timestamps {
  reordered: number;
  firstReorderedAt: string | null;
  clockResets: number;
  firstResetAt: string | null;
  wraps: number;
  medianStepUs: number | null;
  gapThresholdUs: number | null;
  gaps: number;
  firstGapAt: string | null;
  largestGapUs: number | null;
  largestGapAt: string | null;
}

export interface ImportResult {
  files: { path: string; lines: number; rows: number }[];
  linesRead: number;
  /** Rows used (mapped to a link) per log format. */
  formats: Record<Format, number>;
  links: string[];
  /** True when one MAC feeds several links (--links said so): the model then sees a duplicated link. */
  duplicateLinks: boolean;
  transmitters: Transmitter[];
  skipped: SkipCount[];
  records: CsiRecord[];
  timestamps: Timestamps;
  /** Windows [3][114][10] float32 (raw amplitude), as the node builds them from the records. */
  windows: Float32Array[];
  /** Slots closed (windows need 10; the one still open at the end is not counted). */
  slots: number;
}

interface Located {
  row: CsiRow;
  at: string;
  order: number;
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Parses --links: three MACs; a MAC may repeat (the model then sees that transmitter on several links). */
export function parseLinks(text: string): string[] {
  const macs = text.split(',').map((m) => m.trim().toLowerCase());
  const bad = macs.find((m) => !MAC.test(m));
  if (macs.length !== LINKS || bad !== undefined) {
    throw new ImportError(`--links ${text}: expected ${LINKS} transmitter MACs aa:bb:cc:dd:ee:ff separated by commas${bad !== undefined ? ` ('${bad}' is not one)` : ''}`);
  }
  return macs;
}

export async function importLogs(paths: string[], opts: ImportOptions): Promise<ImportResult> {
  if (paths.length === 0) throw new ImportError('import needs at least one log file');
  const skipped = new Map<SkipReason, SkipCount>();
  const skip = (reason: SkipReason, at: string) => {
    const s = skipped.get(reason);
    if (s) s.lines++;
    else skipped.set(reason, { reason, what: SKIP_REASONS[reason], lines: 1, first: at });
  };
  const rows: Located[] = [];
  const files: ImportResult['files'] = [];
  for (const path of paths) {
    const parser = new LogLineParser();
    let n = 0;
    let used = 0;
    try {
      const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity });
      for await (const line of lines) {
        n++;
        const r = parser.parse(line);
        const at = `${path}:${n}`;
        if (r.kind === 'row') {
          rows.push({ row: r.row, at, order: rows.length });
          used++;
        } else skip(r.kind === 'header' ? 'header' : r.reason, at);
      }
    } catch (err) {
      throw fsError(err, path, 'reading a CSI log');
    }
    files.push({ path, lines: n, rows: used });
  }

  const transmitters = countTransmitters(rows);
  const links = opts.links ?? defaultLinks(transmitters, paths);
  for (const t of transmitters) t.links = links.flatMap((m, k) => (m === t.mac ? [k] : []));
  const missing = links.filter((m) => !transmitters.some((t) => t.mac === m));
  if (missing.length) {
    throw new ImportError(`--links names ${missing.join(', ')}, which sent no usable row in ${paths.join(', ')}; transmitters seen: ${listTransmitters(transmitters)}`);
  }
  const mapped = rows.filter((r) => {
    if (links.includes(r.row.mac)) return true;
    skip('other-transmitter', r.at);
    return false;
  });

  const { ordered, timestamps } = orderByTimestamp(mapped);
  const records: CsiRecord[] = [];
  for (const { row } of ordered) {
    links.forEach((mac, link) => {
      if (mac === row.mac) {
        records.push({ timestampUs: row.timestampUs, link, rssi: row.rssi, layout: row.layout.id, firstWordInvalid: row.firstWordInvalid, channel: row.channel, buf: row.buf });
      }
    });
  }
  const { windows, slots } = nodeWindows(records, opts.hop, opts.inputFracBits);
  const formats = Object.fromEntries(FORMATS.map((f) => [f, 0])) as Record<Format, number>;
  for (const { row } of mapped) formats[row.format]++;
  return {
    files,
    linesRead: files.reduce((s, f) => s + f.lines, 0),
    formats,
    links,
    duplicateLinks: new Set(links).size < links.length,
    transmitters,
    skipped: [...skipped.values()],
    records,
    timestamps,
    windows,
    slots,
  };
}

function countTransmitters(rows: Located[]): Transmitter[] {
  const byMac = new Map<string, Transmitter>();
  for (const { row, at } of rows) {
    let t = byMac.get(row.mac);
    if (!t) byMac.set(row.mac, (t = { mac: row.mac, links: [], rows: 0, layouts: {}, first: at }));
    t.rows++;
    t.layouts[row.layout.name] = (t.layouts[row.layout.name] ?? 0) + 1;
  }
  return [...byMac.values()];
}

function listTransmitters(ts: Transmitter[]): string {
  return ts.length ? ts.map((t) => `${t.mac} (${t.rows} rows)`).join(', ') : 'none';
}

/** The three most frequent transmitters (ties: the earlier one), in order of first appearance. */
function defaultLinks(ts: Transmitter[], paths: string[]): string[] {
  if (ts.length < LINKS) {
    throw new ImportError(
      `${paths.join(', ')}: ${ts.length} transmitter${ts.length === 1 ? '' : 's'} with usable rows (${listTransmitters(ts)}); the model needs ${LINKS} links: ` +
        `give --links MAC0,MAC1,MAC2 (a MAC may be given more than once; the model then sees that transmitter as several links)`,
    );
  }
  const top = [...ts].sort((a, b) => b.rows - a.rows).slice(0, LINKS);
  return ts.filter((t) => top.includes(t)).map((t) => t.mac);
}

/** Records in local_timestamp order within clock segments; reorderings, resets, wraps and gaps counted. */
function orderByTimestamp(rows: Located[]): { ordered: Located[]; timestamps: Timestamps } {
  const t: Timestamps = {
    reordered: 0, firstReorderedAt: null, clockResets: 0, firstResetAt: null, wraps: 0, medianStepUs: null, gapThresholdUs: null,
    gaps: 0, firstGapAt: null, largestGapUs: null, largestGapAt: null,
  };
  const segments: { row: Located; ts: number }[][] = [[]];
  let offset = 0;
  let prevRaw: number | null = null;
  let newest = -Infinity;
  for (const r of rows) {
    const raw = r.row.timestampUs;
    if (prevRaw !== null && raw < prevRaw && raw + U32 - prevRaw <= WRAP_US) {
      offset += U32;
      t.wraps++;
    }
    prevRaw = raw;
    let ts = raw + offset;
    if (newest - ts > RESET_US) {
      t.clockResets++;
      t.firstResetAt ??= r.at;
      segments.push([]);
      offset = 0;
      ts = raw;
      newest = -Infinity;
    } else if (ts < newest) {
      t.reordered++;
      t.firstReorderedAt ??= r.at;
    }
    newest = Math.max(newest, ts);
    segments[segments.length - 1].push({ row: r, ts });
  }
  const steps: { us: number; at: string }[] = [];
  for (const seg of segments) {
    seg.sort((a, b) => a.ts - b.ts || a.row.order - b.row.order);
    for (let i = 1; i < seg.length; i++) steps.push({ us: seg[i].ts - seg[i - 1].ts, at: seg[i].row.at });
  }
  if (steps.length) {
    const sorted = steps.map((s) => s.us).sort((a, b) => a - b);
    t.medianStepUs = sorted[Math.floor((sorted.length - 1) / 2)];
    if (t.medianStepUs > 0) {
      t.gapThresholdUs = GAP_FACTOR * t.medianStepUs;
      for (const s of steps) {
        if (s.us <= t.gapThresholdUs) continue;
        t.gaps++;
        t.firstGapAt ??= s.at;
        if (t.largestGapUs === null || s.us > t.largestGapUs) {
          t.largestGapUs = s.us;
          t.largestGapAt = s.at;
        }
      }
    }
  }
  return { ordered: segments.flat().map((s) => s.row), timestamps: t };
}

/** The windows the node runs on these records (every `hop` slots once 10 exist), as raw amplitudes. */
export function nodeWindows(records: CsiRecord[], hop: number, inputFracBits: number): { windows: Float32Array[]; slots: number } {
  const slots = new SlotAssembler();
  const assembler = new WindowAssembler(hop);
  const windows: Float32Array[] = [];
  const step = 2 ** -inputFracBits;
  for (const r of records) {
    const layout = layoutById(r.layout);
    const q = layout && layoutAmplitudesQ(layout, r.buf, r.firstWordInvalid, inputFracBits);
    if (!q) continue; // the node drops it (not written by import, but a caller may pass any recording)
    const row = new Float32Array(SUBCARRIERS);
    for (let k = 0; k < SUBCARRIERS; k++) row[k] = q[k] * step;
    for (const s of slots.push(r.link, row)) {
      const w = assembler.push(s);
      if (w) windows.push(w);
    }
  }
  return { windows, slots: assembler.slots };
}
