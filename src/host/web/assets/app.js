/* global document, window, WebSocket, requestAnimationFrame, performance, location, atob, setTimeout, clearTimeout */
// The pose-edge browser view (served by src/host/web/server.ts; messages in src/host/web/page-data.ts).
//
// Drawing is paced by one clock: the stream's time (`now` of the last tick, advanced at `rate` since it came)
// less a 100 ms play-out delay. CSI rows and keypoint frames are drawn when the clock passes their time, so
// the skeleton and the heatmaps stay in step and ticks that arrive unevenly still draw evenly. Every keypoint
// frame is shown as the skeleton in an animation frame of its own; only a backlog of more than
// MAX_BACKLOG due frames (2 s of them at 20 a second: a hidden tab, a page stalled for seconds) skips frames,
// and skipped frames are counted. A smaller backlog is worked off one frame per animation frame (at 60 Hz,
// three times as fast as the frames come).
//
// Text from the device reaches the page escaped by the server and is only ever set as text (textContent),
// never parsed as HTML.

const SUBS = 114;
const COLS = 1000;
const COL_MS = 10;
const HOLD_COLS = 10;
const TRAIL_MS = 1000;
const DELAY_MS = 100;
const MAX_BACKLOG = 40;
const RETRY_MS = 1000;
const VIEW_MIN = -0.1;
const VIEW_MAX = 1.1;
const BG = '#101418';
const JOINT = '#ff4d6d';
const BONE = '#58a6ff';
const CSI_LAYOUT_PLACEHOLDER = 'not reported: this node\'s INFO has no CSI-layout field';
const KNOWN_INFO = new Set([
  'chip', 'firmwareVersion', 'csiLayout', 'modelSha256', 'mode', 'cycleHz', 'weightBits', 'actBits', 'inputFracBits', 'outputFracBits',
  'arenaBytes', 'macs', 'inputLen', 'outputLen', 'protocolVersion', 'maxPayload',
]);
/** Counters a recording does not hold. */
const NOT_RECORDED = new Set(['udpRejected', 'lastRejectedFrom', 'retries', 'hostFaults.crc', 'hostFaults.framing', 'hostFaults.oversize', 'hostFaults.other']);

const $ = (id) => document.getElementById(id);

// A viridis-like colour map whose lightness grows with the value (a brighter pixel is a larger amplitude).
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i++) {
  const x = (i / 255) * (STOPS.length - 1);
  const j = Math.min(STOPS.length - 2, Math.floor(x));
  for (let c = 0; c < 3; c++) LUT[i * 3 + c] = Math.round(STOPS[j][c] + (STOPS[j + 1][c] - STOPS[j][c]) * (x - j));
}

const stats = { kpReceived: 0, kpDrawn: 0, kpSkipped: 0, rowsReceived: 0, rowsPainted: 0, rowsTooOld: 0, renders: 0, connects: 0, messages: 0, maxFrameGapMs: 0, maxBacklog: 0 };
const waiters = [];
// For tests and the bench (bench/web-view.ts): what was received and drawn, and a way to wait for a render.
const debug = {
  stats, mode: null, runId: null, ended: null, connected: false, clock: null, anchor: null, frame: 0, queued: 0,
  /** The frame the skeleton shows (from a snapshot too), the last frame shown as it arrived, each link's last painted row. */
  current: null, lastShown: null, lastPainted: [null, null, null],
  playing: false, speed: 1,
  /** windowSeq of each keypoint frame received in a tick and of each one drawn (bounded), and the first tick row's packetSeq. */
  log: { received: [], drawn: [], firstRowSeq: null },
  /** Resolves right after the first render for which pred(debug) holds (read the canvases synchronously then). */
  waitFor(pred) {
    return new Promise((resolve) => waiters.push({ pred, resolve }));
  },
};
window.__poseEdge = debug;

let S = null;
let socket = null;
let timeline = null;
let lastFramePerf = null;

function newHeat(link) {
  const canvas = $(`heat${link}`);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = BG;
  ctx.fillRect(0, 0, COLS, SUBS);
  return { canvas, ctx, right: null, lastCol: null, hi: 0 };
}

function freshState(hello) {
  return {
    bones: hello.bones, mode: hello.mode, model: hello.model, anchor: null, clock: null,
    rows: [], historyRows: 0, kps: [], trail: [], current: null, heat: [0, 1, 2].map(newHeat), skeletonDirty: true, info: null,
  };
}

// ---- the clock -------------------------------------------------------------------------------------------

function setAnchor(m) {
  S.anchor = { now: m.now, perf: performance.now(), rate: m.rate };
  debug.anchor = { now: m.now, rate: m.rate };
}

/** While the stream runs the clock never goes back (a late tick only holds it); stopped, it is exactly where the stream is. */
function clockAt(perf) {
  const a = S.anchor;
  if (a.rate === 0) return a.now;
  const c = a.now + (perf - a.perf) * a.rate - DELAY_MS * a.rate;
  return S.clock !== null && c < S.clock ? S.clock : c;
}

// ---- heatmaps ----------------------------------------------------------------------------------------------

function decodeRow(b64) {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** Scrolls a heatmap so that its right edge is the clock's column. */
function scroll(h, clock) {
  const right = Math.floor(clock / COL_MS);
  if (h.right === null) h.right = right;
  const shift = right - h.right;
  if (shift <= 0) return;
  if (shift >= COLS) {
    h.ctx.fillStyle = BG;
    h.ctx.fillRect(0, 0, COLS, SUBS);
  } else {
    h.ctx.drawImage(h.canvas, -shift, 0);
    h.ctx.fillStyle = BG;
    h.ctx.fillRect(COLS - shift, 0, shift, SUBS);
  }
  h.right = right;
}

/**
 * One row into its link's heatmap at the column of its time; it also fills the columns since the link's
 * previous row (up to HOLD_COLS, 100 ms), so a steady stream draws without gaps and a real gap stays dark.
 */
function paint(row) {
  const [t, link, b64, seq] = row;
  const h = S.heat[link];
  const col = Math.floor(t / COL_MS);
  const x = COLS - 1 - (h.right - col);
  if (x < 0) {
    if (S.historyRows > 0) S.historyRows--;
    else stats.rowsTooOld++;
    return;
  }
  const v = decodeRow(b64);
  let max = 0;
  for (let k = 0; k < SUBS; k++) if (v[k] > max) max = v[k];
  h.hi = Math.max(max, h.hi * 0.999);
  const scale = h.hi > 0 ? 255 / h.hi : 0;
  let from = x;
  if (h.lastCol !== null && col > h.lastCol && col - h.lastCol <= HOLD_COLS) from = Math.max(0, x - (col - h.lastCol - 1));
  const w = x - from + 1;
  const img = h.ctx.createImageData(w, SUBS);
  for (let k = 0; k < SUBS; k++) {
    const c = Math.min(255, Math.max(0, Math.round(v[k] * scale))) * 3;
    const y = SUBS - 1 - k;
    for (let i = 0; i < w; i++) {
      const p = (y * w + i) * 4;
      img.data[p] = LUT[c];
      img.data[p + 1] = LUT[c + 1];
      img.data[p + 2] = LUT[c + 2];
      img.data[p + 3] = 255;
    }
  }
  h.ctx.putImageData(img, from, 0);
  h.lastCol = col;
  if (S.historyRows > 0) S.historyRows--;
  else stats.rowsPainted++;
  debug.lastPainted[link] = { t, x, packetSeq: seq, frame: debug.frame };
}

// ---- skeleton ----------------------------------------------------------------------------------------------

function project(v, size) {
  const c = Math.min(VIEW_MAX, Math.max(VIEW_MIN, v));
  return ((c - VIEW_MIN) / (VIEW_MAX - VIEW_MIN)) * size;
}

function drawSkeleton() {
  const canvas = $('skeleton');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const W = canvas.width;
  g.globalAlpha = 1;
  g.fillStyle = '#0b0e12';
  g.fillRect(0, 0, W, W);
  g.strokeStyle = '#2a313c';
  g.lineWidth = 1;
  g.strokeRect(project(0, W), project(0, W), project(1, W) - project(0, W), project(1, W) - project(0, W));
  const cur = S.current;
  if (!cur) return;
  const P = (f, k) => [project(f.xy[2 * k], W), project(f.xy[2 * k + 1], W)];
  // The trail: each keypoint's path over the last second, fading with age.
  const frames = S.trail.filter((f) => f.t > cur.t - TRAIL_MS && f.t <= cur.t);
  g.lineWidth = 2;
  g.strokeStyle = JOINT;
  for (let i = 1; i < frames.length; i++) {
    g.globalAlpha = 0.1 + 0.5 * (1 - (cur.t - frames[i].t) / TRAIL_MS);
    g.beginPath();
    for (let k = 0; k < 17; k++) {
      const [x0, y0] = P(frames[i - 1], k);
      const [x1, y1] = P(frames[i], k);
      g.moveTo(x0, y0);
      g.lineTo(x1, y1);
    }
    g.stroke();
  }
  g.globalAlpha = 1;
  g.strokeStyle = BONE;
  g.lineWidth = 4;
  g.lineCap = 'round';
  g.beginPath();
  for (const [a, b] of S.bones) {
    const [x0, y0] = P(cur, a);
    const [x1, y1] = P(cur, b);
    g.moveTo(x0, y0);
    g.lineTo(x1, y1);
  }
  g.stroke();
  g.fillStyle = JOINT;
  for (let k = 0; k < 17; k++) {
    const [x, y] = P(cur, k);
    g.beginPath();
    g.arc(x, y, 5, 0, 2 * Math.PI);
    g.fill();
  }
}

function show(f) {
  S.current = f;
  S.trail.push(f);
  while (S.trail.length && S.trail[0].t <= f.t - TRAIL_MS) S.trail.shift();
  S.skeletonDirty = true;
  debug.current = { t: f.t, windowSeq: f.windowSeq, xy: f.xy };
  if (!f.history) {
    stats.kpDrawn++;
    if (debug.log.drawn.length < 100000) debug.log.drawn.push(f.windowSeq);
    debug.lastShown = { t: f.t, windowSeq: f.windowSeq, xy: f.xy };
  }
  const us = f.us === null ? '' : `, ${f.us.toFixed(1)} µs`;
  $('pose-caption').textContent = `windowSeq ${f.windowSeq}, ${f.cycles} cycles${us}`;
}

// ---- the render loop ---------------------------------------------------------------------------------------

function render() {
  requestAnimationFrame(render);
  if (!S || !S.anchor) return;
  debug.frame++;
  const perf = performance.now();
  if (lastFramePerf !== null) stats.maxFrameGapMs = Math.max(stats.maxFrameGapMs, Math.round(perf - lastFramePerf));
  lastFramePerf = perf;
  const clock = clockAt(perf);
  S.clock = clock;
  debug.clock = clock;
  let did = false;
  for (const h of S.heat) scroll(h, clock);
  let i = 0;
  while (i < S.rows.length && S.rows[i][0] <= clock) paint(S.rows[i++]);
  if (i) {
    S.rows.splice(0, i);
    did = true;
  }
  let due = 0;
  while (due < S.kps.length && S.kps[due].t <= clock) due++;
  // Frames from a snapshot only fill the trail; of live frames, one per animation frame unless far behind.
  while (due > 0 && S.kps[0].history) {
    show(S.kps.shift());
    due--;
  }
  stats.maxBacklog = Math.max(stats.maxBacklog, due);
  if (due > MAX_BACKLOG) {
    while (due > 1) {
      const f = S.kps.shift();
      S.trail.push(f);
      stats.kpSkipped++;
      due--;
    }
  }
  if (due > 0) show(S.kps.shift());
  if (S.skeletonDirty) {
    drawSkeleton();
    S.skeletonDirty = false;
    did = true;
  }
  debug.queued = S.rows.length + S.kps.length;
  if (timeline) showPosition(clock);
  if (did) stats.renders++;
  for (let w = waiters.length - 1; w >= 0; w--) {
    if (waiters[w].pred(debug)) waiters.splice(w, 1)[0].resolve(debug);
  }
}

// ---- text ----------------------------------------------------------------------------------------------------

function lookup(obj, path) {
  let v = obj;
  for (const part of path.split('.')) {
    if (v === null || v === undefined) return null;
    v = v[part];
  }
  return v === undefined ? null : v;
}

function showCounters(c) {
  const hf = c.hostFaults;
  const view = { ...c, hostFaults: hf && { ...hf, other: (hf.magic ?? 0) + (hf.version ?? 0) + (hf.length ?? 0) + (hf.message ?? 0) } };
  for (const el of document.querySelectorAll('[data-k]')) {
    const k = el.dataset.k;
    const v = lookup(view, k);
    let text;
    if (v === null) text = S.mode === 'replay' && NOT_RECORDED.has(k) ? 'not recorded' : '–';
    else if (k === 'lastUs') text = v.toFixed(1);
    else text = String(v);
    if (el.textContent !== text) el.textContent = text;
  }
}

function showInfo(info) {
  for (const el of document.querySelectorAll('[data-info]')) {
    const k = el.dataset.info;
    let text = info ? info[k] : undefined;
    el.classList.toggle('placeholder', k === 'csiLayout' && info !== null && text === undefined);
    if (text === undefined || text === null) text = k === 'csiLayout' && info ? CSI_LAYOUT_PLACEHOLDER : '–';
    else if (k === 'cycleHz') text = text === 0 ? 'unknown (0)' : `${text} Hz`;
    el.textContent = String(text);
  }
  $('bits').textContent = info ? `int${info.weightBits} / int${info.actBits}; input 2^-${info.inputFracBits}, output 2^-${info.outputFracBits}` : '–';
  $('arena').textContent = info ? `${info.arenaBytes} B arena, ${info.macs} MACs` : '–';
  $('protocol').textContent = info ? `version ${info.protocolVersion}, payloads up to ${info.maxPayload} B` : '–';
  // Fields a newer INFO carries that this page does not name, shown as they are.
  const more = $('info-more');
  const extra = info ? Object.keys(info).filter((k) => !KNOWN_INFO.has(k)) : [];
  const sig = extra.map((k) => `${k}=${info[k]}`).join('\n');
  if (more.dataset.sig !== sig) {
    more.dataset.sig = sig;
    more.replaceChildren(...extra.map((k) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      const td = document.createElement('td');
      th.textContent = k;
      td.textContent = String(info[k]);
      tr.append(th, td);
      return tr;
    }));
  }
  const check = $('model-check');
  check.classList.remove('match', 'mismatch');
  if (!S.model) check.textContent = 'no --model/--weights given';
  else if (!info) check.textContent = `waiting for INFO (expected ${S.model.sha256.slice(0, 16)}…)`;
  else if (info.modelSha256 === S.model.sha256) {
    check.textContent = `matches ${S.model.files}`;
    check.classList.add('match');
  } else {
    check.textContent = `DOES NOT MATCH ${S.model.files} (${S.model.sha256.slice(0, 16)}…)`;
    check.classList.add('mismatch');
  }
}

function setStatus(state, text) {
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

function showState(m) {
  showCounters(m.counters);
  const sig = JSON.stringify(m.info);
  if (S.info !== sig || !S.infoShown) {
    S.info = sig;
    S.infoShown = true;
    showInfo(m.info);
  }
  $('last-error').textContent = m.lastError ?? 'none';
}

// ---- the timeline (replay) -------------------------------------------------------------------------------

function setupTimeline(t) {
  timeline = { start: t.start, end: t.end, dragging: false, lastSeek: 0, pending: null };
  $('timeline').hidden = false;
  const scrub = $('scrub');
  scrub.max = String(Math.max(0, Math.round(t.end - t.start)));
  scrub.value = '0';
}

function showPosition(clock) {
  const pos = Math.min(timeline.end, Math.max(timeline.start, clock));
  if (!timeline.dragging) $('scrub').value = String(Math.round(pos - timeline.start));
  $('position').textContent = `${((pos - timeline.start) / 1000).toFixed(1)} / ${((timeline.end - timeline.start) / 1000).toFixed(1)} s`;
}

function send(m) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(m));
}

/** Seeks at most 10 times a second while scrubbing; the last position always goes out. */
function seekTo(offset) {
  const go = () => {
    timeline.lastSeek = performance.now();
    timeline.pending = null;
    send({ type: 'seek', t: timeline.start + offset });
  };
  clearTimeout(timeline.pending);
  const wait = 100 - (performance.now() - timeline.lastSeek);
  if (wait <= 0) go();
  else timeline.pending = setTimeout(go, wait);
}

function showPlayer(m) {
  debug.playing = m.playing;
  debug.speed = m.speed;
  $('play').textContent = m.playing ? 'pause' : 'play';
  for (const b of document.querySelectorAll('.speed')) b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === m.speed));
}

const scrubEl = $('scrub');
scrubEl.addEventListener('pointerdown', () => timeline && (timeline.dragging = true));
scrubEl.addEventListener('pointerup', () => timeline && (timeline.dragging = false));
scrubEl.addEventListener('input', () => timeline && seekTo(Number(scrubEl.value)));
$('play').addEventListener('click', () => send(debug.playing ? { type: 'pause' } : { type: 'play', speed: debug.speed }));
for (const b of document.querySelectorAll('.speed')) {
  b.addEventListener('click', () => {
    debug.speed = Number(b.dataset.speed);
    if (debug.playing) send({ type: 'play', speed: debug.speed });
    showPlayer({ playing: debug.playing, speed: debug.speed });
  });
}

// ---- messages ---------------------------------------------------------------------------------------------------

function handle(m) {
  stats.messages++;
  if (m.type === 'hello') {
    if (debug.runId !== m.runId) {
      for (const k of Object.keys(stats)) if (k !== 'connects' && k !== 'messages') stats[k] = 0;
      debug.log = { received: [], drawn: [], firstRowSeq: null };
    }
    S = freshState(m);
    debug.mode = m.mode;
    debug.runId = m.runId;
    debug.ended = null;
    debug.lastShown = null;
    debug.current = null;
    debug.lastPainted = [null, null, null];
    $('source').textContent = m.source;
    $('pose-caption').textContent = 'no keypoints yet';
    if (m.mode === 'replay') {
      setupTimeline(m.timeline);
      setStatus('replay', `recording, ${m.timeline.records} records`);
    } else {
      setStatus('live', 'live');
    }
    return;
  }
  if (!S) return;
  if (m.type === 'snapshot') {
    S.clock = null;
    S.rows = m.rows;
    S.historyRows = m.rows.length;
    S.kps = m.keypoints.map((f) => ({ ...f, history: true }));
    S.trail = [];
    S.current = null;
    debug.current = null;
    S.skeletonDirty = true;
    for (const h of S.heat) {
      h.ctx.fillStyle = BG;
      h.ctx.fillRect(0, 0, COLS, SUBS);
      h.right = null;
      h.lastCol = null;
    }
    $('pose-caption').textContent = 'no keypoints yet';
  } else if (m.type === 'tick') {
    S.rows.push(...m.rows);
    S.kps.push(...m.keypoints);
    stats.rowsReceived += m.rows.length;
    stats.kpReceived += m.keypoints.length;
    if (debug.log.firstRowSeq === null && m.rows.length) debug.log.firstRowSeq = m.rows[0][3];
    for (const f of m.keypoints) if (debug.log.received.length < 100000) debug.log.received.push(f.windowSeq);
  } else if (m.type === 'end') {
    m.rate = 0;
    debug.ended = { ended: m.ended, error: m.error };
    setStatus('ended', m.error ? `ended (${m.ended}): ${m.error}` : `ended (${m.ended})`);
  } else {
    return;
  }
  setAnchor(m);
  showState(m);
  if (S.mode === 'replay') showPlayer(m);
}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  socket = ws;
  ws.addEventListener('open', () => {
    debug.connected = true;
    stats.connects++;
  });
  ws.addEventListener('message', (e) => handle(JSON.parse(e.data)));
  ws.addEventListener('close', () => {
    debug.connected = false;
    if (debug.ended) setStatus('ended', `${$('status').textContent.replace(/; waiting.*$/, '')}; waiting for the stream to restart`);
    else setStatus('disconnected', 'disconnected; reconnecting');
    setTimeout(connect, RETRY_MS);
  });
}

connect();
requestAnimationFrame(render);
