// `pose-edge node`: the error messages a user can reach, and the --virtual --json life cycle as another
// program sees it (first line {"port","pid"}, the pty answers HELLO, SIGTERM stops it with exit code 0).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { REPO_ROOT } from '../../src/paths.ts';
import { SerialTransport } from '../../src/host/transport/serial.ts';
import { NodeSession } from '../../src/host/protocol/index.ts';
import { startVirtualNode } from '../../src/host/virtual-node.ts';
import { tempBuildDir } from './helpers.ts';

const buildDir = tempBuildDir('cli');
const parse = (...args: string[]) => buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'node', ...args]);

describe('pose-edge node: errors', () => {
  it('needs --virtual', async () => {
    await expect(parse()).rejects.toThrow('node: only --virtual is supported');
  });
  it('checks --hop and --packet-rate', async () => {
    await expect(parse('--virtual', '--hop', '11')).rejects.toThrow("--hop must be a number in 1..10, got '11'");
    await expect(parse('--virtual', '--packet-rate', 'fast')).rejects.toThrow("--packet-rate must be a number in 0..100000, got 'fast'");
  });
  it('names a missing recording and a directory without a model', async () => {
    await expect(parse('--virtual', '--replay-csi', '/nonexistent/rec.bin')).rejects.toThrow('/nonexistent/rec.bin: no such file or directory (CSI recording)');
    await expect(parse('--virtual', '--model-dir', buildDir)).rejects.toThrow(`${buildDir}: not a model directory (no pose_model.h`);
  });
  it('a file that is not a recording stops the virtual node with a message naming it', async () => {
    const bad = join(buildDir, 'bad.rec');
    writeFileSync(bad, 'hello world, not CSI');
    await expect(startVirtualNode({ buildDir, replayCsi: bad })).rejects.toThrow(`${bad}: not a pose-edge CSI recording (magic PECSREC2 or PECSREC1 expected)`);
  });
});

describe('pose-edge node --virtual --json', () => {
  it('prints the pty first, serves it, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'pose-edge.mjs'), 'node', '--virtual', '--json', '--build-dir', buildDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const it = lines[Symbol.asyncIterator]();
    const first = JSON.parse((await it.next()).value as string) as { port: string; pid: number };
    expect(first.port).toMatch(/^\/dev\/pts\/\d+$/);
    expect(first.pid).toBeGreaterThan(0);
    const t = await SerialTransport.open(first.port, 921600);
    const s = new NodeSession(t);
    expect((await s.hello()).protocolVersion).toBe(1);
    s.close();
    await t.close();
    const exit = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    child.kill('SIGTERM');
    expect(JSON.parse((await it.next()).value as string)).toEqual({ stopped: true, signal: 'SIGTERM', exitCode: 0 });
    expect(await exit).toBe(0);
    expect(() => process.kill(first.pid, 0)).toThrow(); // the virtual node process is gone
  });
});
