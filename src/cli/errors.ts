// Turns any error reaching the top of the CLI into one clear line on stderr and an exit code.
// Errors we raise on purpose derive from PoseEdgeError and already name the file, node, tensor or port;
// an ordinary filesystem failure that was not wrapped on the way still gets one line naming its path.
// Exit 70 is kept for real bugs, which print their stack trace so they can be reported.
// Messages can embed text from a device; the places that embed it escape it, and this last step escapes
// any control character that still got through (escaping is idempotent, line feeds between our own lines stay).
import { PoseEdgeError } from '../errors.ts';
import { describeFsError, isFsErrno } from '../io/fs-errors.ts';
import { escapeTerminalLines } from '../io/terminal-text.ts';

export { PoseEdgeError };

export function reportFatal(err: unknown): number {
  if (err instanceof PoseEdgeError) {
    process.stderr.write(`pose-edge: ${escapeTerminalLines(err.message)}\n`);
    return err.exitCode;
  }
  const e = err as { code?: string; message?: string; stack?: string };
  if (e && typeof e.code === 'string' && e.code.startsWith('commander.')) return 1;
  if (isFsErrno(err) && typeof err.path === 'string') {
    process.stderr.write(`pose-edge: ${escapeTerminalLines(describeFsError(err, err.path))}\n`);
    return 1;
  }
  process.stderr.write(`pose-edge: internal error: ${escapeTerminalLines(e?.stack ?? String(err))}\n`);
  return 70;
}
