// `pose-edge node --virtual`: builds (if needed) and runs the virtual node, the firmware's core plus a model
// directory compiled for Linux, on a pseudo-terminal that behaves like the node's UART. Prints the pty path
// (with --json, first line {"port":...,"pid":...}) and runs until SIGINT/SIGTERM, which stop it cleanly.
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { PoseEdgeError } from '../errors.ts';
import { checkOutputDir } from '../../io/output-paths.ts';
import { escapeTerminal, escapeTerminalLines, jsonLine } from '../../io/terminal-text.ts';

export class NodeUsageError extends PoseEdgeError {}

interface RawOptions {
  virtual?: boolean;
  modelDir?: string;
  json?: boolean;
  replayCsi?: string;
  packetRate: string;
  loop?: boolean;
  hop: string;
  buildDir?: string;
}

function intOption(flag: string, value: string, lo: number, hi: number): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < lo || n > hi) throw new NodeUsageError(`${flag} must be a number in ${lo}..${hi}, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  program
    .command('node')
    .description('run a virtual node (the firmware core + a model, built for Linux) on a pseudo-terminal')
    .option('--virtual', 'run the virtual node (the only kind this command starts; real boards run the flashed firmware)')
    .option('--model-dir <dir>', 'model component directory (default: firmware/components/pose_model if generated, else the placeholder model)')
    .option('--json', 'print {"port": "/dev/pts/N", "pid": ...} as the first line, then JSON status lines')
    .option('--replay-csi <file>', 'replay a CSI recording (PECSREC2 or PECSREC1) through the live path after the host sends STREAM_START')
    .addOption(new Option('--packet-rate <hz>', 'packets per second for --replay-csi (0: as fast as possible)').default('300'))
    .option('--loop', 'restart the recording at its end')
    .addOption(new Option('--hop <n>', 'packets (slots of 3 links) between two live windows, 1..10').default('5'))
    .option('--build-dir <dir>', 'where builds are cached (default: build/firmware-host)')
    .action(async (raw: RawOptions) => {
      if (!raw.virtual) throw new NodeUsageError('node: only --virtual is supported (a real board runs the flashed firmware: use `pose-edge flash`, then `stream` or `parity` on its port)');
      const packetRate = intOption('--packet-rate', raw.packetRate, 0, 100000);
      const hop = intOption('--hop', raw.hop, 1, 10);
      if (!Number.isInteger(hop)) throw new NodeUsageError(`--hop must be an integer in 1..10, got '${raw.hop}'`);
      // Validated whole before the build and the start: a bad record is named here (index, byte offset), not replayed.
      if (raw.replayCsi) (await import('../../host/protocol/csi-recording.ts')).readCsiRecording(resolve(raw.replayCsi));
      const { startVirtualNode } = await import('../../host/virtual-node.ts');
      if (!raw.json) process.stderr.write('pose-edge: building the virtual node (cached by source hash)...\n');
      const node = await startVirtualNode({
        modelDir: raw.modelDir,
        buildDir: raw.buildDir === undefined ? undefined : checkOutputDir(raw.buildDir, { flag: '--build-dir', inputs: [raw.replayCsi] }),
        replayCsi: raw.replayCsi ? resolve(raw.replayCsi) : undefined,
        packetRate,
        loop: raw.loop,
        hop,
      });
      // The port path and the process's stderr come from the node program: escaped like any device text.
      if (raw.json) process.stdout.write(jsonLine({ port: node.port, pid: node.pid }) + '\n');
      else process.stdout.write(`${escapeTerminal(node.port)}\nvirtual node pid ${node.pid}, model ${escapeTerminal(node.modelDir)}; Ctrl-C stops it\n`);
      // The stop's own promise is awaited below, not only node.exited: the command must not return (and the CLI
      // exit) before the "stopped" line is written.
      let stopping: Promise<void> | null = null;
      const stop = (sig: NodeJS.Signals) => {
        if (stopping) return;
        stopping = node.stop().then((code) => {
          if (raw.json) process.stdout.write(jsonLine({ stopped: true, signal: sig, exitCode: code }) + '\n');
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const code = await node.exited;
      if (stopping) await stopping;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const port = escapeTerminal(node.port);
      const stderr = escapeTerminalLines(node.stderr().trim());
      if (!stopping) throw new PoseEdgeError(`virtual node ${port} (pid ${node.pid}) exited on its own with code ${code}: ${stderr}`);
      if (code !== 0) throw new PoseEdgeError(`virtual node ${port} (pid ${node.pid}) stopped with code ${code}: ${stderr}`);
    });
}
