// Runs a simulated ESP ROM loader on a pseudo-terminal so `pose-edge flash` can be tried without a board:
//   npx tsx src/host/flash/sim/main.ts [--chip esp32c3] [--flash-size 4MB] [--dump flash.bin]
// It prints the port to flash; on Ctrl-C (or SIGTERM) it writes the simulated flash to --dump (if given) and exits.
import { writeFileSync } from 'node:fs';
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
  .option('--dump <file>', 'write the simulated flash here on exit')
  .parse();
const o = program.opts<{ chip: string; flashSize: string; dump?: string }>();
const chip = chipById(o.chip);
if (!chip) {
  process.stderr.write(`rom-sim: unknown chip "${o.chip}" (one of ${CHIPS.map((c) => c.id).join(', ')})\n`);
  process.exit(2);
}
let flashSize = 0;
try {
  flashSize = parseFlashSize(o.flashSize, '--flash-size');
} catch (e) {
  process.stderr.write(`rom-sim: ${(e as Error).message}\n`);
  process.exit(2);
}
const dev = await startSimulatedDevice({ chip: simChipFrom(chip), flashSize });
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
