// For the browser view's tests and bench/web-view.ts: Debian's Chromium driven by playwright-core (never a
// downloaded browser), started with the flags that keep it off the network, and a CSI recording for the
// virtual node to replay.
import { chromium, type Browser } from 'playwright-core';
import { existsSync, writeFileSync } from 'node:fs';

export const CHROMIUM = process.env.POSE_EDGE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium without sandbox (root in CI) or GPU, that does not try to reach Google (QUIC, first-run,
 * background networking, component updates, sync). Playwright gives each launch a fresh, temporary
 * --user-data-dir and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM}: no Chromium here (apt-get install chromium; .ci/run installs it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The commands under test stop on SIGINT/SIGTERM (tests emit them in-process); the browser must not.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The amplitude a synthetic packet carries on HT40 tone index j (0..113) of `link` in slot `s`: a slowly moving pattern. */
export function syntheticAmplitude(s: number, link: number, j: number): number {
  const wave = Math.sin((j / 113) * Math.PI * (2 + link) + s * 0.07 * (1 + link)) * 0.5 + 0.5;
  const bump = Math.exp(-(((j - 57 - 40 * Math.sin(s * 0.013 + link)) / 14) ** 2));
  return Math.round(8 + 70 * wave + 45 * bump);
}

/**
 * A CSI recording of `slots` slots x 3 links of HT40 packets (384 bytes, 10 ms apart), in the version 1
 * layout of docs/protocol.md ("CSI recording file"): magic PECSREC1, then per packet u32 timestamp_us,
 * u8 link, i8 rssi, u8 flags (bit 0 HT, bit 1 40 MHz), u8 channel, u16 length, the buffer. Written here byte
 * by byte so the tests do not depend on the encoder's API. Each HT-LTF tone has real part =
 * syntheticAmplitude(...) and imaginary part 0, so |h| is that amplitude.
 */
export function writeCsiRecording(file: string, slots: number): void {
  const REC = 10 + 384;
  const out = Buffer.alloc(8 + slots * 3 * REC);
  out.write('PECSREC1', 0, 'ascii');
  let o = 8;
  for (let s = 0; s < slots; s++) {
    for (let link = 0; link < 3; link++) {
      out.writeUInt32LE(s * 10_000 + link * 50, o);
      out[o + 4] = link;
      out.writeInt8(-50 - link, o + 5);
      out[o + 6] = 0x03;
      out[o + 7] = 6;
      out.writeUInt16LE(384, o + 8);
      const buf = o + 10;
      let j = 0;
      for (let t = -58; t <= 58; t++) {
        if (Math.abs(t) <= 1) continue;
        const bin = t >= 0 ? t : 128 + t;
        out.writeInt8(0, buf + 128 + 2 * bin);
        out.writeInt8(Math.min(127, syntheticAmplitude(s, link, j++)), buf + 128 + 2 * bin + 1);
      }
      o += REC;
    }
  }
  writeFileSync(file, out);
}

/** Part of what the page exposes as `window.__poseEdge` (src/host/web/assets/app.js), for the bench's types. */
export interface PageDebug {
  stats: Record<'kpReceived' | 'kpDrawn' | 'kpSkipped' | 'rowsReceived' | 'rowsPainted' | 'rowsTooOld' | 'renders' | 'connects' | 'messages' | 'maxFrameGapMs' | 'maxBacklog', number>;
  /** windowSeq of each keypoint frame received in a tick and each one drawn; the packetSeq of the first row a tick brought. */
  log: { received: number[]; drawn: number[]; firstRowSeq: number | null };
  ended: { ended: string; error: string | null } | null;
  queued: number;
}
export type PageWindow = { __poseEdge: PageDebug };
