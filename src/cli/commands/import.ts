// `pose-edge import <log...> --out rec.pecsrec [--npy X.npy] [--links MAC0,MAC1,MAC2]`: esp-csi and ESP32-CSI-Tool
// logs -> a CSI recording the virtual node replays through the live path, and the windows the node builds from
// it. Option parsing and the summary table; the work is in src/host/import/ (docs/import.md).
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { PoseEdgeError } from '../errors.ts';
import { checkDistinctOutputs, checkOutputFile } from '../../io/output-paths.ts';
import { writeFilesAtomic } from '../../io/atomic-files.ts';
import { escapeTerminal, jsonLine } from '../../io/terminal-text.ts';
import { printWarning } from '../warn.ts';
import { numberIn } from '../options.ts';
import type { Timestamps } from '../../host/import/import-logs.ts';

export class ImportUsageError extends PoseEdgeError {}

interface RawOptions {
  out: string;
  npy?: string;
  links?: string;
  hop: string;
  modelDir?: string;
  json?: boolean;
}

const FORMAT_NAMES: Record<string, string> = { 'esp-csi': 'esp-csi', 'esp-csi-c5c6': 'esp-csi C5/C6', 'esp32-csi-tool': 'ESP32-CSI-Tool' };

export function register(program: Command): void {
  program
    .command('import')
    .description('read esp-csi / ESP32-CSI-Tool CSI logs into a CSI recording (PECSREC2) the virtual node replays, and the windows the node builds from it')
    .argument('<log...>', 'log files (idf.py monitor output, the tools\' CSV); read in the order given')
    .requiredOption('--out <file>', 'the CSI recording to write (for `pose-edge node --virtual --replay-csi FILE`)')
    .option('--npy <file>', 'also write the windows the node builds, float32 [N,3,114,10] raw amplitudes (as `stream export --npy`)')
    .option('--links <macs>', 'transmitter MACs of links 0,1,2 (default: the three most frequent, in order of first appearance)')
    .addOption(new Option('--hop <n>', 'slots between two windows, 1..10 (the node\'s default)').default('5'))
    .option('--model-dir <dir>', 'model whose input format the windows are computed in (default: as `node --virtual`)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nFormats, quirks and the summary: docs/import.md')
    .action(async (logs: string[], raw: RawOptions) => {
      const out = checkOutputFile(raw.out, { flag: '--out', inputs: logs });
      const npy = raw.npy === undefined ? undefined : checkOutputFile(raw.npy, { flag: '--npy', inputs: logs });
      checkDistinctOutputs([['--out', out], ['--npy', npy]]);
      const hop = numberIn('--hop', raw.hop, 1, 10, ImportUsageError);
      const { importLogs, parseLinks } = await import('../../host/import/import-logs.ts');
      const links = raw.links === undefined ? undefined : parseLinks(raw.links);
      const { readModelHeader, resolveModelDir } = await import('../../host/virtual-node.ts');
      const modelDir = resolveModelDir(raw.modelDir);
      const inputFracBits = readModelHeader(modelDir).inputFracBits;
      const r = await importLogs(logs.map((l) => resolve(l)), { links, hop, inputFracBits });
      const { encodeCsiRecording } = await import('../../host/protocol/csi-recording.ts');
      const { windowsNpy } = await import('../../host/stream/export.ts');
      const files: [string, Uint8Array][] = [[out, encodeCsiRecording(r.records)]];
      if (npy) files.push([npy, windowsNpy(r.windows)]);
      writeFilesAtomic(files, 'the imported recording');
      if (r.duplicateLinks) {
        const dup = r.links.filter((m, i) => r.links.indexOf(m) !== i);
        printWarning(`--links: ${[...new Set(dup)].map((m) => `${m} feeds links ${r.links.flatMap((x, k) => (x === m ? [k] : [])).join(' and ')}`).join('; ')}: the model sees a duplicated link`);
      }
      const summary = {
        files: r.files, linesRead: r.linesRead, rowsUsed: r.transmitters.filter((t) => t.links.length).reduce((n, t) => n + t.rows, 0),
        formats: r.formats, links: r.links, duplicateLinks: r.duplicateLinks, transmitters: r.transmitters, skipped: r.skipped, timestamps: r.timestamps,
        records: r.records.length, slots: r.slots, windows: r.windows.length, hop, inputFracBits, modelDir, out, npy: npy ?? null,
      };
      if (raw.json) process.stdout.write(`${jsonLine(summary)}\n`);
      else process.stdout.write(formatSummary(summary));
    });
}

type Summary = {
  files: { path: string; lines: number; rows: number }[];
  linesRead: number;
  rowsUsed: number;
  formats: Record<string, number>;
  transmitters: { mac: string; links: number[]; rows: number; layouts: Record<string, number> }[];
  skipped: { what: string; lines: number; first: string }[];
  timestamps: Timestamps;
  records: number;
  slots: number;
  windows: number;
  hop: number;
  inputFracBits: number;
  out: string;
  npy: string | null;
};

function formatSummary(s: Summary): string {
  const ms = (us: number | null) => (us === null ? 'n/a' : us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : `${(us / 1e3).toFixed(1)} ms`);
  const at = (where: string | null) => (where === null ? '' : ` at ${escapeTerminal(where)}`);
  const formats = Object.entries(s.formats).filter(([, n]) => n > 0).map(([f, n]) => `${FORMAT_NAMES[f] ?? f} ${n}`);
  const lines = [
    `import: ${s.files.length} file${s.files.length === 1 ? '' : 's'}, ${s.linesRead} lines read, ${s.rowsUsed} CSI rows used${formats.length ? ` (${formats.join(', ')})` : ''}`,
    ...s.files.map((f) => `  ${escapeTerminal(f.path)}: ${f.lines} lines, ${f.rows} CSI rows`),
    'records used per transmitter:',
    ...s.transmitters.map((t) => {
      const link = t.links.length ? `link ${t.links.join('+')}` : 'unused';
      const layouts = Object.entries(t.layouts).map(([l, n]) => `${l} ${n}`).join(', ');
      return `  ${link.padEnd(9)} ${t.mac}  ${String(t.rows).padStart(7)} rows  ${t.links.length ? layouts : '(not mapped to a link: skipped)'}`;
    }),
    s.skipped.length ? 'lines skipped:' : 'lines skipped: none',
    ...s.skipped.map((k) => `  ${k.what.padEnd(84)} ${String(k.lines).padStart(7)}  first at ${escapeTerminal(k.first)}`),
    `timestamps: median step ${ms(s.timestamps.medianStepUs)}; ${s.timestamps.reordered} rows reordered${at(s.timestamps.firstReorderedAt)}; ` +
      `${s.timestamps.gaps} gaps over ${ms(s.timestamps.gapThresholdUs)}${s.timestamps.gaps ? ` (largest ${ms(s.timestamps.largestGapUs)}${at(s.timestamps.largestGapAt)})` : ''}; ` +
      `${s.timestamps.clockResets} clock resets${at(s.timestamps.firstResetAt)}; ${s.timestamps.wraps} wraps`,
    `wrote ${escapeTerminal(s.out)}: ${s.records} records, ${s.slots} slots of 3 links, ${s.windows} windows (hop ${s.hop})`,
    ...(s.npy ? [`wrote ${escapeTerminal(s.npy)}: float32 [${s.windows},3,114,10] (the node's windows in its input format, 2^-${s.inputFracBits} steps)`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
