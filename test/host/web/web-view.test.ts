// The browser view in a real browser (Debian's Chromium, headless, through playwright-core), against the
// virtual node replaying a CSI recording written here (3 links, 100 slots/s, a window every 5 slots):
// - live: the skeleton the page draws is the node's KEYPOINTS (as `stream --json` printed them) and it moves
//   from one frame to the next; each link's heatmap paints the CSI_PACKET's amplitudes (brighter pixel =
//   larger amplitude, against the JSON line of the same packetSeq); the counters the page shows at the end
//   are those of the run's SUMMARY line; the model check says the node runs --model/--weights;
// - the page reconnects by itself when a stream starts again on the same port, and starts over;
// - hostile INFO and ERROR strings are shown as text, escaped, and create no element, run nothing and fetch
//   nothing;
// - `view` on the recording the live run wrote: scrubbing to a position shows the counters and skeleton as
//   they were there (counted here from the file's records), playing at 4x runs to the end and delivers every
//   record once, 1x then pause stops at a position whose counters match it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startVirtualNode, type VirtualNode } from '../../../src/host/virtual-node.ts';
import { readRecording } from '../../../src/host/stream/recording.ts';
import { describeCsiInfo, type Message } from '../../../src/host/protocol/messages.ts';
import { REPO_ROOT } from '../../../src/paths.ts';
import { runCliResult, type CliResult } from '../../helpers/cli.ts';
import { ack, info, infoPayload, liveNodeAnswer, startFakeNode } from '../../helpers/fake-node.ts';
import { launchChromium, writeCsiRecording } from '../../helpers/web.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-web-view-'));
const report = JSON.parse(readFileSync(join(REPO_ROOT, 'firmware/components/pose_model/compile-report.json'), 'utf8'));
const MODEL = ['--model', join(REPO_ROOT, report.model), '--weights', join(REPO_ROOT, report.weights)];
const VIEW = 420;
const JOINT = [255, 77, 109];

let browser: Browser;
let node: VirtualNode;
beforeAll(async () => {
  const csi = join(tmp, 'loop.pecsrec');
  writeCsiRecording(csi, 300);
  [browser, node] = await Promise.all([launchChromium(), startVirtualNode({ replayCsi: csi, packetRate: 300, loop: true, hop: 5 })]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await node?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * Runs a command in-process: `url` resolves with the page's address as soon as the server prints it (and
 * fails with the command's error if it ends before that), `result` when the command ends.
 */
function runWithUrl(command: string, args: string[]): { url: Promise<string>; result: Promise<CliResult> } {
  let gotUrl!: (u: string) => void;
  const url = new Promise<string>((r) => (gotUrl = r));
  const look = (_chunk: string, all: string) => {
    const m = /browser view(?: at|:) (http:\/\/\S+)/.exec(all);
    if (m) gotUrl(m[1]);
  };
  const result = runCliResult(command, args, look, look);
  return {
    result,
    url: Promise.race([url, result.then((r) => Promise.reject(new Error(`${command} ended before serving its page: ${(r.err as Error)?.message ?? r.stderr}`)))]),
  };
}

const jsonLines = (text: string): Record<string, any>[] => text.trim().split('\n').map((l) => JSON.parse(l));
/** What the page shows for every counter (the `data-k` cells), as text. */
const shownCounters = (page: Page): Promise<Record<string, string>> =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-k]')].map((e) => [e.dataset.k!, e.textContent!])));
const asText = (v: number | null) => (v === null ? '–' : String(v));
/**
 * Waits for the page to show a keypoint frame other than `prev`; returns it, the canvas pixels where its
 * joints should be (by this test's own projection: the page shows the box -0.1..1.1, values clamped to it)
 * and how many pixels changed since the previous call.
 */
function nextSkeleton(page: Page, prev: number | null) {
  return page.evaluate(async (prevSeq) => {
    const d = await (window as any).__poseEdge.waitFor((x: any) => x.lastShown && x.lastShown.windowSeq !== prevSeq);
    const c = document.getElementById('skeleton') as HTMLCanvasElement;
    const img = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const xy: number[] = d.lastShown.xy;
    const px = (v: number) => Math.floor(((Math.min(1.1, Math.max(-0.1, v)) + 0.1) / 1.2) * c.width);
    const joints = Array.from({ length: 17 }, (_, k) => {
      const p = (px(xy[2 * k + 1]) * c.width + px(xy[2 * k])) * 4;
      return [img[p], img[p + 1], img[p + 2]];
    });
    const before: Uint8ClampedArray | undefined = (window as any).__testSkeleton;
    let changed = 0;
    if (before) for (let i = 0; i < img.length; i += 4) if (img[i] !== before[i] || img[i + 1] !== before[i + 1] || img[i + 2] !== before[i + 2]) changed++;
    (window as any).__testSkeleton = img;
    return { windowSeq: d.lastShown.windowSeq as number, xy, width: c.width, joints, changed };
  }, prev);
}

/** Per link, how many of the heatmap's 1000 columns hold something other than the background (#101418). */
function heatColumns(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [0, 1, 2].map((l) => {
      const all = (document.getElementById(`heat${l}`) as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 1000, 114).data;
      let columns = 0;
      for (let x = 0; x < 1000; x++) {
        let painted = false;
        for (let y = 0; y < 114 && !painted; y++) painted = all[(y * 1000 + x) * 4] !== 16 || all[(y * 1000 + x) * 4 + 1] !== 20 || all[(y * 1000 + x) * 4 + 2] !== 24;
        if (painted) columns++;
      }
      return columns;
    }),
  );
}

/** Waits for a render that painted a row on every link; returns each link's packetSeq, column and that column's pixels. */
function paintedColumns(page: Page) {
  return page.evaluate(async () => {
    const d = await (window as any).__poseEdge.waitFor((x: any) => x.lastPainted.every((p: any) => p && p.frame === x.frame && p.packetSeq !== null));
    return [0, 1, 2].map((l) => {
      const g = (document.getElementById(`heat${l}`) as HTMLCanvasElement).getContext('2d')!;
      const p = d.lastPainted[l];
      return { packetSeq: p.packetSeq as number, x: p.x as number, column: Array.from(g.getImageData(p.x, 0, 1, 114).data) };
    });
  });
}

const luminance = (rgb: number[]) => 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];

describe('the browser view of a live stream', () => {
  let page: Page;
  let port = 0;
  const out = join(tmp, 'live.pestrm');
  const requests: string[] = [];
  const sockets: string[] = [];

  it('draws the node\'s skeleton as it moves, paints each link\'s CSI, and ends with the counters of SUMMARY', async () => {
    page = await browser.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (w) => sockets.push(w.url()));
    // The stream runs until the page has shown what is checked and 3 s of CSI (then SIGINT, as Ctrl-C), so a
    // slow machine makes the test slower, not wrong.
    const { url, result: run } = runWithUrl('stream', [node.port, '--json', '--web', '127.0.0.1:0', '--out', out, ...MODEL]);
    const u = await url;
    port = Number(new URL(u).port);
    await page.goto(u);

    const a = await nextSkeleton(page, null);
    const b = await nextSkeleton(page, a.windowSeq);
    const heat = await paintedColumns(page);
    const rates = await shownCounters(page);
    await page.waitForFunction(() => (window as any).__poseEdge.stats.rowsPainted >= 900, undefined, { timeout: 50_000 });
    process.emit('SIGINT');
    const r = await run;
    expect(r.err).toBeNull();
    const lines = jsonLines(r.stdout);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'SUMMARY', ended: 'signal', error: null, packetGaps: 0 });

    // The skeleton: the node's keypoints, exactly, drawn at their places; a new frame changes the picture.
    const kp = new Map(lines.filter((l) => l.type === 'KEYPOINTS').map((l) => [l.windowSeq as number, l.xy as number[]]));
    for (const f of [a, b]) {
      expect(f.width).toBe(VIEW);
      expect(f.xy).toEqual(kp.get(f.windowSeq));
      // The joint colour, give or take the canvas's rounding of colours (1 or 2 units).
      f.joints.forEach((rgb, k) => expect(Math.max(...rgb.map((v, i) => Math.abs(v - JOINT[i]))), `frame ${f.windowSeq} keypoint ${k}: ${rgb}`).toBeLessThanOrEqual(2));
    }
    expect(b.windowSeq).toBeGreaterThan(a.windowSeq);
    expect(b.xy).not.toEqual(a.xy);
    expect(b.changed).toBeGreaterThan(50);

    // Each heatmap: a column per packet, brighter where that packet's amplitude is larger (subcarrier 0 at the bottom).
    const packets = new Map(lines.filter((l) => l.type === 'CSI_PACKET').map((l) => [l.packetSeq as number, l.amplitudes as number[]]));
    heat.forEach((h, link) => {
      const amps = packets.get(h.packetSeq)!.slice(link * 114, (link + 1) * 114);
      const lum = Array.from({ length: 114 }, (_, k) => luminance(h.column.slice((113 - k) * 4, (113 - k) * 4 + 3)));
      expect(h.column.filter((_, i) => i % 4 === 3).every((alpha) => alpha === 255)).toBe(true);
      for (let i = 0; i < 114; i++) {
        for (let j = 0; j < 114; j++) if (amps[i] < amps[j]) expect(lum[i], `link ${link} packet ${h.packetSeq}: subcarrier ${i} vs ${j}`).toBeLessThanOrEqual(lum[j] + 1);
      }
      expect(new Set(lum.map(Math.round)).size, `link ${link}: distinct shades in one column`).toBeGreaterThan(20);
      expect(Number(rates[`linkRates.${link}`]), `link ${link}: packets/s`).toBeGreaterThan(0);
    });

    // The end: the page's counters are the run's SUMMARY; each heatmap shows the run (at least 300 packets,
    // 10 ms apart on the node's clock, one column each, give or take packets that share a column).
    await page.waitForFunction(() => (window as any).__poseEdge.ended !== null && (window as any).__poseEdge.queued === 0);
    for (const [link, n] of (await heatColumns(page)).entries()) expect(n, `link ${link}: painted columns`).toBeGreaterThan(200);
    const shown = await shownCounters(page);
    const hf = summary.hostFaults;
    expect(shown).toMatchObject({
      csiPackets: asText(summary.csiPackets), keypoints: asText(summary.keypoints), stats: asText(summary.stats), packetGaps: asText(summary.packetGaps),
      udpFrames: asText(summary.udpFrames), udpBad: asText(summary.udpBad), udpUnusable: asText(summary.udpUnusable), udpRejected: asText(summary.udpRejected),
      retries: asText(summary.retries), lastPacketSeq: asText(summary.lastPacketSeq), lastWindowSeq: asText(summary.lastWindowSeq),
      'hostFaults.crc': asText(hf.crc), 'hostFaults.framing': asText(hf.framing), 'hostFaults.oversize': asText(hf.oversize),
      'hostFaults.other': asText(hf.magic + hf.version + hf.length + hf.message),
    });
    const stats = lines.filter((l) => l.type === 'STATS').at(-1)!;
    expect(shown).toMatchObject({ 'lastStats.packetsDropped': asText(stats.packetsDropped), 'lastStats.queueHighWater': asText(stats.queueHighWater), 'lastStats.inferences': asText(stats.inferences) });
    const last = lines.filter((l) => l.type === 'KEYPOINTS').at(-1)!;
    expect(shown).toMatchObject({ lastCycles: asText(last.cycles), lastUs: last.us.toFixed(1) });
    const infoLine = lines.filter((l) => l.type === 'INFO').at(-1)!;
    expect(await page.textContent('[data-info="chip"]')).toBe(infoLine.chip);
    expect(await page.textContent('[data-info="modelSha256"]')).toBe(infoLine.modelSha256);
    // The page says what the node's latest INFO v2 says (asked again once CSI flows), in the terminal view's words.
    expect(infoLine.csi?.layout, 'the replaying virtual node reports the layout it delivers').toBeTruthy();
    expect(await page.textContent('[data-info="csiLayout"]')).toBe(describeCsiInfo(infoLine.csi).replace(/^CSI: /, ''));
    expect(await page.textContent('#model-check')).toBe(`matches ${MODEL[1]} + ${MODEL[3]}`);
    expect(await page.textContent('#status')).toMatch(/^ended \(signal\)/);
    // Nothing but the page's own files and its WebSocket.
    expect([...new Set(requests.map((q) => new URL(q).pathname))].sort()).toEqual(['/', '/app.css', '/app.js']);
    expect([...new Set(sockets)]).toEqual([`ws://127.0.0.1:${port}/ws`]);
  }, 60_000);

  it('reconnects by itself when a stream starts again on the same port, and starts over with the new run', async () => {
    const before = await page.evaluate(() => ({ runId: (window as any).__poseEdge.runId, connects: (window as any).__poseEdge.stats.connects }));
    await page.waitForFunction(() => !(window as any).__poseEdge.connected);
    const { result } = runWithUrl('stream', [node.port, '--json', '--web', `127.0.0.1:${port}`]);
    // The page finds the new server on its own (it retries every second) and draws the new run.
    await page.waitForFunction((id) => (window as any).__poseEdge.runId !== id && (window as any).__poseEdge.stats.kpDrawn > 0, before.runId, { timeout: 50_000 });
    process.emit('SIGINT');
    const r = await result;
    expect(r.err).toBeNull();
    const summary = jsonLines(r.stdout).at(-1)!;
    await page.waitForFunction(() => (window as any).__poseEdge.ended !== null);
    const after = await page.evaluate(() => ({ connects: (window as any).__poseEdge.stats.connects, drawn: (window as any).__poseEdge.stats.kpDrawn }));
    expect(after.connects).toBeGreaterThan(before.connects);
    expect(after.drawn).toBeGreaterThan(0);
    const shown = await shownCounters(page);
    expect(shown).toMatchObject({ csiPackets: asText(summary.csiPackets), keypoints: asText(summary.keypoints), lastPacketSeq: asText(summary.lastPacketSeq), stats: asText(summary.stats) });
    expect(await page.textContent('#model-check')).toBe('no --model/--weights given');
  }, 60_000);

  it('view: scrubbing shows the recording as it was at that moment; 4x plays to the end delivering every record once; 1x then pause', async () => {
    const rec = readRecording(out).records;
    const start = rec[0].timeMs;
    const end = rec.at(-1)!.timeMs;
    const infoPl = rec.find((x) => x.kind === 1 && x.type === 0x81)!.payload;
    const outFrac = infoPl[67];
    const u32 = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getUint32(0, true);
    /** What the recording holds up to time t, read from its records here. */
    const at = (t: number) => {
      const upto = rec.filter((x) => x.timeMs <= t && x.kind === 1);
      const of = (type: number) => upto.filter((x) => x.type === type);
      const kps = of(0x82);
      const lastKp = kps.at(-1)!;
      const dv = new DataView(lastKp.payload.buffer, lastKp.payload.byteOffset);
      return {
        counters: {
          csiPackets: String(of(0x83).length), keypoints: String(kps.length), stats: String(of(0x84).length),
          lastPacketSeq: String(u32(of(0x83).at(-1)!.payload)), lastWindowSeq: String(u32(lastKp.payload)), retries: 'not recorded', 'hostFaults.crc': 'not recorded',
        },
        xy: Array.from({ length: 34 }, (_, i) => dv.getInt16(8 + 2 * i, true) / 2 ** outFrac),
        windowSeq: u32(lastKp.payload),
      };
    };
    const vpage = await browser.newPage();
    const { url, result: run } = runWithUrl('view', [out, '--web', '127.0.0.1:0', ...MODEL]);
    try {
      await vpage.goto(await url);
      await vpage.waitForFunction(() => (window as any).__poseEdge.mode === 'replay');
      expect(await vpage.isVisible('#timeline')).toBe(true);
      const state = () => vpage.evaluate(() => {
        const d = (window as any).__poseEdge;
        return { clock: d.clock as number, current: d.current, playing: d.playing as boolean, stats: { ...d.stats } };
      });
      const seek = async (offset: number) => {
        await vpage.locator('#scrub').fill(String(offset));
        await vpage.waitForFunction((t) => (window as any).__poseEdge.clock === t && (window as any).__poseEdge.queued === 0, start + offset);
      };

      const mid = Math.round((end - start) * 0.6);
      await seek(mid);
      let want = at(start + mid);
      expect(await shownCounters(vpage)).toMatchObject(want.counters);
      let s = await state();
      expect(s.current).toMatchObject({ windowSeq: want.windowSeq, xy: want.xy });
      // The 10 s before the position are drawn at once: a 10 ms column per CSI_PACKET so far (packets come 10 ms
      // apart on the node's clock; a few may share a column).
      for (const n of await heatColumns(vpage)) expect(n).toBeGreaterThan(0.8 * Math.min(1000, Number(want.counters.csiPackets)));
      expect(await vpage.textContent('#position')).toBe(`${(mid / 1000).toFixed(1)} / ${((end - start) / 1000).toFixed(1)} s`);

      // 4x to the end: every record after `mid` arrives once.
      const before = s.stats;
      await vpage.click('button[data-speed="4"]');
      await vpage.click('#play');
      await vpage.waitForFunction((e) => !(window as any).__poseEdge.playing && (window as any).__poseEdge.clock === e && (window as any).__poseEdge.queued === 0, end, {
        timeout: 20_000,
      });
      expect(await vpage.getAttribute('button[data-speed="4"]', 'aria-pressed')).toBe('true');
      s = await state();
      const after = (type: number) => rec.filter((x) => x.kind === 1 && x.type === type && x.timeMs > start + mid);
      expect(s.stats.kpReceived - before.kpReceived).toBe(after(0x82).length);
      expect(s.stats.rowsReceived - before.rowsReceived).toBe(3 * after(0x83).length);
      want = at(end);
      expect(await shownCounters(vpage)).toMatchObject(want.counters);
      expect(s.current).toMatchObject({ windowSeq: want.windowSeq, xy: want.xy });

      // Back to a quarter, then 1x for a moment: wherever it pauses, the counters are those of that position.
      await seek(Math.round((end - start) * 0.25));
      await vpage.click('button[data-speed="1"]');
      await vpage.click('#play');
      await vpage.waitForFunction((t) => (window as any).__poseEdge.clock > t + 300, start + (end - start) * 0.25);
      await vpage.click('#play');
      // Paused: the page's clock is the position the server stopped at, and everything before it is drawn.
      await vpage.waitForFunction(() => {
        const d = (window as any).__poseEdge;
        return !d.playing && d.anchor.rate === 0 && d.clock === d.anchor.now && d.queued === 0;
      });
      s = await state();
      expect(await shownCounters(vpage)).toMatchObject(at(s.clock).counters);
      expect(await vpage.textContent('#model-check')).toBe(`matches ${MODEL[1]} + ${MODEL[3]}`);
    } finally {
      process.emit('SIGINT');
      const r = await run;
      expect(r.err).toBeNull();
    }
  }, 60_000);
});

describe('strings from the device in the page', () => {
  it('hostile INFO and ERROR text is shown escaped, as text: no element, no script, no request', async () => {
    const firmware = '<b id=pwn>\x1b[2J';
    const chip = '<img src=x>';
    const errorText = '<img src=/x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>\u202e\u2028</td>';
    const fake = await startFakeNode(async (f, n) => {
      if (f.message.type === 'HELLO') {
        await n.sendRaw(0x81, infoPayload(info(), [...Buffer.from(firmware, 'latin1')], [...Buffer.from(chip, 'latin1')]));
        return [];
      }
      if (f.message.type === 'STREAM_START') return [ack(f), { type: 'ERROR', code: 7, refType: 0, refSeq: 0, text: errorText } as Message];
      return liveNodeAnswer(f);
    });
    const page = await browser.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    page.on('websocket', (w) => requests.push(new URL(w.url()).pathname));
    page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
    try {
      const { url, result: run } = runWithUrl('stream', [fake.port, '--json', '--web', '127.0.0.1:0', ...MODEL]);
      await page.goto(await url);
      await page.waitForFunction(() => document.getElementById('last-error')!.textContent !== 'none', undefined, { timeout: 50_000 });
      process.emit('SIGINT');
      expect((await run).err).toBeNull();
      expect(await page.textContent('[data-info="chip"]')).toBe('<img src=x>');
      expect(await page.textContent('[data-info="firmwareVersion"]')).toBe('<b id=pwn>\\x1b[2J');
      expect(await page.textContent('#last-error')).toBe(
        'error 7: <img src=/x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>\\u202e\\u2028</td>',
      );
      expect(await page.evaluate(() => ({
        imgs: document.querySelectorAll('img').length, pwn: document.getElementById('pwn') === null, bold: document.querySelectorAll('b:not([data-k])').length,
        scripts: [...document.querySelectorAll('script')].map((e) => e.getAttribute('src')), title: document.title,
      }))).toEqual({ imgs: 0, pwn: true, bold: 0, scripts: ['/app.js'], title: 'pose-edge view' });
      expect(await page.textContent('#model-check')).toBe(`DOES NOT MATCH ${MODEL[1]} + ${MODEL[3]} (${report.modelSha256.slice(0, 16)}…)`);
      expect(await page.getAttribute('#model-check', 'class')).toBe('mismatch');
      expect(dialogs).toEqual([]);
      expect([...new Set(requests)].sort()).toEqual(['/', '/app.css', '/app.js', '/ws']);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('the page script never parses text as HTML', () => {
    const js = readFileSync(join(REPO_ROOT, 'src/host/web/assets/app.js'), 'utf8');
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc/);
  });
});
