// Flash throughput of `pose-edge flash` against the simulated ROM loader on a pty, deflate and plain.
//   npx tsx bench/flash-throughput.ts [--runs 5] [--sizes 256K,1M,4M]
// Prints, per size and mode, the median over runs of: measured KB/s on the pty (write + MD5 verify), bytes on the
// wire, and the KB/s that many wire bytes would allow at the default 460800 baud (8N1, 10 bits a byte). A pty
// ignores the baud rate, so the measured figure is a CPU/round-trip bound, not a UART figure; the modelled one
// leaves out the real ROM's up-front erase (about 30-40 s/MB per esptool) and flash programming time.
import { chipById } from '../src/host/flash/chips.ts';
import { flashPort } from '../src/host/flash/flasher.ts';
import { parseAppImage } from '../src/host/flash/image.ts';
import type { FlashPlan } from '../src/host/flash/plan.ts';
import { startSimulatedDevice } from '../src/host/flash/sim/device.ts';
import { simChipFrom } from '../src/host/flash/sim/rom-sim.ts';
import { SerialTransport } from '../src/host/transport/serial.ts';
import type { Transport } from '../src/host/transport/transport.ts';
import { DEFAULT_BAUD } from '../src/cli/commands/flash.ts';
import { buildAppImage } from '../test/host/flash/fixtures.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const runs = Number(arg('--runs', '5'));
const sizes = arg('--sizes', '256K,1M,4M')
  .split(',')
  .map((s) => Number(s.slice(0, -1)) * (s.endsWith('M') ? 1 << 20 : 1 << 10));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Counts what the host puts on the line (SLIP-framed), to model the time at a real baud rate. */
function counting(t: Transport, counter: { tx: number; rx: number }): Transport {
  t.onData((c) => {
    counter.rx += c.length;
  });
  return {
    name: t.name,
    write: (b) => {
      counter.tx += b.length;
      return t.write(b);
    },
    onData: (l) => t.onData(l),
    onClose: (l) => t.onClose(l),
    setSignals: (s) => t.setSignals(s),
    setBaudRate: (b) => t.setBaudRate(b),
    close: () => t.close(),
  };
}

const chip = chipById('esp32c3')!;
const flashSize = 8 << 20;
process.stdout.write(
  `flash throughput on the simulated ${chip.name} ROM loader over a pty; median of ${runs} runs; default baud ${DEFAULT_BAUD}\n` +
    'size     mode     pty KB/s   wire bytes   ratio   modelled KB/s @ default baud (line only)\n',
);
const dev = await startSimulatedDevice({ chip: simChipFrom(chip), flashSize });
try {
  for (const size of sizes) {
    const data = buildAppImage({ size, seed: size, flashSizeCode: 3 });
    const plan: FlashPlan = {
      regions: [{ name: 'app', file: 'bench', offset: 0x10000, data, kind: 'app', image: parseAppImage(data, 'bench') }],
      flashSizeBytes: flashSize,
      flashSizeSource: 'bench',
      sizeClaims: [],
    };
    for (const compress of [true, false]) {
      const kbps: number[] = [];
      const wire: number[] = [];
      const modelled: number[] = [];
      for (let r = 0; r < runs; r++) {
        dev.sim.resetDevice();
        const counter = { tx: 0, rx: 0 };
        const s = await flashPort(dev.port, plan, {
          compress,
          openTransport: async (p, b) => counting(await SerialTransport.open(p, b), counter),
        });
        if (!s.ok) throw new Error(`bench run failed: ${s.error}`);
        kbps.push(s.kbPerSecond);
        wire.push(counter.tx);
        const lineSeconds = ((counter.tx + counter.rx) * 10) / DEFAULT_BAUD;
        modelled.push(data.length / 1024 / lineSeconds);
      }
      const label = size >= 1 << 20 ? `${size >> 20} MB` : `${size >> 10} KB`;
      process.stdout.write(
        `${label.padEnd(8)} ${(compress ? 'deflate' : 'plain').padEnd(8)} ${median(kbps).toFixed(0).padStart(8)}   ` +
          `${String(median(wire)).padStart(10)}   ${(median(wire) / data.length).toFixed(2).padStart(5)}   ${median(modelled).toFixed(1).padStart(8)}\n`,
      );
    }
  }
} finally {
  await dev.close();
}
