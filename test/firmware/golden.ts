// Reader of test/fixtures/protocol/golden-frames.txt (format in generate-golden.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GOLDEN_PATH = fileURLToPath(new URL('../fixtures/protocol/golden-frames.txt', import.meta.url));

export interface GoldenCobs { name: string; raw: Uint8Array; enc: Uint8Array }
export interface GoldenFrame { name: string; type: number; seq: number; payload: Uint8Array; wire: Uint8Array }
export interface GoldenStream { name: string; chunks: Uint8Array[]; expects: string[] }

const unhex = (s: string) => (s === '-' ? new Uint8Array(0) : new Uint8Array(Buffer.from(s, 'hex')));
const field = (line: string, key: string) => {
  const m = new RegExp(` ${key}=(\\S+)`).exec(line);
  if (!m) throw new Error(`golden line lacks ${key}: ${line.slice(0, 80)}`);
  return m[1];
};

export function readGolden(): { cobs: GoldenCobs[]; frames: GoldenFrame[]; streams: GoldenStream[] } {
  const cobs: GoldenCobs[] = [];
  const frames: GoldenFrame[] = [];
  const streams: GoldenStream[] = [];
  for (const line of readFileSync(GOLDEN_PATH, 'utf8').split('\n')) {
    const name = line.split(' ')[1];
    if (line.startsWith('cobs ')) cobs.push({ name, raw: unhex(field(line, 'raw')), enc: unhex(field(line, 'enc')) });
    else if (line.startsWith('frame '))
      frames.push({ name, type: parseInt(field(line, 'type'), 16), seq: Number(field(line, 'seq')), payload: unhex(field(line, 'payload')), wire: unhex(field(line, 'wire')) });
    else if (line.startsWith('stream ')) streams.push({ name, chunks: field(line, 'chunks').split(',').map(unhex), expects: [] });
    else if (line.startsWith('expect ')) streams[streams.length - 1].expects.push(line);
  }
  return { cobs, frames, streams };
}
