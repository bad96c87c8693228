// One line of a CSI log as the tools people already use print it, parsed into a CSI row or a reason to skip
// it. Formats (docs/import.md has examples of each):
//   esp-csi, ESP32 / S2 / S3 / C3 ("classic", examples/get-started/csi_recv, csi_recv_router):
//     type,id,mac,rssi,rate,sig_mode,mcs,bandwidth,smoothing,not_sounding,aggregation,stbc,fec_coding,sgi,
//     noise_floor,ampdu_cnt,channel,secondary_channel,local_timestamp,ant,sig_len,rx_state,len,first_word,data
//   esp-csi, ESP32-C5 / C6 / C61:
//     type,seq,mac,rssi,rate,noise_floor,fft_gain,agc_gain,channel,local_timestamp,sig_len,rx_state,len,first_word,data
//     (newer versions print rx_format, the packet's cur_bb_format, instead of rx_state)
//   ESP32-CSI-Tool (Hernandez & Bulut): CSI_DATA,<AP|STA|PASSIVE>,mac,rssi,rate,sig_mode,mcs,bandwidth,smoothing,
//     not_sounding,aggregation,stbc,fec_coding,sgi,noise_floor,ampdu_cnt,channel,secondary_channel,
//     local_timestamp,ant,sig_len,rx_state,real_time_set,real_timestamp,len,[I Q I Q ...] (its values printed as
//     uint8 0..255 by the released tool, as int8 by some forks; only the first 128 bytes by default)
// The data field is a quoted list ("[1,-2,...]" or "1,-2,...") or a bracketed one ([1 -2 ...] or [1,-2,...]);
// anything after it (a host timestamp some scripts append) is ignored. A header row names the columns of the
// data rows that follow it (so column variants and orders are read by name); without one, the built-in schema
// with the same number of fields is used. Text before "CSI_DATA" on a line (idf.py monitor output that ran into
// it) is ignored, as esp-csi's own parser does; ANSI colour codes and a trailing CR are removed first.
import { layoutHe, layoutHeByLen, layoutLegacy, type CsiLayout } from '../../data/csi-layouts.ts';

export type SkipReason =
  | 'empty'
  | 'other-text'
  | 'header'
  | 'truncated'
  | 'unknown-format'
  | 'bad-field'
  | 'bad-values'
  | 'len-mismatch'
  | 'unknown-layout'
  | 'not-used'
  | 'other-transmitter';

/** What each reason means, for the summary table (stable wording: tests and docs quote it). */
export const SKIP_REASONS: Record<SkipReason, string> = {
  empty: 'empty line',
  'other-text': 'not a CSI line (idf.py monitor text, logs)',
  header: 'header row (names the columns)',
  truncated: 'incomplete line (cut off: data list not closed, or fields missing)',
  'unknown-format': 'CSI_DATA line whose fields fit no known format or header',
  'bad-field': 'a field is not what its column holds (MAC, number)',
  'bad-values': 'CSI values are not int8 I/Q pairs (odd count, or outside -128..127: 12-bit LLTF mode?)',
  'len-mismatch': 'len field disagrees with the number of CSI values',
  'unknown-layout': 'no known buffer layout for its length and rx_ctrl fields',
  'not-used': 'legacy 11a/g packet (52 tones): not used by the model',
  'other-transmitter': 'transmitter not mapped to a link',
};

export type Format = 'esp-csi' | 'esp-csi-c5c6' | 'esp32-csi-tool';
export const FORMATS: readonly Format[] = ['esp-csi', 'esp-csi-c5c6', 'esp32-csi-tool'];

export interface CsiRow {
  format: Format;
  /** Normalised, lowercase aa:bb:cc:dd:ee:ff. */
  mac: string;
  rssi: number;
  channel: number;
  /** local_timestamp, µs (u32 as printed). */
  timestampUs: number;
  firstWordInvalid: boolean;
  layout: CsiLayout;
  buf: Int8Array;
}

export type LineResult = { kind: 'row'; row: CsiRow } | { kind: 'header' } | { kind: 'skip'; reason: SkipReason };

const CLASSIC = 'type,id,mac,rssi,rate,sig_mode,mcs,bandwidth,smoothing,not_sounding,aggregation,stbc,fec_coding,sgi,noise_floor,ampdu_cnt,channel,secondary_channel,local_timestamp,ant,sig_len,rx_state,len,first_word'.split(',');
const C5C6 = 'type,seq,mac,rssi,rate,noise_floor,fft_gain,agc_gain,channel,local_timestamp,sig_len,rx_state,len,first_word'.split(',');
const TOOL = 'type,role,mac,rssi,rate,sig_mode,mcs,bandwidth,smoothing,not_sounding,aggregation,stbc,fec_coding,sgi,noise_floor,ampdu_cnt,channel,secondary_channel,local_timestamp,ant,sig_len,rx_state,real_time_set,real_timestamp,len'.split(',');
const TOOL_ROLES = new Set(['AP', 'STA', 'PASSIVE']);

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const INT = /^[-+]?\d+$/;

/** Parses log lines; remembers the last header row, which names the columns of the rows after it. */
export class LogLineParser {
  private header: string[] | null = null;

  parse(raw: string): LineResult {
    const line = raw.replace(ANSI, '').replace(/\r+$/, '');
    if (line.trim() === '') return { kind: 'skip', reason: 'empty' };
    const trimmed = line.trim();
    if (/^type,/.test(trimmed)) {
      const cols = trimmed.split(',').map((c) => c.trim());
      const last = cols[cols.length - 1];
      if (last === 'data' || last === 'CSI_DATA') cols.pop();
      this.header = cols;
      return { kind: 'header' };
    }
    const at = line.indexOf('CSI_DATA');
    if (at < 0) return { kind: 'skip', reason: 'other-text' };
    return parseData(line.slice(at), this.header);
  }
}

function parseData(text: string, header: string[] | null): LineResult {
  const quote = text.indexOf('"');
  const bracket = text.indexOf('[');
  const starts = [quote, bracket].filter((i) => i >= 0);
  // No data field: a line cut before its data (at most as many fields as the longest format has), else not ours.
  if (starts.length === 0) return { kind: 'skip', reason: text.split(',').length <= TOOL.length + 1 ? 'truncated' : 'unknown-format' };
  const start = Math.min(...starts);
  const closer = text[start] === '"' ? '"' : ']';
  const end = text.indexOf(closer, start + 1);
  if (end < 0) return { kind: 'skip', reason: 'truncated' };
  const meta = text.slice(0, start).split(',').map((f) => f.trim());
  if (meta[meta.length - 1] !== '') return { kind: 'skip', reason: 'unknown-format' }; // the data field must start a field
  meta.pop();
  const columns = schemaFor(meta, header);
  if (!columns) return { kind: 'skip', reason: meta.length < C5C6.length ? 'truncated' : 'unknown-format' };
  const format: Format = columns.includes('role') ? 'esp32-csi-tool' : columns.includes('sig_mode') ? 'esp-csi' : 'esp-csi-c5c6';
  const field = new Map(columns.map((c, i) => [c, meta[i]]));
  const num = (name: string): number | null => {
    const v = field.get(name);
    return v !== undefined && INT.test(v) ? Number(v) : null;
  };

  const values = text.slice(start + 1, end).replace(/^\s*\[/, '').replace(/\]\s*$/, '').split(/[\s,]+/).filter((v) => v !== '');
  if (values.some((v) => !INT.test(v))) return { kind: 'skip', reason: 'bad-values' };
  let ints = values.map(Number);
  // ESP32-CSI-Tool prints the buffer as (uint8_t): 0..255 is the same byte as int8 -128..127. A line with a value
  // above 127 and none below 0 is such a print (a signed print never exceeds 127).
  if (format === 'esp32-csi-tool' && ints.some((v) => v > 127) && ints.every((v) => v >= 0 && v <= 255)) ints = ints.map((v) => (v > 127 ? v - 256 : v));
  if (ints.length % 2 !== 0 || ints.some((v) => v < -128 || v > 127)) return { kind: 'skip', reason: 'bad-values' };

  const mac = (field.get('mac') ?? '').toLowerCase();
  const ts = num('local_timestamp');
  const len = num('len');
  if (!MAC.test(mac) || ts === null || ts < 0 || ts > 0xffffffff || len === null) return { kind: 'skip', reason: 'bad-field' };
  if (len !== ints.length) return { kind: 'skip', reason: 'len-mismatch' };

  let layout: CsiLayout | null;
  if (field.has('sig_mode')) {
    const f = ['sig_mode', 'bandwidth', 'stbc', 'secondary_channel'].map(num);
    if (f.some((v) => v === null)) return { kind: 'skip', reason: 'bad-field' };
    layout = layoutLegacy(f[0]!, f[1]!, f[2]!, f[3]!, len);
  } else {
    const bb = field.has('rx_format') ? num('rx_format') : null;
    layout = bb === null ? layoutHeByLen(len) : (layoutHe('c6', bb, len) ?? layoutHe('c5', bb, len));
  }
  if (!layout) return { kind: 'skip', reason: 'unknown-layout' };
  if (layout.rule === 'none') return { kind: 'skip', reason: 'not-used' };
  const rssi = num('rssi');
  const channel = num('channel');
  const fwi = field.has('first_word') ? num('first_word') : 0;
  if (rssi === null || channel === null || fwi === null || rssi < -128 || rssi > 127 || channel < 0 || channel > 255) return { kind: 'skip', reason: 'bad-field' };
  return {
    kind: 'row',
    row: { format, mac, rssi, channel, timestampUs: ts, firstWordInvalid: fwi !== 0, layout, buf: Int8Array.from(ints) },
  };
}

/** The columns of a data row: the last header's if it has as many fields, else the built-in format's. */
function schemaFor(meta: string[], header: string[] | null): string[] | null {
  if (meta[0] !== 'CSI_DATA') return null;
  if (header && header.length === meta.length && header.includes('mac') && header.includes('local_timestamp') && header.includes('len')) return header;
  if (meta.length === TOOL.length && TOOL_ROLES.has(meta[1])) return TOOL;
  if (meta.length === CLASSIC.length) return CLASSIC;
  if (meta.length === C5C6.length) return C5C6;
  return null;
}
