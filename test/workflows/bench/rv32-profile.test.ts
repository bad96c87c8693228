// The per-op rv32imc profile (src/workflows/bench/rv32-profile.ts: the counted build, qemu's block log, addr2line
// inline chains) against an independent count of the same program: bench/rv32-count.ts counts its
// instructions from the block log without any attribution. Ops plus the rest must add up to it exactly,
// and every op that does work must get instructions of its own.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rv32Profile } from '../../../src/workflows/bench/rv32-profile.ts';
import { countInstructions, loadTestWindows } from '../../../src/workflows/bench/rv32-count.ts';
import { GENERATED_MODEL_DIR, readModelHeader } from '../../../src/host/virtual-node.ts';
import { buildRv32Program } from '../../../src/workflows/bench/rv32-build.ts';

describe('rv32 per-op profile', () => {
  it('attributes every instruction of a window: the ops and the rest sum to the block-log count', async () => {
    const modelDir = GENERATED_MODEL_DIR;
    const header = readModelHeader(modelDir);
    const ops = (JSON.parse(readFileSync(join(modelDir, 'compile-report.json'), 'utf8')) as { ops: { macs: number; kind: string }[] }).ops;
    const window = loadTestWindows(header.inputFracBits, 1);
    const prof = await rv32Profile(modelDir, ops.length, window, tmpdir());
    const { elf } = await buildRv32Program(modelDir, join(tmpdir(), 'pose-edge-rv32-profile-test'));
    const [full, empty] = await Promise.all([countInstructions(elf, window), countInstructions(elf, Buffer.alloc(0))]);
    const sum = prof.perOp.reduce((a, b) => a + b, 0) + prof.other;
    expect(sum).toBe(full.instructions - empty.instructions);
    ops.forEach((op, i) => expect(prof.perOp[i], `op ${i} (${op.kind})`).toBeGreaterThan(op.macs > 0 ? op.macs : 100));
    // the driver and I/O are a small rest, not a place where op instructions get lost
    expect(prof.other).toBeLessThan(0.02 * sum);
  }, 120_000);
});
