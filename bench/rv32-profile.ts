// Where the rv32imc instructions of one inference go, op by op (src/workflows/bench/rv32-profile.ts: one -g build of
// the batch program, qemu's block log, addr2line's inline chains). Prints a table, or --json.
//
//   npx tsx bench/rv32-profile.ts [--model-dir DIR] [--count-windows K] [--variant deployed|clang|os] [--json]
//
// --variant: the build counted (src/workflows/bench/idf-flags.ts): deployed (default), clang, os.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelHeader, resolveModelDir } from '../src/host/virtual-node.ts';
import { rv32Profile } from '../src/workflows/bench/rv32-profile.ts';
import { loadTestWindows } from '../src/workflows/bench/rv32-count.ts';
import type { Rv32Variant } from '../src/workflows/bench/idf-flags.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'model-dir': { type: 'string' }, 'count-windows': { type: 'string' }, variant: { type: 'string' }, json: { type: 'boolean' } } });
  const modelDir = resolveModelDir(values['model-dir']);
  const header = readModelHeader(modelDir);
  const k = Number(values['count-windows'] ?? 4);
  const report = JSON.parse(readFileSync(join(modelDir, 'compile-report.json'), 'utf8')) as { ops: { name: string; kernel: string; macs: number }[] };
  const variant = values.variant ?? 'deployed';
  if (!['deployed', 'clang', 'os'].includes(variant)) throw new Error(`--variant: deployed, clang or os, not '${variant}'`);
  const prof = await rv32Profile(modelDir, report.ops.length, loadTestWindows(header.inputFracBits, k), tmpdir(), variant as Rv32Variant);
  const rows = report.ops.map((o, i) => ({ op: i, name: o.name, kernel: o.kernel, macs: o.macs, instructions: prof.perOp[i] / k }));
  const other = prof.other / k;
  const total = rows.reduce((s, x) => s + x.instructions, 0) + other;
  if (values.json) {
    console.log(JSON.stringify({ modelDir, countWindows: k, total, macs: header.macs, instrPerMac: total / header.macs, other, ops: rows }, null, 2));
    return;
  }
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number, n: number) => Math.round(x).toLocaleString('en-US').padStart(n);
  console.log(`${pad('op', 4)}${pad('name', 34)}${pad('kernel', 30)}${'macs'.padStart(10)}${'instr'.padStart(12)}${'instr/MAC'.padStart(11)}${'share'.padStart(8)}`);
  for (const x of rows)
    console.log(`${pad(String(x.op), 4)}${pad(x.name, 34)}${pad(x.kernel, 30)}${num(x.macs, 10)}${num(x.instructions, 12)}${(x.macs ? (x.instructions / x.macs).toFixed(2) : '-').padStart(11)}${((100 * x.instructions) / total).toFixed(1).padStart(7)}%`);
  console.log(`${pad('', 4)}${pad('other (driver, I/O)', 64)}${num(0, 10)}${num(other, 12)}${''.padStart(11)}${((100 * other) / total).toFixed(1).padStart(7)}%`);
  console.log(`${pad('', 68)}${num(header.macs, 10)}${num(total, 12)}${(total / header.macs).toFixed(2).padStart(11)}`);
}

await main();
