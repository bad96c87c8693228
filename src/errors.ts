// The base of every error pose-edge raises on purpose. Every layer may use it (it sits at the bottom);
// the CLI turns one into a single line on stderr and its exit code. Anything else reaching the top is a bug.

export class PoseEdgeError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = new.target.name;
  }
}
