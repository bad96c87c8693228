// The human-readable form of a bench report: one table, peers side by side, targets beside the figures.
import type { BenchReport } from './run.ts';
import { TIMING_ROUNDS } from './side-by-side.ts';

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const rounds = (us: number[]) => us.map((v) => v.toFixed(1)).join(', ');
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

export function formatBench(r: BenchReport): string {
  const row = (name: string, value: string, note = '') => `  ${name.padEnd(26)} ${value.padStart(16)}  ${note}`.trimEnd();
  const lines = [
    `pose-edge bench: ${r.model} + ${r.weights} (int${r.bits} weights, int${r.actBits} activations)`,
    `machine: ${r.machine}; ${r.testWindows} test windows; ${r.runs} timed runs of each peer after warm-up, in ${TIMING_ROUNDS} alternating rounds (the fastest round's median)`,
    '',
    row('hostUs', r.hostUs.toFixed(1), `generated C, gcc -O2, 1 thread, batch 1 (rounds: ${rounds(r.hostUsRounds)})`),
    row('ortUs', r.ortUs.toFixed(1), `reference on onnxruntime-node, 1+1 threads, batch 1 (rounds: ${rounds(r.ortUsRounds)})`),
    row('ratio', r.ratio.toFixed(3), 'hostUs / ortUs (< 1: the generated C is faster)'),
    row('rv32Instructions', n0(r.rv32Instructions), `per inference, ESP-IDF v5.5 default build (gcc -Og + the component's options), qemu-riscv32, mean of ${r.rv32WindowsCounted} windows, start-up (${n0(r.rv32StartupInstructions)}) subtracted`),
    row('rv32InstructionsClang', n0(r.rv32InstructionsClang), `the same, model built by clang 14 (${pct(r.rv32InstructionsClang / r.rv32Instructions)} vs gcc)`),
    row('rv32InstructionsOs', n0(r.rv32InstructionsOs), `gcc, project at -Os, the component's -O2 not applied (${pct(r.rv32InstructionsOs / r.rv32Instructions)})`),
    row('c3CacheMisses', n0(r.c3CacheMisses), `ESP32-C3 flash cache (16 KB, 8-way, 32 B lines), cold at each inference; back to back ${n0(r.c3CacheMissesWarm)}`),
    row('c3LatencyMs', `${r.c3LatencyMs.low.toFixed(2)}-${r.c3LatencyMs.high.toFixed(2)}`, '160 MHz, 1 cycle per instruction, 50-170 cycles per miss (docs/performance.md)'),
    row('rv32InstructionsPerPacket', r.rv32InstructionsPerPacket === null ? 'n/a' : n0(r.rv32InstructionsPerPacket),
      r.streamingRefusal ?? 'streaming: push one packet + one inference on the last window'),
    row('macs', n0(r.macs)),
    row('instrPerMac', r.instrPerMac.toFixed(2), 'all ops included'),
    row('weightBytes', n0(r.weightBytes), 'constant data: weights, biases, scales, tables'),
    row('arenaBytes', n0(r.arenaBytes), `lower bound ${n0(r.arenaLowerBound)}`),
    row('textBytes.rv32imc', n0(r.textBytes.rv32imc), 'kernel code (.text, IRAM), the counted build'),
    row('modelFlashBytes', n0(r.modelFlashBytes), 'rv32imc code + constant data of the model\'s objects'),
    row('c3SramBytes', `${n0(r.c3SramBytes.iram)} + ${n0(r.c3SramBytes.dram)}`, 'IRAM code + DRAM constants on the ESP32-C3 (ESP-IDF placement), beyond the arena'),
    row('textBytes.xtensaLx106', n0(r.textBytes.xtensaLx106), 'kernel .text + .literal, -mlongcalls -Os'),
    row('pck20', `${r.pck20.toFixed(2)} %`, 'deployed kernel (the timed host build) on the bundled labels'),
    row('streamingPck20', r.streamingPck20 === null ? 'n/a' : `${r.streamingPck20.toFixed(2)} %`,
      r.streamingMaxOutputDiff === null ? '' : `streaming on the same windows; outputs within ${r.streamingMaxOutputDiff} LSB of the window path`),
    row('referencePck20', `${r.referencePck20.toFixed(2)} %`, 'reference model on onnxruntime-node'),
  ];
  return `${lines.join('\n')}\n`;
}
