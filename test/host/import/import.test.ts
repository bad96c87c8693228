// `pose-edge import`: every log format and quirk of docs/import.md from logs this test writes the way the tools
// print them (./logs.ts), checked against the packets they were made from: the records (byte for byte), the
// summary table (lines read, rows per transmitter, lines skipped per reason with the first line), the timestamp
// rules (reordering, gaps, clock resets, wraps), the link mapping and its errors, and the output rules.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importLogs, type ImportResult } from '../../../src/host/import/import-logs.ts';
import { readCsiRecording, type CsiRecord } from '../../../src/host/protocol/csi-recording.ts';
import { layoutByName } from '../../../src/data/csi-layouts.ts';
import { runCliResult } from '../../helpers/cli.ts';
import { C5C6_HEADER, C5C6_HEADER_RX_FORMAT, CLASSIC_HEADER, MACS, TOOL_HEADER, c5c6Line, classicLine, iq, packets, toolLine, type DataStyle, type Pkt } from './logs.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
function log(lines: string[], eol = '\n'): string {
  const path = join(tmp, `log-${fileNo++}.txt`);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}
const OPTS = { hop: 5, inputFracBits: 7 };
/** The records a packet list should become (3 links in MACS order). */
const want = (ps: Pkt[], links = MACS.slice(0, 3)): CsiRecord[] =>
  ps.flatMap((p) =>
    links.flatMap((m, link) =>
      m === p.mac ? [{ timestampUs: p.ts, link, rssi: p.rssi ?? -50, layout: layoutByName(p.layout)!.id, firstWordInvalid: p.fwi ?? false, channel: p.channel ?? 6, buf: p.buf }] : [],
    ),
  );
const plain = (rs: CsiRecord[]) => rs.map((r) => ({ ...r, buf: Array.from(r.buf) }));
const skips = (r: ImportResult) => Object.fromEntries(r.skipped.map((s) => [s.reason, [s.lines, s.first.slice(s.first.lastIndexOf(':') + 1)]]));

describe('formats', () => {
  const CASES: [string, (ps: Pkt[]) => string[], string][] = [
    ['esp-csi classic, header, quoted [a,b,...]', (ps) => [CLASSIC_HEADER, ...ps.map((p, i) => classicLine(p, i))], 'ht40-below'],
    ['esp-csi classic, no header, quoted a,b,...', (ps) => ps.map((p, i) => classicLine(p, i, 'quoted-comma')), 'ht20'],
    ['esp-csi classic, no header, [a b ... ]', (ps) => ps.map((p, i) => classicLine(p, i, 'bracket-space')), 'ht40-stbc-above'],
    ['esp-csi C5/C6 (C6 HT40), header', (ps) => [C5C6_HEADER, ...ps.map((p, i) => c5c6Line(p, i))], 'c6-ht40'],
    ['esp-csi C5/C6 (C6 HE20), no header, [a b ... ]', (ps) => ps.map((p, i) => c5c6Line(p, i, 'bracket-space')), 'c6-he20'],
    ['esp-csi C5/C6 (C5 HT40), header with rx_format', (ps) => [C5C6_HEADER_RX_FORMAT, ...ps.map((p, i) => c5c6Line(p, i, 'quoted-bracket-comma', 2))], 'c5-ht40'],
    ['esp-csi C5/C6 (C5 HT20), no header, quoted a,b,...', (ps) => ps.map((p, i) => c5c6Line(p, i, 'quoted-comma')), 'c5-ht20'],
    ['ESP32-CSI-Tool, header, uint8 values [a b ... ]', (ps) => [TOOL_HEADER, ...ps.map((p) => toolLine(p))], 'ht40-below'],
    ['ESP32-CSI-Tool, no header, int8 values', (ps) => ps.map((p) => toolLine(p, 'bracket-space')), 'ht20-below'],
  ];
  it.each(CASES)('%s', async (_name, lines, layout) => {
    const ps = packets(4, layout);
    const r = await importLogs([log(lines(ps))], OPTS);
    expect(plain(r.records)).toEqual(plain(want(ps)));
    expect(r.links).toEqual(MACS.slice(0, 3));
    expect(r.transmitters.map((t) => [t.mac, t.links, t.rows, t.layouts])).toEqual(MACS.slice(0, 3).map((m, k) => [m, [k], 4, { [layout]: 4 }]));
    expect(r.linesRead).toBe(lines(ps).length);
    expect(r.slots).toBe(4);
  });

  it('a C5/C6 header with rx_format checks the packet format: an HE length with an HT format is no layout', async () => {
    const ps = packets(3, 'c6-he20');
    const r = await importLogs([log([C5C6_HEADER_RX_FORMAT, ...ps.map((p, i) => c5c6Line(p, i, 'quoted-bracket-comma', i === 4 ? 2 : 4))])], OPTS);
    expect(skips(r)['unknown-layout']).toEqual([1, '6']);
    expect(r.records).toHaveLength(8);
  });
});

describe('a messy idf.py monitor log', () => {
  // Every quirk of docs/import.md in one file, line numbers in comments. 12 slots of 3 transmitters, one packet an
  // HT40 STBC buffer (612 bytes) and one an HT20 buffer with first_word_invalid among the HT40 ones.
  const good = packets(12, 'ht40-below');
  good[4] = { ...good[4], layout: 'ht40-stbc-below', buf: iq(612) };
  good[8] = { ...good[8], layout: 'ht20-below', buf: iq(256), fwi: true };
  const other = { mac: MACS[3], ts: good[10].ts + 1, layout: 'ht40-below', buf: iq(384) };
  const lines = [
    'ESP-ROM:esp32c3-api1-20210207', //                                                         1 other-text
    '\x1b[0;32mI (312) wifi:mode : sta (1a:00:00:00:00:0a)\x1b[0m', //                           2 other-text
    '', //                                                                                        3 empty
    CLASSIC_HEADER, //                                                                            4 header
    ...good.slice(0, 3).map((p, i) => classicLine(p, i)), //                                      5-7
    `\x1b[0;32mI (2040) csi_recv: ok ${classicLine(good[3], 3)}`, //                              8 glued to monitor text: used
    ...good.slice(4, 9).map((p, i) => classicLine(p, 4 + i)), //                                  9-13
    classicLine({ ...good[8], layout: 'nonht', buf: iq(128) }, 8), //                             14 non-HT: not used
    CLASSIC_HEADER, //                                                                            15 header again (a reset)
    classicLine(good[9], 9, 'quoted-bracket-comma', 128), //                                      16 len 128 but 384 values
    classicLine(other, 101), //                                                                   17 a fourth transmitter
    classicLine({ ...good[9], buf: iq(300) }, 9), //                                              18 no layout with 300 bytes
    classicLine(good[9], 9).replace(',"[', ',"[300,'), //                                         19 a value outside int8 (and odd count)
    classicLine(good[9], 9).replace(MACS[0], '1a:00:00:00:00'), //                                20 a bad MAC
    'CSI_DATA,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"[1,2]"', //                       21 fits no format
    ...good.slice(9).map((p, i) => classicLine(p, 9 + i)), //                                     22-48
    classicLine(good[0], 0).slice(0, 400), //                                                     49 cut in the middle (last line)
  ];

  it('uses every line that can be used, and counts the rest per reason with the first line', async () => {
    const file = log(lines, '\r\n');
    const r = await importLogs([file], OPTS);
    expect(r.linesRead).toBe(49);
    expect(skips(r)).toEqual({
      'other-text': [2, '1'],
      empty: [1, '3'],
      header: [2, '4'],
      'not-used': [1, '14'],
      'len-mismatch': [1, '16'],
      'unknown-layout': [1, '18'],
      'bad-values': [1, '19'],
      'bad-field': [1, '20'],
      'unknown-format': [1, '21'],
      truncated: [1, '49'],
      'other-transmitter': [1, '17'],
    });
    expect(r.skipped.find((s) => s.reason === 'len-mismatch')!.what).toBe('len field disagrees with the number of CSI values');
    expect(plain(r.records)).toEqual(plain(want(good)));
    expect(r.records[8]).toMatchObject({ layout: layoutByName('ht20-below')!.id, firstWordInvalid: true });
    expect(r.transmitters.map((t) => [t.mac, t.links, t.rows, t.layouts])).toEqual([
      [MACS[0], [0], 12, { 'ht40-below': 12 }],
      [MACS[1], [1], 12, { 'ht40-below': 11, 'ht40-stbc-below': 1 }],
      [MACS[2], [2], 12, { 'ht40-below': 11, 'ht20-below': 1 }],
      [MACS[3], [], 1, { 'ht40-below': 1 }],
    ]);
    expect(r.timestamps).toMatchObject({ reordered: 0, clockResets: 0, wraps: 0, gaps: 0, medianStepUs: 1000 });
    expect(r.slots).toBe(12);
    expect(r.windows).toHaveLength(1);
  });

  it('the CLI prints the summary table; --json the same as one object; the files are what import computed', async () => {
    const file = log(lines);
    const out = join(tmp, 'messy.pecsrec');
    const npy = join(tmp, 'messy.npy');
    const text = await runCliResult('import', [file, '--out', out, '--npy', npy]);
    expect(text.err).toBeNull();
    const t = text.stdout;
    expect(t).toContain('import: 1 file, 49 lines read, 36 CSI rows used (esp-csi 36)');
    expect(t).toContain(`  link 0    ${MACS[0]}       12 rows  ht40-below 12`);
    expect(t).toContain(`  link 1    ${MACS[1]}       12 rows  ht40-below 11, ht40-stbc-below 1`);
    expect(t).toContain(`  unused    ${MACS[3]}        1 rows  (not mapped to a link: skipped)`);
    expect(t).toMatch(/ {2}len field disagrees with the number of CSI values +1 {2}first at .*:16\n/);
    expect(t).toMatch(/ {2}incomplete line \(cut off: data list not closed, or fields missing\) +1 {2}first at .*:49\n/);
    expect(t).toContain('timestamps: median step 1.0 ms; 0 rows reordered; 0 gaps over 10.0 ms; 0 clock resets; 0 wraps');
    expect(t).toContain(`wrote ${out}: 36 records, 12 slots of 3 links, 1 windows (hop 5)`);
    expect(t).toContain(`wrote ${npy}: float32 [1,3,114,10]`);
    expect(plain(readCsiRecording(out))).toEqual(plain(want(good)));
    expect(existsSync(npy)).toBe(true);

    const j = await runCliResult('import', [file, '--out', join(tmp, 'messy2.pecsrec'), '--json']);
    const o = JSON.parse(j.stdout);
    expect(o).toMatchObject({ linesRead: 49, rowsUsed: 36, records: 36, slots: 12, windows: 1, hop: 5, duplicateLinks: false, links: MACS.slice(0, 3), npy: null });
    expect(o.formats).toEqual({ 'esp-csi': 36, 'esp-csi-c5c6': 0, 'esp32-csi-tool': 0 });
    expect(o.skipped.find((s: { reason: string }) => s.reason === 'truncated')).toEqual({
      reason: 'truncated', what: 'incomplete line (cut off: data list not closed, or fields missing)', lines: 1, first: `${file}:49`,
    });
    expect(Object.keys(o.timestamps).sort()).toEqual(
      ['clockResets', 'firstGapAt', 'firstReorderedAt', 'firstResetAt', 'gapThresholdUs', 'gaps', 'largestGapAt', 'largestGapUs', 'medianStepUs', 'reordered', 'wraps'].sort(),
    );
  });

  it('ESP32-CSI-Tool\'s default print (the first 128 bytes of a 384-byte buffer) is a len mismatch: the HT-LTF is not in the log', async () => {
    const ps = packets(2, 'ht40-below');
    const r = await importLogs([log([TOOL_HEADER, ...ps.map((p) => toolLine(p, 'bracket-space-uint8', p.buf.slice(0, 128))), ...packets(3, 'ht20').map((p) => toolLine(p))])], OPTS);
    expect(skips(r)['len-mismatch']).toEqual([6, '2']);
    expect(r.records).toHaveLength(9);
  });
});

describe('timestamps', () => {
  it('rows printed out of order are moved into place and counted; a gap is counted and kept', async () => {
    const ps = packets(30, 'ht40-below');
    for (const p of ps.slice(45)) p.ts += 2_000_000; // 2 s without packets after slot 15
    const shuffled = [...ps];
    [shuffled[10], shuffled[11]] = [shuffled[11], shuffled[10]];
    const r = await importLogs([log(shuffled.map((p, i) => classicLine(p, i)))], OPTS);
    expect(plain(r.records)).toEqual(plain(want(ps)));
    expect(r.timestamps).toMatchObject({ reordered: 1, gaps: 1, largestGapUs: 2_008_000, medianStepUs: 1000, gapThresholdUs: 10_000, clockResets: 0 });
    expect(r.timestamps.firstReorderedAt!.endsWith(':12')).toBe(true);
    expect(r.timestamps.largestGapAt!.endsWith(':46')).toBe(true);
  });

  it('a clock reset (receiver rebooted) starts a new segment after the old one; a u32 wrap is unwrapped', async () => {
    const x = packets(5, 'ht40-below', 3_000_000_000);
    const b = packets(5, 'ht40-below', 500_000); // a reboot: back by more than a second
    const w = packets(5, 'ht40-below', 2 ** 32 - 25_000).map((p) => ({ ...p, ts: p.ts % 2 ** 32 })); // wraps in slot 3
    const r = await importLogs([log(x.map((p, i) => classicLine(p, i))), log(b.map((p, i) => classicLine(p, i))), log(w.map((p, i) => classicLine(p, i)))], OPTS);
    expect(plain(r.records)).toEqual(plain(want([...x, ...b, ...w])));
    expect(r.timestamps).toMatchObject({ wraps: 1, clockResets: 1, reordered: 0 });
    expect(r.timestamps.firstResetAt).toBe(`${r.files[1].path}:1`);
    expect(r.files.map((f) => [f.lines, f.rows])).toEqual([[15, 15], [15, 15], [15, 15]]);
  });
});

describe('links', () => {
  const ps = packets(6, 'ht40-below');
  const fourth = packets(1, 'ht40-below').slice(0, 2).map((p) => ({ ...p, mac: MACS[3] }));
  // transmitter 4 first appears before transmitter 3, but sends less: the default takes 1, 2 and 3
  const lines = [classicLine(ps[0], 0), classicLine(ps[1], 1), ...fourth.map((p, i) => classicLine(p, 50 + i)), ...ps.slice(2).map((p, i) => classicLine(p, 2 + i))];

  it('default: the three most frequent transmitters in order of first appearance; the others skipped', async () => {
    const r = await importLogs([log(lines)], OPTS);
    expect(r.links).toEqual(MACS.slice(0, 3));
    expect(skips(r)['other-transmitter']).toEqual([2, '3']);
  });

  it('--links chooses and orders them; a MAC twice feeds two links (duplicated, with a warning)', async () => {
    const file = log(lines);
    const r = await importLogs([file], { ...OPTS, links: [MACS[3], MACS[1], MACS[0]] });
    expect(r.records.filter((x) => x.link === 0)).toHaveLength(2);
    expect(skips(r)['other-transmitter'][0]).toBe(6);
    const out = join(tmp, 'dup.pecsrec');
    const cli = await runCliResult('import', [file, '--out', out, '--links', `${MACS[0]},${MACS[0].toUpperCase()},${MACS[1]}`, '--json']);
    expect(cli.err).toBeNull();
    expect(cli.stderr).toBe(`pose-edge: warning: --links: ${MACS[0]} feeds links 0 and 1: the model sees a duplicated link\n`);
    expect(JSON.parse(cli.stdout)).toMatchObject({ duplicateLinks: true, links: [MACS[0], MACS[0], MACS[1]] });
    const recs = readCsiRecording(out);
    expect(recs.slice(0, 2).map((x) => [x.link, x.timestampUs])).toEqual([[0, ps[0].ts], [1, ps[0].ts]]);
    expect(Array.from(recs[1].buf)).toEqual(Array.from(recs[0].buf));
  });

  it('fewer than three transmitters: refused with the list of MACs and counts, nothing written', async () => {
    const file = log(ps.filter((p) => p.mac !== MACS[2]).map((p, i) => classicLine(p, i)));
    const out = join(tmp, 'two.pecsrec');
    const r = await runCliResult('import', [file, '--out', out]);
    expect((r.err as Error).message).toBe(
      `${file}: 2 transmitters with usable rows (${MACS[0]} (6 rows), ${MACS[1]} (6 rows)); the model needs 3 links: give --links MAC0,MAC1,MAC2 ` +
        '(a MAC may be given more than once; the model then sees that transmitter as several links)',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('--links errors name what is wrong', async () => {
    const file = log(lines);
    const bad = await runCliResult('import', [file, '--out', join(tmp, 'x.pecsrec'), '--links', `${MACS[0]},${MACS[1]}`]);
    expect((bad.err as Error).message).toBe(`--links ${MACS[0]},${MACS[1]}: expected 3 transmitter MACs aa:bb:cc:dd:ee:ff separated by commas`);
    const worse = await runCliResult('import', [file, '--out', join(tmp, 'x.pecsrec'), '--links', `${MACS[0]},${MACS[1]},zz`]);
    expect((worse.err as Error).message).toBe(`--links ${MACS[0]},${MACS[1]},zz: expected 3 transmitter MACs aa:bb:cc:dd:ee:ff separated by commas ('zz' is not one)`);
    const absent = await runCliResult('import', [file, '--out', join(tmp, 'x.pecsrec'), '--links', `${MACS[0]},${MACS[1]},aa:bb:cc:dd:ee:ff`]);
    expect((absent.err as Error).message).toMatch(/^--links names aa:bb:cc:dd:ee:ff, which sent no usable row in .*; transmitters seen: 1a:00:00:00:00:01 \(6 rows\), /);
  });
});

describe('files', () => {
  it('refuses to write over its own input, and names a log that is not there', async () => {
    const file = log(packets(2, 'ht20').map((p, i) => classicLine(p, i)));
    const before = readFileSync(file);
    const self = await runCliResult('import', [file, '--out', file]);
    expect((self.err as Error).message).toBe(`--out ${file}: is also an input of this command (${file}); refusing to overwrite it`);
    expect(readFileSync(file)).toEqual(before);
    const gone = await runCliResult('import', [join(tmp, 'nope.log'), '--out', join(tmp, 'nope.pecsrec')]);
    expect((gone.err as Error).message).toBe(`${join(tmp, 'nope.log')}: no such file or directory (reading a CSI log)`);
  });

  it.each(['quoted-bracket-comma', 'quoted-comma', 'bracket-space'] as DataStyle[])('a line cut anywhere is skipped as truncated, never misread (%s)', async (style) => {
    const ps = packets(3, 'ht40-below');
    const full = classicLine(ps[8], 8, style);
    for (const cut of [10, 60, 150, full.length - 1]) {
      const r = await importLogs([log([...ps.slice(0, 8).map((p, i) => classicLine(p, i, style)), full.slice(0, cut)])], OPTS);
      expect(r.records, `cut at ${cut}`).toHaveLength(8);
      expect(r.skipped.map((s) => s.reason), `cut at ${cut}`).toEqual(['truncated']);
    }
  });
});
