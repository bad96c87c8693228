// The browser view's HTTP server: Node's http for the page's three files (assets.ts) and a WebSocket
// (the `ws` package) at /ws for the data. What a browser tab gets to see is guarded three ways:
// - only the page's own files are served, from memory (assets.ts), to GET and HEAD;
// - the Host header must be an IP address, `localhost` or this machine's name, and carry the server's port:
//   a page of another site that re-points its own name at 127.0.0.1 (DNS rebinding) is refused;
// - a WebSocket from a page must come from this server's own origin (a browser lets any site open a
//   WebSocket to localhost; the Origin header is how a server tells them apart).
// Every response forbids scripts and connections other than the page's own (Content-Security-Policy), so
// even text that somehow landed in the page as HTML could not run.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { PoseEdgeError } from '../../errors.ts';
import { loadAssets } from './assets.ts';
import { isLoopbackAddress, viewUrl } from './address.ts';

export class WebServerError extends PoseEdgeError {}

/** One open page. Messages are JSON objects. */
export interface PageClient {
  send(message: object): void;
  onMessage(handler: (message: unknown) => void): void;
  onClose(handler: () => void): void;
  close(): void;
}

export interface WebServerOptions {
  host: string;
  port: number;
  /** Names the server in error messages (e.g. `--web 127.0.0.1:8080`). */
  label: string;
  onClient: (client: PageClient) => void;
}

export interface WebServer {
  /** The address and port the socket is bound to (port 0 resolved). */
  address: string;
  port: number;
  /** The URL to open (a wildcard bind is shown on loopback). */
  url: string;
  /** Whether only this machine can reach it. */
  loopback: boolean;
  /** Closes every page's socket (they reconnect by themselves when a server comes back) and the server. */
  close(): Promise<void>;
}

const HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** A page that falls behind by this much queued data is dropped; it reconnects and starts from a fresh snapshot. */
const MAX_BUFFERED = 16 << 20;

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const assets = loadAssets();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const server: Server = createServer((req, res) => serve(req, res));
  let port = o.port;

  function refuse(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
    res.end(`${text}\n`);
  }

  /** Host: an IP literal, localhost or this machine's name, with our port (null when acceptable, else why not). */
  function badHost(req: IncomingMessage): string | null {
    const h = req.headers.host;
    if (!h) return 'no Host header';
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(h);
    if (!m) return 'malformed Host header';
    const name = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1].toLowerCase();
    if (Number(m[2] ?? 80) !== port) return `Host ${h} names another port`;
    const local = hostname().toLowerCase();
    if (isIP(name) || name === 'localhost' || name.endsWith('.localhost') || name === local) return null;
    return `Host ${h} is not this server's address (a site re-pointing its own name here is refused)`;
  }

  function serve(req: IncomingMessage, res: ServerResponse): void {
    const why = badHost(req);
    if (why) return refuse(res, 421, `misdirected request: ${why}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const asset = assets.get(path);
    if (!asset) return refuse(res, 404, 'not found (this server serves only its own page)');
    res.writeHead(200, { ...HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  function reject(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const why = badHost(req);
    if (why) return reject(socket, 421, `Misdirected Request: ${why}`);
    if (req.url !== '/ws') return reject(socket, 404, 'Not Found');
    // Browsers always send Origin on a WebSocket; a page from anywhere else is refused.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return reject(socket, 403, `Forbidden: origin ${origin} is not this page`);
    wss.handleUpgrade(req, socket, head, (ws) => o.onClient(wrap(ws)));
  });

  function wrap(ws: WebSocket): PageClient {
    ws.on('error', () => {});
    return {
      send(message) {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED) {
          ws.close(1013, 'the page fell behind; reconnect');
          return;
        }
        ws.send(JSON.stringify(message));
      },
      onMessage(handler) {
        ws.on('message', (data, isBinary) => {
          if (isBinary) return;
          let m: unknown;
          try {
            m = JSON.parse(String(data));
          } catch {
            return;
          }
          handler(m);
        });
      },
      onClose(handler) {
        ws.on('close', handler);
      },
      close() {
        ws.close(1001, 'the stream ended');
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new WebServerError(`${o.label}: cannot listen on ${o.host}:${o.port}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message}`)),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  server.removeAllListeners('error');
  server.on('error', () => {});
  const a = server.address();
  if (!a || typeof a === 'string') throw new WebServerError(`${o.label}: the server has no TCP address`);
  port = a.port;
  return {
    address: a.address,
    port,
    url: viewUrl(a.address, port),
    loopback: isLoopbackAddress(a.address),
    async close() {
      for (const ws of wss.clients) ws.close(1001, 'the stream ended');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Sockets still closing (a page that does not answer the close handshake) do not hold the command up.
        setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          server.closeAllConnections();
        }, 1000).unref();
      });
      wss.close();
    },
  };
}
