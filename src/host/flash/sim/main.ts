// Runs a simulated ESP ROM loader on a pseudo-terminal so `pose-edge flash` can be tried without a board:
//   npx tsx src/host/flash/sim/main.ts [--chip esp32c3] [--flash-size 4MB] [--dump flash.bin] [--load flash.bin]
// It prints the port to flash; on Ctrl-C (or SIGTERM) it writes the simulated flash to --dump (if given) and exits.
// --flash-id and --stop-after-blocks play a flash whose size cannot be detected and a device that stops answering.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { chipById, CHIPS } from '../chips.ts';
import { parseFlashSize } from '../flash-size.ts';
import { simChipFrom } from './rom-sim.ts';
import { startSimulatedDevice } from './device.ts';

const program = new Command()
  .name('rom-sim')
  .description('Simulated ESP serial ROM loader on a pty (for trying `pose-edge flash` without hardware)')
  .option('--chip <id>', `chip to impersonate (${CHIPS.map((c) => c.id).join(', ')})`, 'esp32c3')
  .option('--flash-size <size>', 'simulated flash size: 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB', '4MB')
  .option('--flash-id <hex>', 'JEDEC ID the flash answers RDID with, e.g. 0xffffff (no flash answering); default from --flash-size')
  .option('--load <file>', 'start with this flash content (e.g. a --dump of an earlier run)')
  .option('--dump <file>', 'write the simulated flash here on exit')
  .option('--stop-after-blocks <n>', 'stop answering after this many data blocks (a device that hangs)')
  .parse();
const o = program.opts<{ chip: string; flashSize: string; flashId?: string; load?: string; dump?: string; stopAfterBlocks?: string }>();

function fail(message: string): never {
  process.stderr.write(`rom-sim: ${message}\n`);
  process.exit(2);
}

const chip = chipById(o.chip) ?? fail(`unknown chip "${o.chip}" (one of ${CHIPS.map((c) => c.id).join(', ')})`);
let flashSize = 0;
try {
  flashSize = parseFlashSize(o.flashSize, '--flash-size');
} catch (e) {
  fail((e as Error).message);
}
const flashId =
  o.flashId === undefined ? undefined : /^0x[0-9a-f]{1,6}$/i.test(o.flashId) ? parseInt(o.flashId, 16) : fail(`--flash-id ${o.flashId}: expected up to 6 hex digits, e.g. 0xffffff`);
const stopAfterBlocks =
  o.stopAfterBlocks === undefined ? undefined : /^\d+$/.test(o.stopAfterBlocks) ? Number(o.stopAfterBlocks) : fail(`--stop-after-blocks ${o.stopAfterBlocks}: expected a number`);
let flashContents: Uint8Array | undefined;
if (o.load) {
  try {
    flashContents = readFileSync(o.load);
  } catch (e) {
    fail(`--load ${o.load}: ${(e as Error).message}`);
  }
  if (flashContents.length > flashSize) fail(`--load ${o.load}: ${flashContents.length} bytes do not fit the ${o.flashSize} flash`);
}

const dev = await startSimulatedDevice({
  chip: simChipFrom(chip),
  flashSize,
  flashId,
  flashContents,
  faults: stopAfterBlocks === undefined ? undefined : { stopAfterBlocks },
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${chip.name} ROM loader simulated on ${dev.port}\n  try: pose-edge flash ${dev.port} --image app.bin@0x10000\n`);
function stop(): void {
  if (o.dump) {
    writeFileSync(o.dump, dev.sim.flash);
    process.stdout.write(`flash written to ${o.dump}\n`);
  }
  // Closing also stops the socat that links the two ptys.
  void dev.close().then(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
