// `parity --report FILE`: one self-contained HTML page (no scripts, no external files) with inline SVG:
// a histogram of node-vs-reference keypoint errors (fraction of torso), per-keypoint torso-PCK@20 bars of
// node and reference against the labels, and a few skeletons with node, reference and ground truth overlaid.
import type { ParityResult } from './run.ts';
import { COCO_BONES, COCO_NAMES } from '../../data/coco17.ts';
import { describeCsiInfo } from '../../host/protocol/messages.ts';

const COLORS = { node: '#d9480f', ref: '#1971c2', gt: '#2b8a3e' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function histogram(errs: Float64Array, bins = 40): string {
  const W = 640, H = 220, pad = 36;
  const finite = Array.from(errs).filter(Number.isFinite);
  const hi = Math.max(1e-9, ...finite);
  const counts = new Array<number>(bins).fill(0);
  for (const e of finite) counts[Math.min(bins - 1, Math.floor((e / hi) * bins))]++;
  const cmax = Math.max(1, ...counts);
  const bw = (W - 2 * pad) / bins;
  const bars = counts
    .map((c, i) => {
      const h = ((H - 2 * pad) * c) / cmax;
      return `<rect x="${(pad + i * bw).toFixed(1)}" y="${(H - pad - h).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS.node}"><title>${c} keypoints</title></rect>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="error histogram">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>${bars}
<text x="${pad}" y="${H - 12}" font-size="11">0</text><text x="${W - pad}" y="${H - 12}" font-size="11" text-anchor="end">${(100 * hi).toFixed(3)}% of torso</text>
<text x="${pad}" y="14" font-size="11">max bin ${cmax} keypoints (${finite.length} in all)</text></svg>`;
}

function pckBars(node: number[], ref: number[]): string {
  const W = 720, H = 240, pad = 36;
  const gw = (W - 2 * pad) / 17;
  const bar = (v: number, i: number, j: number, color: string) => {
    const h = ((H - 2 * pad - 20) * v) / 100;
    return `<rect x="${(pad + i * gw + 2 + j * (gw / 2 - 2)).toFixed(1)}" y="${(H - pad - 20 - h).toFixed(1)}" width="${(gw / 2 - 3).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${COCO_NAMES[i]}: ${v.toFixed(1)}%</title></rect>`;
  };
  const labels = COCO_NAMES.map((n, i) => `<text x="${(pad + i * gw + gw / 2).toFixed(1)}" y="${H - pad}" font-size="9" text-anchor="end" transform="rotate(-45 ${(pad + i * gw + gw / 2).toFixed(1)} ${H - pad})">${n}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="per-keypoint PCK">
${node.map((v, i) => bar(ref[i], i, 0, COLORS.ref) + bar(v, i, 1, COLORS.node)).join('')}
<line x1="${pad}" y1="${H - pad - 20}" x2="${W - pad}" y2="${H - pad - 20}" stroke="#333"/>${labels}
<text x="${pad}" y="14" font-size="11">torso-PCK@20 per keypoint (0..100%): <tspan fill="${COLORS.ref}">reference</tspan>, <tspan fill="${COLORS.node}">node</tspan></text></svg>`;
}

function skeleton(poses: { kp: Float32Array; off: number; color: string; dash?: string }[], title: string): string {
  const S = 200;
  const all: number[] = [];
  for (const p of poses) for (let k = 0; k < 34; k++) all.push(p.kp[p.off + k]);
  const xs = all.filter((_, i) => i % 2 === 0), ys = all.filter((_, i) => i % 2 === 1);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const span = Math.max(x1 - x0, y1 - y0, 1e-6);
  const px = (x: number) => 10 + ((x - x0) / span) * (S - 20);
  const py = (y: number) => 10 + ((y - y0) / span) * (S - 20);
  const lines = poses
    .map((p) =>
      COCO_BONES.map(([a, b]) => `<line x1="${px(p.kp[p.off + 2 * a]).toFixed(1)}" y1="${py(p.kp[p.off + 2 * a + 1]).toFixed(1)}" x2="${px(p.kp[p.off + 2 * b]).toFixed(1)}" y2="${py(p.kp[p.off + 2 * b + 1]).toFixed(1)}" stroke="${p.color}" stroke-width="2"${p.dash ? ` stroke-dasharray="${p.dash}"` : ''}/>`).join(''),
    )
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}" role="img" aria-label="${esc(title)}"><rect width="${S}" height="${S}" fill="#f8f9fa"/>${lines}</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

export function renderParityReport(r: ParityResult, count = 6): string {
  const j = r.json;
  const n = j.samples;
  const picks = Array.from({ length: Math.min(count, n) }, (_, i) => Math.floor((i * n) / Math.min(count, n)));
  const skeletons = picks
    .map((s) =>
      skeleton(
        [
          ...(r.labels ? [{ kp: r.labels, off: s * 34, color: COLORS.gt }] : []),
          { kp: r.refKp, off: s * 34, color: COLORS.ref },
          { kp: r.nodeKp, off: s * 34, color: COLORS.node, dash: '4 3' },
        ],
        `window ${r.windowIndex[s]}`,
      ),
    )
    .join('');
  const fmt = (v: number | null, d = 3) => (v === null ? 'n/a' : Number.isFinite(v) ? v.toFixed(d) : String(v));
  const pct = (v: number | null) => (v === null ? 'n/a' : `${fmt(v, 2)}%`);
  const rows: [string, string][] = [
    ['samples', String(n)],
    ['model', j.model],
    ['model SHA-256 (compiled / node)', `${j.modelSha256} / ${j.nodeModelSha256}`],
    ['node', `${j.port} (${j.chip}, firmware ${j.firmwareVersion}${j.virtual ? ', virtual' : ''})`],
    ['node CSI', describeCsiInfo(j.csi)],
    ['bit-exact vs integer simulator', `${j.bitExact} (${j.mismatches} windows differ)`],
    ['mean / max error vs reference (fraction of torso)', `${fmt(j.meanErrTorso, 5)} / ${fmt(j.maxErrTorso, 5)}`],
    ['torso-PCK@20 agreement with reference', pct(j.pckAgreement)],
    ['torso-PCK@20 vs labels: reference / node', `${pct(j.pckRef)} / ${pct(j.pckNode)}`],
    ['inference cycles (median)', `${fmt(j.cyclesMedian, 0)} at ${j.cycleHz} Hz${j.usMedian === null ? '' : ` = ${j.usMedian.toFixed(1)} µs`}`],
    ['timeouts / retries', `${j.timeouts} / ${j.retries}`],
    ['lost windows (no answer after all attempts)', j.lostWindows.length ? j.lostWindows.join(', ') : 'none'],
    ['result', j.pass ? 'PASS' : `FAIL: ${j.failed.join('; ')}`],
  ];
  const pck = r.comparison.perKeypointNode && r.comparison.perKeypointRef ? pckBars(r.comparison.perKeypointNode, r.comparison.perKeypointRef) : '<p>No labels given: no PCK against ground truth.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pose-edge parity report</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}td{padding:2px 8px;border-bottom:1px solid #ddd}figure{display:inline-block;margin:4px}figcaption{text-align:center;font-size:12px}</style></head>
<body><h1>pose-edge parity</h1>
<table>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>
<h2>Node vs reference: keypoint error histogram</h2>${histogram(r.comparison.errTorso)}
<h2>Per-keypoint torso-PCK@20 against the labels</h2>${pck}
<h2>Skeletons</h2><p><span style="color:${COLORS.gt}">ground truth</span>, <span style="color:${COLORS.ref}">reference</span>, <span style="color:${COLORS.node}">node (dashed)</span></p>${skeletons}
</body></html>
`;
}
