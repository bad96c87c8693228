// `pose-edge view REC.pestrm --web [HOST:]PORT`: a stream recording in the browser view, with a timeline to
// scrub and to play at 1x or 4x. Option parsing and output only; the work is in src/host/web/replay.ts
// (docs/web-view.md).
import { Command, Option } from 'commander';
import { PoseEdgeError } from '../errors.ts';
import { escapeTerminal } from '../../io/terminal-text.ts';
import { addWebOptions, parseWebOptions, startWebView, type WebFlags } from '../web.ts';
import { bandwidth, links } from './stream.ts';

export class ViewUsageError extends PoseEdgeError {}

interface RawOptions extends WebFlags {
  udpLinks?: string;
  bandwidth: string;
}

export function register(program: Command): void {
  const view = program
    .command('view')
    .description('replay a stream recording in the browser view (skeleton, CSI heatmaps, counters, INFO) with a timeline: scrub, play at 1x or 4x')
    .argument('<recording>', 'a recording written by `stream --out` (PESTRM01)')
    .option('--udp-links <ids>', 'node ids feeding links 0,1,2 for recorded UDP frames (default: the first three ids seen)')
    .addOption(new Option('--bandwidth <bw>', 'how to read 384-byte UDP CSI buffers: auto (HT40), ht40, ht20').default('auto'));
  addWebOptions(view, 'required: show the recording in a browser page').action(async (file: string, raw: RawOptions) => {
    if (raw.web === undefined) throw new ViewUsageError('view needs --web [HOST:]PORT: the recording is shown in a browser page (e.g. --web 8080)');
    const choice = (await parseWebOptions(raw, ViewUsageError))!;
    const opts = { udpLinks: links(raw.udpLinks), bandwidth: bandwidth(raw.bandwidth) };
    const { readRecording, describeStop } = await import('../../host/stream/recording.ts');
    const { RecordingTimeline, ReplayPlayer } = await import('../../host/web/replay.ts');
    const rec = readRecording(file);
    const timeline = new RecordingTimeline(file, rec, opts);
    const source = escapeTerminal(file);
    const server = await startWebView(choice, (c) => new ReplayPlayer(timeline, c, { source, model: choice.model }));
    const torn = rec.stop ? ` (reading stopped at byte ${rec.stop.offset}: ${describeStop(rec.stop.reason)}; everything before it is shown)` : '';
    process.stdout.write(
      `${source}: ${timeline.records} records over ${((timeline.end - timeline.start) / 1000).toFixed(1)} s${torn}\n` +
        `browser view: ${server.url}  (Ctrl-C stops)\n`,
    );
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.close();
  });
}
