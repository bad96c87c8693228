// The page's own files, and nothing else: a fixed table from URL path to a file of assets/, read into memory
// once when a server starts. A request is answered from this table or refused, so no request can name a
// file (no directory listing, no `..`, no encoded or doubled slashes: the path is compared as sent, whole).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

export interface Asset {
  body: Buffer;
  type: string;
}

const TABLE: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};

export function loadAssets(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [path, [file, type]] of Object.entries(TABLE)) out.set(path, { body: readFileSync(`${ASSETS_DIR}${file}`), type });
  return out;
}
