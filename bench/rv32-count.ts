// Prints the rv32imc instruction count of one inference (the batch program under qemu-riscv32, bit-exact
// with the host build on the bundled test set) and the code and data sizes on rv32imc and Xtensa
// (src/workflows/bench/rv32-count.ts does the work).
//
//   npx tsx bench/rv32-count.ts [--model-dir DIR] [--windows N] [--count-windows K] [--json]
//
// --windows: how many test windows to compare (default: all); --count-windows: how many to count
// instructions over (default 8; the count of each window depends slightly on its data).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../src/paths.ts';
import { rv32Report, type Rv32Report } from '../src/workflows/bench/rv32-count.ts';

function formatReport(r: Rv32Report): string {
  const sec = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `  ${k.padEnd(14)} ${String(v).padStart(8)} B`).join('\n');
  return [
    `model            ${r.modelDir} (sha256 ${r.modelSha256.slice(0, 16)}..., ${r.macs} MACs)`,
    `rv32 vs host     ${r.bitExact ? 'bit-exact' : `MISMATCH at window ${r.firstMismatch}`} on ${r.windowsCompared} test windows`,
    `start-up         ${r.startupInstructions} instructions (subtracted)`,
    `per inference    ${Math.round(r.instructionsPerInference)} instructions (mean of ${r.countWindows} windows)`,
    `per MAC          ${r.instructionsPerMac.toFixed(2)} instructions`,
    `rv32imc ELF sections (batch program: model + frame helpers, ESP-IDF's compile line; picolibc.ld puts read-only data, weights included, in .text; .stack is its reservation, qemu supplies the real stack):`,
    sec(r.rv32Sections),
    `xtensa-lx106 -mlongcalls -Os objects, firmware/core (protocol, CSI, windows, driver, node):`,
    sec(r.xtensaCore),
    `xtensa-lx106 -mlongcalls -Os objects, model (${r.modelDir}):`,
    sec(r.xtensaModel),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const argv = process.argv.slice(2);
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (!existsSync(join(DATA_DIR, 'test_X.npy'))) {
    console.error(`rv32-count: ${join(DATA_DIR, 'test_X.npy')}: no test set`);
    process.exit(1);
  }
  const report = await rv32Report({
    modelDir: get('--model-dir'),
    windows: get('--windows') ? Number(get('--windows')) : undefined,
    countWindows: get('--count-windows') ? Number(get('--count-windows')) : undefined,
  });
  console.log(argv.includes('--json') ? JSON.stringify(report) : formatReport(report));
  if (!report.bitExact) process.exit(1);
}
