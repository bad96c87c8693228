// Turns any error reaching the top of the CLI into one clear line on stderr and an exit code.
// Errors we raise on purpose derive from PoseEdgeError and already name the file, node, tensor or port.

export class PoseEdgeError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = new.target.name;
  }
}

export function reportFatal(err: unknown): number {
  if (err instanceof PoseEdgeError) {
    process.stderr.write(`pose-edge: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as { code?: string; message?: string; stack?: string };
  if (e && typeof e.code === 'string' && e.code.startsWith('commander.')) return 1;
  process.stderr.write(`pose-edge: internal error: ${e?.stack ?? String(err)}\n`);
  return 70;
}
