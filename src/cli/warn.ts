// One warning line on stderr, in the same shape everywhere (`pose-edge: warning: <what>: <why>`), so it
// never mixes with --json output on stdout and a script can grep for it.
export function printWarning(message: string): void {
  process.stderr.write(`pose-edge: warning: ${message}\n`);
}
