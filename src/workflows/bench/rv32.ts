// rv32Instructions and textBytes: the batch program (firmware/linux/batch_main.c + the generated kernel)
// built for rv32imc as ESP-IDF builds it (rv32-build.ts) runs under qemu-riscv32; instructions are counted
// by rv32-count.ts's qemu log reader, and start-up + exit (a run on empty input) is subtracted. Code size is
// the .text of the kernel's own objects (weights live in .rodata and are counted by weightBytes): rv32imc
// the objects of the counted program, xtensa-lx106 -mlongcalls -Os like the firmware (there .literal, the
// constant pools of the code, counts as code too).
import { join } from 'node:path';
import { countInstructions, sectionSizes, xtensaObjects } from './rv32-count.ts';
import { CORE_DIR } from '../../host/virtual-node.ts';
import { BenchError } from './errors.ts';
import { WINDOW_VALUES } from '../../data/window.ts';
import { buildRv32Program } from './rv32-build.ts';
import type { Rv32Variant } from './idf-flags.ts';

export interface Rv32Count {
  startupInstructions: number;
  instructionsPerInference: number;
  windowsCounted: number;
  /** The rv32 outputs of the counted windows, to compare with the host build's. */
  outputs: Int16Array;
}

export async function countRv32(modelDir: string, buildDir: string, windows: Int16Array, variant: Rv32Variant = 'deployed'): Promise<Rv32Count> {
  const { elf } = await buildRv32Program(modelDir, buildDir, variant);
  const k = windows.length / WINDOW_VALUES;
  const input = Buffer.from(windows.buffer, windows.byteOffset, windows.byteLength);
  try {
    const startup = await countInstructions(elf, Buffer.alloc(0));
    const counted = await countInstructions(elf, input);
    const out = counted.stdout;
    return {
      startupInstructions: startup.instructions,
      instructionsPerInference: (counted.instructions - startup.instructions) / k,
      windowsCounted: k,
      outputs: new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)),
    };
  } catch (e) {
    throw new BenchError(`${elf}: counting rv32 instructions under qemu-riscv32 failed: ${(e as Error).message}`);
  }
}

/** Code: .text and .literal, and code placed in IRAM (.iram1*, PK_IRAM on ESP-IDF). */
function codeBytes(sections: Record<string, number>): number {
  return (sections['.text'] ?? 0) + (sections['.literal'] ?? 0) + (sections['.iram1'] ?? 0);
}

/** What the model's objects put where on the ESP32-C3 (the deployed build): flash bytes (code and constant
 * data, whether it runs from flash or is copied to SRAM at boot) and the SRAM the placement takes (code in
 * IRAM, constants in DRAM; the arena is counted by arenaBytes). */
export async function modelMemory(modelDir: string, buildDir: string): Promise<{ flashBytes: number; iramBytes: number; dramBytes: number }> {
  const { modelObjects } = await buildRv32Program(modelDir, buildDir, 'deployed');
  const s = await sectionSizes('riscv64-unknown-elf-size', modelObjects);
  const data = ['.rodata', '.srodata', '.dram1', '.data', '.sdata'].reduce((a, k) => a + (s[k] ?? 0), 0);
  return { flashBytes: codeBytes(s) + data, iramBytes: s['.iram1'] ?? 0, dramBytes: s['.dram1'] ?? 0 };
}

export async function kernelTextBytes(modelDir: string, buildDir: string): Promise<{ rv32imc: number; xtensaLx106: number }> {
  const { modelObjects } = await buildRv32Program(modelDir, buildDir, 'deployed');
  let xobjs: string[];
  try {
    xobjs = await xtensaObjects(modelDir, join(buildDir, 'xtensa-objects'));
  } catch (e) {
    throw new BenchError(`compiling ${modelDir} for xtensa-lx106 failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  }
  const coreTag = CORE_DIR.replace(/[/\\]/g, '_');
  return {
    rv32imc: codeBytes(await sectionSizes('riscv64-unknown-elf-size', modelObjects)),
    xtensaLx106: codeBytes(await sectionSizes('xtensa-lx106-elf-size', xobjs.filter((o) => !o.includes(coreTag)))),
  };
}
