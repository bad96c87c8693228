// The browser view's server without a browser: it answers with its three files and refuses everything else
// (raw HTTP requests, so no client library tidies `..` or `%2e` away first), checks Host and a WebSocket's
// Origin, warns once when other machines can reach it; `--web` parsing; the model check hashes what the
// compiler hashes; `view`'s errors name the file or option.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePayload, MessageType, type Message } from '../../../src/host/protocol/messages.ts';
import { encodeHeader, encodeRecord, RecordKind } from '../../../src/host/stream/recording.ts';
import { startWebServer, type WebServer } from '../../../src/host/web/server.ts';
import { isLoopbackAddress, parseWebAddress } from '../../../src/host/web/address.ts';
import { modelCheck } from '../../../src/host/web/model-check.ts';
import { ASSETS_DIR } from '../../../src/host/web/assets.ts';
import { REPO_ROOT } from '../../../src/paths.ts';
import { runCliResult } from '../../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-web-server-'));
let server: WebServer;
let clients = 0;
beforeAll(async () => {
  server = await startWebServer({ host: '127.0.0.1', port: 0, label: '--web 127.0.0.1:0', onClient: (c) => (clients++, c.send({ type: 'hi' })) });
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * One raw HTTP/1.1 request line + headers, exactly as given; the status and body of the answer (read to the
 * end of the connection; for `headOnly`, up to the end of the response head, e.g. a WebSocket's 101).
 */
function raw(requestLine: string, headers: Record<string, string> = {}, headOnly = false): Promise<{ status: number; head: string; body: string }> {
  const h = { Host: `127.0.0.1:${server.port}`, Connection: 'close', ...headers };
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1');
    let data = '';
    const done = () => {
      const cut = data.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]), head: data.slice(0, cut), body: data.slice(cut + 4) });
    };
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      data += d;
      if (headOnly && data.includes('\r\n\r\n')) {
        s.destroy();
        done();
      }
    });
    s.on('error', reject);
    s.on('end', done);
    s.write(`${requestLine}\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  });
}

describe('the asset server', () => {
  it('serves its three files, byte for byte, with a Content-Security-Policy that allows only its own scripts', async () => {
    for (const [path, file, type] of [['/', 'index.html', 'text/html'], ['/app.js', 'app.js', 'text/javascript'], ['/app.css', 'app.css', 'text/css']]) {
      const r = await raw(`GET ${path} HTTP/1.1`);
      expect(r.status, path).toBe(200);
      expect(r.head).toContain(`Content-Type: ${type}; charset=utf-8`);
      expect(r.head).toMatch(/Content-Security-Policy: default-src 'none'; script-src 'self';/);
      expect(r.head).toContain('X-Content-Type-Options: nosniff');
      expect(r.body).toBe(readFileSync(join(ASSETS_DIR, file), 'latin1'));
    }
    expect((await raw('GET /app.js?v=2 HTTP/1.1')).status).toBe(200);
    const head = await raw('HEAD / HTTP/1.1');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('refuses every other path: traversal, encodings, other files of the package, directories', async () => {
    const pkg = readFileSync(join(REPO_ROOT, 'package.json'), 'latin1');
    const paths = [
      '/../package.json', '/../../../../etc/passwd', '/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/..%2f..%2fpackage.json', '/app.js/../../package.json',
      '//etc/passwd', '/./app.js', '/app.js/', '/APP.JS', '/index.html', '/assets/app.js', '/src/host/web/assets/app.js', '/package.json', '/assets/',
      '/server.ts', '/%00', '/app.js%00.html', '/\\..\\package.json', '/ws',
      'package.json', '../package.json', '*', `http://127.0.0.1:${server.port}/../package.json`, `http://127.0.0.1:${server.port}/app.js`,
    ];
    for (const p of paths) {
      const r = await raw(`GET ${p} HTTP/1.1`);
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain('"name": "pose-edge"');
      expect(r.body, p).not.toBe(pkg);
      expect(r.body, p).not.toContain('root:');
    }
    expect((await raw('POST / HTTP/1.1', { 'Content-Length': '0' })).status).toBe(405);
    expect((await raw('PUT /app.js HTTP/1.1', { 'Content-Length': '0' })).status).toBe(405);
    expect((await raw('OPTIONS * HTTP/1.1')).status).toBe(405);
  });

  it('refuses a Host that is not an address of this machine (DNS rebinding) or names another port', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1.nip.example:${server.port}`, '127.0.0.1:1', '127.0.0.1', '']) {
      const r = await raw('GET / HTTP/1.1', { Host: host });
      expect(r.status, host).toBe(421);
    }
    for (const host of [`localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`, `10.1.2.3:${server.port}`]) {
      expect((await raw('GET / HTTP/1.1', { Host: host })).status, host).toBe(200);
    }
  });

  it('takes a WebSocket at /ws from its own origin (or a client without one), and refuses other origins and paths', async () => {
    const upgrade = (path: string, headers: Record<string, string>) =>
      raw(`GET ${path} HTTP/1.1`, { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers }, true);
    const before = clients;
    expect((await upgrade('/ws', { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(101);
    expect((await upgrade('/ws', {})).status).toBe(101);
    expect(clients).toBe(before + 2);
    for (const origin of ['http://evil.example', `http://localhost:${server.port}.evil.example`, 'null', `https://127.0.0.1:${server.port}`]) {
      const r = await upgrade('/ws', { Origin: origin });
      expect(r.status, origin).toBe(403);
    }
    expect((await upgrade('/other', { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(404);
    expect((await upgrade('/ws', { Host: 'evil.example', Origin: 'http://evil.example' })).status).toBe(421);
    expect(clients).toBe(before + 2);
  });
});

describe('--web and the model check', () => {
  it('parses [HOST:]PORT, and names the flag and the value when it cannot', () => {
    expect(parseWebAddress('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseWebAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseWebAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseWebAddress('localhost:1')).toEqual({ host: 'localhost', port: 1 });
    const usage = '(give [HOST:]PORT, e.g. 8080, 127.0.0.1:8080 or [::1]:8080; PORT 0 picks a free port)';
    expect(() => parseWebAddress('http')).toThrow(`--web 'http': the port must be a whole number in 0..65535 ${usage}`);
    expect(() => parseWebAddress('70000')).toThrow(`--web '70000': the port must be a whole number in 0..65535`);
    expect(() => parseWebAddress('::1:80')).toThrow(`--web '::1:80': an IPv6 address goes in brackets`);
    expect(() => parseWebAddress('[zz]:80')).toThrow(`--web '[zz]:80': 'zz' is not an IPv6 address`);
    expect(() => parseWebAddress('a/b:80')).toThrow(`--web 'a/b:80': 'a/b' is not a host name or address`);
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.4.1', 'fe80::1'].some(isLoopbackAddress)).toBe(false);
  });

  it('the model SHA-256 of --model/--weights is the one the compiler wrote for the committed component', () => {
    const report = JSON.parse(readFileSync(join(REPO_ROOT, 'firmware/components/pose_model/compile-report.json'), 'utf8'));
    expect(modelCheck(join(REPO_ROOT, report.model), join(REPO_ROOT, report.weights)).sha256).toBe(report.modelSha256);
    expect(() => modelCheck(join(tmp, 'none.onnx'), join(REPO_ROOT, report.weights))).toThrow(`${join(tmp, 'none.onnx')}: no such file or directory (ONNX model)`);
  });
});

describe('pose-edge view: addresses and errors', () => {
  const info: Message = {
    type: 'INFO', firmwareVersion: '0.1.0', chip: 'test', modelSha256: 'ab'.repeat(32), weightBits: 4, actBits: 8, inputFracBits: 8, outputFracBits: 12,
    inputLen: 3420, outputLen: 34, arenaBytes: 1, macs: 1, cycleHz: 0, mode: 'live', protocolVersion: 1, maxPayload: 6848,
  };
  const rec = join(tmp, 'small.pestrm');
  writeFileSync(rec, Buffer.concat([encodeHeader(), encodeRecord({ timeMs: 1000, kind: RecordKind.NODE_MESSAGE, type: MessageType.INFO, payload: encodePayload(info) })]));

  /** Runs `view` until it prints where the page is, then stops it with SIGINT. */
  async function view(args: string[]) {
    return runCliResult('view', args, (_c, all) => {
      if (all.includes('Ctrl-C stops')) setTimeout(() => process.emit('SIGINT'), 10);
    });
  }

  it('on a loopback address: no warning; on all interfaces: one warning line naming the address', async () => {
    for (const addr of ['127.0.0.1:0', '[::1]:0', 'localhost:0', '0']) {
      const r = await view([rec, '--web', addr]);
      expect(r.err, addr).toBeNull();
      expect(r.stdout).toMatch(new RegExp(`^${rec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 1 records over 0\\.0 s\nbrowser view: http://(127\\.0\\.0\\.1|\\[::1\\]):\\d+/  \\(Ctrl-C stops\\)\n$`));
      expect(r.stderr.split('\n').filter((l) => l.includes('warning'))).toEqual([]);
    }
    const r = await view([rec, '--web', '0.0.0.0:0']);
    expect(r.err).toBeNull();
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^pose-edge: warning: --web 0\.0\.0\.0:0: the browser view listens on 0\.0\.0\.0 port (\d+), not a loopback address: anyone who can reach this machine can watch the stream \(the page has no login\); use --web 127\.0\.0\.1:\1 to keep it on this machine$/,
    );
    expect(r.stdout).toMatch(/browser view: http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('errors name the file, the option or the port', async () => {
    const err = async (args: string[]) => ((await view(args)).err as Error)?.message;
    expect(await err([rec])).toBe('view needs --web [HOST:]PORT: the recording is shown in a browser page (e.g. --web 8080)');
    expect(await err([join(tmp, 'none.pestrm'), '--web', '0'])).toBe(`${join(tmp, 'none.pestrm')}: no such file or directory (stream recording)`);
    expect(await err([rec, '--web', 'x'])).toMatch(/^--web 'x': the port must be a whole number/);
    expect(await err([rec, '--web', '0', '--model', 'm.onnx'])).toBe("--model and --weights go together: give both to check the node's model");
    const empty = join(tmp, 'empty.pestrm');
    writeFileSync(empty, encodeHeader());
    expect(await err([empty, '--web', '0'])).toBe(`${empty}: the recording holds no records`);
    const bad = join(tmp, 'bad.pestrm');
    writeFileSync(bad, Buffer.concat([encodeHeader(), encodeRecord({ timeMs: 1, kind: RecordKind.NODE_MESSAGE, type: MessageType.KEYPOINTS, payload: new Uint8Array(5) })]));
    expect(await err([bad, '--web', '0'])).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: record 0 at byte 16 \\(KEYPOINTS\\): `));
    expect(await err([rec, '--web', `127.0.0.1:${server.port}`])).toBe(`--web 127.0.0.1:${server.port}: cannot listen on 127.0.0.1:${server.port}: the port is already in use`);
    const r = await runCliResult('stream', ['--udp', '0', '--model', 'm.onnx', '--weights', 'w.npz']);
    expect((r.err as Error).message).toBe('--model/--weights are checked against the node in the browser view: they need --web [HOST:]PORT');
  });
});
