// Does the browser view keep up? Three links at 100 packets/s each plus 20 keypoint frames/s: the virtual node
// replays a synthetic CSI recording at 300 packets/s (100 slots of 3 links) with hop 5 (one window every 5
// slots), `pose-edge stream --web` runs as its own process (as a user runs it), and headless Chromium shows
// the page. Prints, for the time the page was connected: keypoint frames the host received (the --json
// lines), that reached the page, and that the page drew as the skeleton; CSI rows (one per link of a
// CSI_PACKET) the host received, that reached the page and that were painted into a heatmap; the page's
// redraws per second; the CPU time each process used. A measurement, not a test: it asserts nothing.
//
//   npx tsx bench/web-view.ts [--seconds 20] [--screenshot docs/web-view.png]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVirtualNode } from '../src/host/virtual-node.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { launchChromium, writeCsiRecording, type PageWindow } from '../test/helpers/web.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string | undefined) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const SECONDS = Number(opt('--seconds', '20'));
const SCREENSHOT = opt('--screenshot', undefined);
const BIN = fileURLToPath(new URL('../bin/pose-edge.mjs', import.meta.url));
// The files the virtual node's model was compiled from, so the page's model check has something to check.
const report = JSON.parse(readFileSync(join(REPO_ROOT, 'firmware/components/pose_model/compile-report.json'), 'utf8'));
const MODEL = ['--model', report.model, '--weights', report.weights];

/** User + system CPU seconds of a process and its threads so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-web-bench-'));
const rec = join(tmp, 'loop.pecsrec');
writeCsiRecording(rec, 600);
const node = await startVirtualNode({ replayCsi: rec, packetRate: 300, loop: true, hop: 5 });
const browser = await launchChromium();
try {
  const child = spawn(process.execPath, [BIN, 'stream', node.port, '--json', '--web', '127.0.0.1:0', '--duration', String(SECONDS + 3), ...MODEL], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: REPO_ROOT,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      const m = /browser view at (\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`stream exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const page = await browser.newPage({ viewport: { width: 1400, height: 1120 } });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as PageWindow).__poseEdge.stats.kpDrawn > 0, undefined, { timeout: 10_000 });
  const cpu0 = { stream: cpuSeconds(child.pid!), node: cpuSeconds(node.pid), t: Date.now() };
  const renders0 = await page.evaluate(() => (window as unknown as PageWindow).__poseEdge.stats.renders);
  await new Promise((r) => setTimeout(r, (SECONDS - 2) * 1000));
  if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  const cpu1 = { stream: cpuSeconds(child.pid!), node: cpuSeconds(node.pid), t: Date.now() };
  const renders1 = await page.evaluate(() => (window as unknown as PageWindow).__poseEdge.stats.renders);
  await exited;
  await page.waitForFunction(() => (window as unknown as PageWindow).__poseEdge.ended !== null && (window as unknown as PageWindow).__poseEdge.queued === 0, undefined, {
    timeout: 10_000,
  });
  const d = await page.evaluate(() => {
    const p = (window as unknown as PageWindow).__poseEdge;
    return { stats: p.stats, log: p.log };
  });
  const firstRowSeq = d.log.firstRowSeq ?? Infinity;
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const summary = lines.at(-1);
  const firstSeq: number = d.log.received[0];
  const hostKp = lines.filter((l) => l.type === 'KEYPOINTS' && l.windowSeq >= firstSeq).map((l) => l.windowSeq as number);
  const received = new Set<number>(d.log.received);
  const drawn = new Set<number>(d.log.drawn);
  const hostRows = lines.filter((l) => l.type === 'CSI_PACKET' && l.packetSeq >= firstRowSeq).reduce((n, l) => n + [1, 2, 4].filter((b) => l.linkMask & b).length, 0);
  const wall = (cpu1.t - cpu0.t) / 1000;
  const out = [
    `browser view under load: 3 links x 100 packets/s + 20 keypoint frames/s, ${SECONDS + 3} s stream, Chromium ${browser.version()}, ${summary.seconds.toFixed(1)} s`,
    `  host (stream --json): ${summary.csiPackets} CSI_PACKETs (${(summary.csiPackets / summary.seconds).toFixed(1)}/s), ${summary.keypoints} KEYPOINTS (${(summary.keypoints / summary.seconds).toFixed(1)}/s), packet gaps ${summary.packetGaps}`,
    `  keypoint frames while the page was connected: host received ${hostKp.length}, page received ${d.stats.kpReceived}, page drew ${d.stats.kpDrawn} (skipped ${d.stats.kpSkipped}); ` +
      `host frames not drawn: ${hostKp.filter((s) => !drawn.has(s)).length}, not received: ${hostKp.filter((s) => !received.has(s)).length}`,
    `  CSI rows (link rows of CSI_PACKETs): host received ${hostRows}, page received ${d.stats.rowsReceived}, painted ${d.stats.rowsPainted} (too old to paint: ${d.stats.rowsTooOld})`,
    `  page redraws: ${((renders1 - renders0) / wall).toFixed(1)}/s over ${wall.toFixed(1)} s; longest gap between animation frames ${d.stats.maxFrameGapMs} ms; ` +
      `most keypoint frames due at once ${d.stats.maxBacklog}; messages ${d.stats.messages}`,
    `  CPU over that time: stream process ${(((cpu1.stream - cpu0.stream) / wall) * 100).toFixed(0)}% of a core, virtual node ${(((cpu1.node - cpu0.node) / wall) * 100).toFixed(0)}%`,
  ];
  if (SCREENSHOT) out.push(`  screenshot: ${SCREENSHOT}`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await browser.close();
  await node.stop();
  rmSync(tmp, { recursive: true, force: true });
}
