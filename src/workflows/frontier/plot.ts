// The frontier plot (docs/frontier.svg), drawn here as plain SVG: deployed torso-PCK@20 against the cost on
// the chip (the ESP32-C3 latency estimate when bench has it, else rv32imc instructions per inference) and
// against flash (weights + kernel code). One marker per size and precision; the Pareto frontier of the
// deployed (int8, int4) markers drawn as a staircase; fp32 only in the flash panel, hollow, at its float32
// weight bytes (no kernel runs it). What fits which chip: a filled marker fits the ESP32-C3 and the
// ESP32-S3, a ringed one only the S3 (its arena needs PSRAM), a crossed one neither; the flash panel draws
// the 4 MB flash budget.
import { CHIPS, ESP32_C3 } from './chips.ts';
import type { FrontierResult, FrontierRow, Precision, Size } from './measure.ts';
import { paretoFront } from './pareto.ts';

export const SIZE_COLORS: Record<Size, string> = {
  nano: '#1b9e77',
  micro: '#d95f02',
  tiny: '#7570b3',
  small: '#e7298a',
  base: '#66a61e',
};

const W = 1000;
const H = 540;
const PANEL = { top: 58, height: 330, width: 390 };
const LEFTS = [80, 570];

interface Marker {
  row: FrontierRow;
  x: number;
  y: number;
  /** Horizontal range (the latency estimate's low..high). */
  xRange?: [number, number];
  hollow: boolean;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}

const fmt = (v: number, digits = 3) => Number(v.toPrecision(digits)).toString();
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function scale(a: Axis, v: number, from: number, length: number): number {
  const t = a.log ? (Math.log10(v) - Math.log10(a.lo)) / (Math.log10(a.hi) - Math.log10(a.lo)) : (v - a.lo) / (a.hi - a.lo);
  return from + t * length;
}

/** Log-axis ticks at 1, 2, 5 x 10^k inside [lo, hi]. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

/** Log-axis ticks for bytes: powers of two (16 KB, 32 KB, ..., 4 MB) inside [lo, hi]. */
export function byteTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(Math.log2(lo)); 2 ** k <= hi; k++) out.push(2 ** k);
  return out;
}

function linearTicks(lo: number, hi: number): number[] {
  const step = [1, 2, 5, 10, 20].find((s) => (hi - lo) / s <= 8) ?? 50;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

function bytesLabel(v: number): string {
  if (v >= 1024 * 1024) return `${fmt(v / (1024 * 1024))} MB`;
  if (v >= 1024) return `${fmt(v / 1024)} KB`;
  return `${v} B`;
}

function countLabel(v: number): string {
  if (v >= 1e6) return `${fmt(v / 1e6)}M`;
  if (v >= 1e3) return `${fmt(v / 1e3)}k`;
  return String(v);
}

function shape(p: Precision, x: number, y: number, color: string, fill: string, stroke = 1.5): string {
  const a = `fill="${fill}" stroke="${color}" stroke-width="${stroke}"`;
  if (p === 'int4') return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5.5" ${a}/>`;
  if (p === 'int8') return `<rect x="${(x - 5).toFixed(1)}" y="${(y - 5).toFixed(1)}" width="10" height="10" ${a}/>`;
  return `<path d="M${x.toFixed(1)} ${(y - 6.5).toFixed(1)} l6.5 6.5 l-6.5 6.5 l-6.5 -6.5 z" ${a}/>`;
}

/** A marker: filled when it fits every chip, ringed when only the S3 (PSRAM), crossed when none. */
function marker(m: Marker, x: number, y: number): string {
  const color = SIZE_COLORS[m.row.size];
  const fitsAll = m.row.deployed !== null && m.row.deployed.fits.length === CHIPS.length;
  const fitsSome = m.row.deployed !== null && m.row.deployed.fits.length > 0;
  const title = `<title>${esc(`${m.row.size} ${m.row.precision}`)}</title>`;
  if (m.hollow) return `<g>${title}${shape(m.row.precision, x, y, color, 'white')}</g>`;
  const parts = [shape(m.row.precision, x, y, color, fitsAll ? color : 'white', fitsAll ? 1.5 : 2.5)];
  if (fitsSome && !fitsAll) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="9" fill="none" stroke="${color}" stroke-width="1"/>`);
  if (!fitsSome) parts.push(`<path d="M${x - 7} ${y - 7} l14 14 m0 -14 l-14 14" stroke="black" stroke-width="1.5"/>`);
  return `<g>${title}${parts.join('')}</g>`;
}

interface PanelSpec {
  left: number;
  title: string;
  xLabel: string;
  markers: Marker[];
  xTickLabel: (v: number) => string;
  xTicks: (lo: number, hi: number) => number[];
  /** Vertical budget lines: x value and label. */
  budgets: { x: number; label: string }[];
}

function panel(p: PanelSpec, yAxis: Axis): string {
  const { top, height, width } = PANEL;
  const xs = p.markers.flatMap((m) => (m.xRange ? m.xRange : [m.x])).concat(p.budgets.map((b) => b.x));
  const xAxis: Axis = { lo: Math.min(...xs) / 1.35, hi: Math.max(...xs) * 1.35, log: true };
  const X = (v: number) => scale(xAxis, v, p.left, width);
  const Y = (v: number) => scale(yAxis, v, top + height, -height);
  const out: string[] = [];
  out.push(`<text x="${p.left + width / 2}" y="${top - 14}" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<rect x="${p.left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#444"/>`);
  for (const t of p.xTicks(xAxis.lo, xAxis.hi)) {
    const x = X(t);
    out.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + height}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${top + height + 16}" text-anchor="middle" font-size="11">${esc(p.xTickLabel(t))}</text>`);
  }
  for (const t of linearTicks(yAxis.lo, yAxis.hi)) {
    const y = Y(t);
    out.push(`<line x1="${p.left}" y1="${y.toFixed(1)}" x2="${p.left + width}" y2="${y.toFixed(1)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${p.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(t)}</text>`);
  }
  out.push(`<text x="${p.left + width / 2}" y="${top + height + 36}" text-anchor="middle" font-size="12">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(${p.left - 44} ${top + height / 2}) rotate(-90)" text-anchor="middle" font-size="12">torso-PCK@20 (%)</text>`);
  for (const b of p.budgets) {
    const x = X(b.x);
    out.push(`<rect x="${x.toFixed(1)}" y="${top}" width="${(p.left + width - x).toFixed(1)}" height="${height}" fill="#f3dede" opacity="0.6"/>`);
    out.push(`<line x1="${x.toFixed(1)}" y1="${top}" x2="${x.toFixed(1)}" y2="${top + height}" stroke="#b33" stroke-dasharray="5 3"/>`);
    out.push(`<text x="${(x - 4).toFixed(1)}" y="${top + 14}" text-anchor="end" font-size="11" fill="#b33">${esc(b.label)}</text>`);
  }
  const deployed = p.markers.filter((m) => !m.hollow);
  const front = paretoFront(deployed.map((m) => ({ cost: m.x, accuracy: m.y }))).map((i) => deployed[i]);
  if (front.length > 0) {
    const pts: string[] = [];
    front.forEach((m, k) => {
      if (k > 0) pts.push(`${X(m.x).toFixed(1)},${Y(front[k - 1].y).toFixed(1)}`);
      pts.push(`${X(m.x).toFixed(1)},${Y(m.y).toFixed(1)}`);
    });
    out.push(`<polyline class="frontier" points="${pts.join(' ')}" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="6 3"/>`);
  }
  for (const m of p.markers) {
    if (m.xRange) {
      const y = Y(m.y).toFixed(1);
      out.push(`<line x1="${X(m.xRange[0]).toFixed(1)}" y1="${y}" x2="${X(m.xRange[1]).toFixed(1)}" y2="${y}" stroke="${SIZE_COLORS[m.row.size]}" stroke-width="1.5"/>`);
    }
  }
  // Labels go above-right of their marker, or the first of three other places that overlaps no label already
  // placed (two sizes at one accuracy would otherwise print over each other).
  const placed: { x0: number; x1: number; y: number }[] = [];
  for (const m of p.markers) {
    const x = X(m.x);
    const y = Y(m.y);
    out.push(marker(m, x, y));
    const text = `${m.row.size} ${m.row.precision}${m.row.deployed?.actBits === 16 ? ' (a16)' : ''}`;
    const w = text.length * LABEL_CHAR_PX;
    const spots = [[x + 9, y - 7], [x + 9, y + 15], [x - 9 - w, y - 7], [x - 9 - w, y + 15]];
    const free = (sx: number, sy: number) => placed.every((b) => Math.abs(b.y - sy) >= 11 || sx + w <= b.x0 || sx >= b.x1);
    const [lx, ly] = spots.find(([sx, sy]) => free(sx, sy)) ?? spots[0];
    placed.push({ x0: lx, x1: lx + w, y: ly });
    out.push(`<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" font-size="10" fill="#333">${esc(text)}</text>`);
  }
  return out.join('\n');
}

/** Approximate width of one character of a 10 px sans-serif label, for keeping labels apart. */
const LABEL_CHAR_PX = 5.6;

/** The cost on the chip of a deployed row: the latency estimate's midpoint (and its range), or instructions. */
function chipCost(r: FrontierRow, latency: boolean): { x: number; xRange?: [number, number] } {
  const d = r.deployed!;
  if (latency && d.c3LatencyMs) return { x: (d.c3LatencyMs.low + d.c3LatencyMs.high) / 2, xRange: [d.c3LatencyMs.low, d.c3LatencyMs.high] };
  return { x: d.rv32Instructions };
}

export function renderFrontierSvg(res: FrontierResult): string {
  const deployedRows = res.rows.filter((r) => r.deployed !== null);
  const fp32Rows = res.rows.filter((r) => r.deployed === null);
  const ys = [...deployedRows.map((r) => r.deployed!.pck20), ...fp32Rows.map((r) => r.referencePck20)];
  const yAxis: Axis = { lo: Math.floor(Math.min(...ys) - 2), hi: Math.ceil(Math.max(...ys) + 2), log: false };
  const latency = res.latency;
  const left = panel(
    {
      left: LEFTS[0],
      title: latency ? 'accuracy vs latency on the ESP32-C3' : 'accuracy vs rv32imc instructions',
      xLabel: latency
        ? 'ESP32-C3 latency estimate per inference, ms (bench, flash-cache model; bar: low..high)'
        : `rv32imc instructions per inference (${res.espIdfFlags ? 'ESP-IDF compile line' : 'bench flags gcc -O2, not yet ESP-IDF\'s'})`,
      markers: deployedRows.map((r) => ({ row: r, ...chipCost(r, latency), y: r.deployed!.pck20, hollow: false })),
      xTickLabel: latency ? (v) => fmt(v) : countLabel,
      xTicks: logTicks,
      budgets: [],
    },
    yAxis,
  );
  const right = panel(
    {
      left: LEFTS[1],
      title: 'accuracy vs flash',
      xLabel: 'flash: weights + kernel code, bytes (fp32: its float32 weights)',
      markers: [
        ...deployedRows.map((r) => ({ row: r, x: r.deployed!.flashBytes, y: r.deployed!.pck20, hollow: false })),
        ...fp32Rows.map((r) => ({ row: r, x: r.fp32WeightBytes!, y: r.referencePck20, hollow: true })),
      ],
      xTickLabel: bytesLabel,
      xTicks: byteTicks,
      budgets: [{ x: ESP32_C3.flashBytes, label: 'C3 / S3 flash: 4 MB' }],
    },
    yAxis,
  );
  const legendY = PANEL.top + PANEL.height + 62;
  const legend: string[] = [];
  let x = LEFTS[0];
  for (const s of res.sizes) {
    legend.push(`<rect x="${x}" y="${legendY - 9}" width="12" height="12" fill="${SIZE_COLORS[s]}"/><text x="${x + 17}" y="${legendY + 1}" font-size="12">${s}</text>`);
    x += 70;
  }
  x += 10;
  for (const p of ['int4', 'int8', 'fp32'] as const) {
    legend.push(`${shape(p, x + 6, legendY - 3, '#555', p === 'fp32' ? 'white' : '#555')}<text x="${x + 17}" y="${legendY + 1}" font-size="12">${p === 'fp32' ? 'fp32 (reference, flash panel only)' : p}</text>`);
    x += p === 'fp32' ? 220 : 60;
  }
  const notes = [
    'Filled: fits the ESP32-C3 (400 KB SRAM, 4 MB flash) and the ESP32-S3 (512 KB SRAM + PSRAM), by the measured arena, IRAM/DRAM placement and flash;',
    'ringed: the S3 only; crossed: neither. Dashed staircase: the Pareto frontier of the deployed (int8, int4) models; (a16): int16 activations.',
    `Arena (SRAM) of the deployed models: ${bytesLabel(Math.min(...deployedRows.map((r) => r.deployed!.arenaBytes)))} to ` +
      `${bytesLabel(Math.max(...deployedRows.map((r) => r.deployed!.arenaBytes)))}. torso-PCK@20: the virtual node on the ${res.testWindows} test windows (fp32: the reference model).`,
  ];
  notes.forEach((t, i) => legend.push(`<text x="${LEFTS[0]}" y="${legendY + 22 + 17 * i}" font-size="12">${esc(t)}</text>`));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">pose-edge: the efficiency frontier as deployed</text>`,
    left,
    right,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
