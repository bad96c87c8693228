// A noisy link between host and node: a Transport wrapper that flips one random bit in a byte with a given
// probability, independently per direction, from a seeded PRNG (the same seed corrupts the same byte
// positions of each direction's byte stream, whatever the chunking). Counts what it did so a test can show
// the noise was real.
import type { Transport } from '../../src/host/transport/transport.ts';

/** mulberry32: small, fast, good enough to place noise; deterministic for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BitFlipStats {
  toNodeBytes: number;
  toNodeFlips: number;
  toHostBytes: number;
  toHostFlips: number;
}

export interface BitFlipOptions {
  /** Probability that a byte written by the host gets one bit flipped. */
  toNode: number;
  /** Probability that a byte coming from the node gets one bit flipped. */
  toHost: number;
  seed: number;
}

export function bitFlipTransport(t: Transport, o: BitFlipOptions, stats: BitFlipStats): Transport {
  const down = prng(o.seed);
  const up = prng(o.seed ^ 0x5bd1e995);
  const flip = (bytes: Uint8Array, rate: number, rnd: () => number): [Uint8Array, number] => {
    const out = Uint8Array.from(bytes);
    let flips = 0;
    for (let i = 0; i < out.length; i++) {
      if (rnd() < rate) {
        out[i] ^= 1 << Math.floor(rnd() * 8);
        flips++;
      }
    }
    return [out, flips];
  };
  return {
    name: t.name,
    write: (bytes) => {
      const [out, flips] = flip(bytes, o.toNode, down);
      stats.toNodeBytes += out.length;
      stats.toNodeFlips += flips;
      return t.write(out);
    },
    onData: (listener) =>
      t.onData((chunk) => {
        const [out, flips] = flip(chunk, o.toHost, up);
        stats.toHostBytes += out.length;
        stats.toHostFlips += flips;
        listener(out);
      }),
    onClose: (l) => t.onClose(l),
    setSignals: (s) => t.setSignals(s),
    setBaudRate: (b) => t.setBaudRate(b),
    close: () => t.close(),
  };
}
