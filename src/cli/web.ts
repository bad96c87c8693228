// `--web [HOST:]PORT` and `--model/--weights`, shared by `stream` and `view`: parsing, starting the browser
// view's server, the one warning line for a server other machines can reach, and the line that says where
// to open it (on stderr: `stream --json` keeps stdout for its JSON lines).
import { Option, type Command } from 'commander';
import type { PoseEdgeError } from '../errors.ts';
import { escapeTerminal } from '../io/terminal-text.ts';
import { parseWebAddress, type WebAddress } from '../host/web/address.ts';
import type { ModelCheck } from '../host/web/page-data.ts';
import type { PageClient, WebServer } from '../host/web/server.ts';
import { printWarning } from './warn.ts';

type ErrorClass = new (message: string) => PoseEdgeError;

export interface WebFlags {
  web?: string;
  model?: string;
  weights?: string;
}

/** `lead` starts the help of --web, e.g. 'show the recording in a browser page'. */
export function addWebOptions(cmd: Command, lead: string): Command {
  return cmd
    .addOption(new Option('--web <[host:]port>', `${lead} at http://HOST:PORT/ (host default 127.0.0.1; port 0: any free port)`))
    .option('--model <onnx>', 'with --web: the ONNX model the node should run (with --weights); the page says whether the node\'s model matches')
    .option('--weights <npz>', 'with --web: the quantized weights that go with --model');
}

export interface WebChoice {
  address: WebAddress;
  model: ModelCheck | null;
}

/** null without --web; errors (`Err`) name the option. The model files are hashed here, before any long work. */
export async function parseWebOptions(raw: WebFlags, Err: ErrorClass): Promise<WebChoice | null> {
  if ((raw.model === undefined) !== (raw.weights === undefined)) throw new Err('--model and --weights go together: give both to check the node\'s model');
  if (raw.web === undefined) {
    if (raw.model !== undefined) throw new Err('--model/--weights are checked against the node in the browser view: they need --web [HOST:]PORT');
    return null;
  }
  const address = parseWebAddress(raw.web);
  if (raw.model === undefined || raw.weights === undefined) return { address, model: null };
  const { modelCheck } = await import('../host/web/model-check.ts');
  return { address, model: modelCheck(raw.model, raw.weights) };
}

/** Starts the server; prints the warning for a non-loopback address and where to open the page. */
export async function startWebView(choice: WebChoice, onClient: (c: PageClient) => void): Promise<WebServer> {
  const { startWebServer } = await import('../host/web/server.ts');
  const { host, port } = choice.address;
  const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const server = await startWebServer({ host, port, label: `--web ${shown}`, onClient });
  if (!server.loopback) {
    printWarning(
      `--web ${escapeTerminal(shown)}: the browser view listens on ${server.address} port ${server.port}, not a loopback address: anyone who can reach ` +
        `this machine can watch the stream (the page has no login); use --web 127.0.0.1:${server.port} to keep it on this machine`,
    );
  }
  process.stderr.write(`pose-edge: browser view at ${server.url}\n`);
  return server;
}
