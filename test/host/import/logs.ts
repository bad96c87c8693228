// Test logs as the tools print them (the printf formats of esp-csi's csi_recv examples and ESP32-CSI-Tool's
// csi_component.h, as documented in docs/import.md), from packets whose bytes the test knows.
import { layoutByName, type CsiLayout } from '../../../src/data/csi-layouts.ts';

export interface Pkt {
  mac: string;
  ts: number;
  layout: string;
  rssi?: number;
  channel?: number;
  fwi?: boolean;
  buf: Int8Array;
}

export const CLASSIC_HEADER =
  'type,id,mac,rssi,rate,sig_mode,mcs,bandwidth,smoothing,not_sounding,aggregation,stbc,fec_coding,sgi,noise_floor,ampdu_cnt,channel,secondary_channel,local_timestamp,ant,sig_len,rx_state,len,first_word,data';
export const C5C6_HEADER = 'type,seq,mac,rssi,rate,noise_floor,fft_gain,agc_gain,channel,local_timestamp,sig_len,rx_state,len,first_word,data';
export const C5C6_HEADER_RX_FORMAT = 'type,seq,mac,rssi,rate,noise_floor,fft_gain,agc_gain,channel,local_timestamp,sig_len,rx_format,len,first_word,data';
export const TOOL_HEADER =
  'type,role,mac,rssi,rate,sig_mode,mcs,bandwidth,smoothing,not_sounding,aggregation,stbc,fec_coding,sgi,noise_floor,ampdu_cnt,channel,secondary_channel,local_timestamp,ant,sig_len,rx_state,real_time_set,real_timestamp,len,CSI_DATA';

export type DataStyle = 'quoted-bracket-comma' | 'quoted-comma' | 'bracket-space' | 'bracket-space-uint8';

export function dataField(buf: Int8Array, style: DataStyle): string {
  const v = Array.from(buf);
  switch (style) {
    case 'quoted-bracket-comma':
      return `"[${v.join(',')}]"`;
    case 'quoted-comma':
      return `"${v.join(',')}"`;
    case 'bracket-space':
      return `[${v.map((x) => `${x} `).join('')}]`;
    case 'bracket-space-uint8':
      return `[${v.map((x) => `${x & 0xff} `).join('')}]`;
  }
}

/** rx_ctrl fields of a legacy layout: sig_mode, cwb, stbc, secondary_channel. */
function legacyFields(l: CsiLayout): [number, number, number, number] {
  const sec = l.name.includes('below') ? 2 : l.name.includes('above') ? 1 : 0;
  if (l.rule === 'none') return [0, 0, 0, sec];
  return [1, l.rule === 'ht40' ? 1 : 0, l.name.includes('stbc') ? 1 : 0, sec];
}

/** esp-csi classic (ESP32/S3/C3): "CSI_DATA,id,mac,rssi,rate,sig_mode,...,len,first_word,data". */
export function classicLine(p: Pkt, id: number, style: DataStyle = 'quoted-bracket-comma', len = p.buf.length): string {
  const l = layoutByName(p.layout)!;
  const [sig, cwb, stbc, sec] = legacyFields(l);
  const f = [id, p.mac, p.rssi ?? -50, 11, sig, 0, cwb, 1, 1, 0, stbc, 0, 0, -95, 0, p.channel ?? 6, sec, p.ts, 0, 44, 0, len, p.fwi ? 1 : 0];
  return `CSI_DATA,${f.join(',')},${dataField(p.buf, style)}`;
}

/** esp-csi C5/C6: "CSI_DATA,seq,mac,rssi,rate,noise_floor,fft_gain,agc_gain,channel,local_timestamp,sig_len,rx_state,len,first_word,data". */
export function c5c6Line(p: Pkt, seq: number, style: DataStyle = 'quoted-bracket-comma', rxField = 0, len = p.buf.length): string {
  const f = [seq, p.mac, p.rssi ?? -50, 11, -95, 19, 40, p.channel ?? 6, p.ts, 44, rxField, len, p.fwi ? 1 : 0];
  return `CSI_DATA,${f.join(',')},${dataField(p.buf, style)}`;
}

/** ESP32-CSI-Tool: "CSI_DATA,STA,MAC,rssi,...,real_time_set,real_timestamp,len,[v v ... ]" (MAC upper case). */
export function toolLine(p: Pkt, style: DataStyle = 'bracket-space-uint8', printed = p.buf, len = p.buf.length): string {
  const l = layoutByName(p.layout)!;
  const [sig, cwb, stbc, sec] = legacyFields(l);
  const f = ['STA', p.mac.toUpperCase(), p.rssi ?? -50, 11, sig, 0, cwb, 1, 1, 0, stbc, 0, 0, -95, 0, p.channel ?? 6, sec, p.ts, 0, 44, 0, 0, '12.345678', len];
  return `CSI_DATA,${f.join(',')},${dataField(printed, style)}`;
}

let seed = 7;
export function reseed(s: number): void {
  seed = s;
}
/** Deterministic I/Q bytes, magnitude below 90 (no int16 saturation in the node's format). */
export function iq(n: number): Int8Array {
  return Int8Array.from({ length: n }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return ((seed >>> 8) % 181) - 90;
  });
}

export const MACS = ['1a:00:00:00:00:01', '1a:00:00:00:00:02', '1a:00:00:00:00:03', '1a:00:00:00:00:04'];

/** `slots` time steps of 3 transmitters (every 10 ms, 1 ms apart), all of one layout. */
export function packets(slots: number, layout: string, t0 = 1_000_000): Pkt[] {
  const l = layoutByName(layout)!;
  const out: Pkt[] = [];
  for (let s = 0; s < slots; s++) for (let k = 0; k < 3; k++) out.push({ mac: MACS[k], ts: t0 + s * 10_000 + k * 1000, layout, rssi: -40 - k, buf: iq(l.len) });
  return out;
}
