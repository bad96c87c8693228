// Two linked pseudo-terminals made by socat: bytes written to one come out of the other. Used to put a simulated
// device (ROM loader, virtual node) on one end and a host tool on the other, exactly as with a USB UART.
import { spawn, type ChildProcess } from 'node:child_process';
import { PoseEdgeError } from '../../errors.ts';

export interface PtyPair {
  /** The end a host tool opens (like /dev/ttyUSB0). */
  host: string;
  /** The end the simulated device opens. */
  device: string;
  close(): Promise<void>;
}

export class PtyPairError extends PoseEdgeError {}

/** Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and reads the two /dev/pts paths from its log. */
export function createPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      reject(new PtyPairError(`socat: cannot start (${(e as Error).message}); install socat to use pseudo-terminals`));
      return;
    }
    const paths: string[] = [];
    let log = '';
    let settled = false;
    const timer = setTimeout(() => fail(`socat: no pty pair within ${timeoutMs} ms (log: ${log.trim()})`), timeoutMs);
    function fail(msg: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      reject(new PtyPairError(msg));
    }
    child.on('error', (e) => fail(`socat: cannot start (${e.message}); install socat to use pseudo-terminals`));
    child.on('exit', (code) => fail(`socat exited with code ${code} before the ptys were ready (log: ${log.trim()})`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      log += text;
      for (const m of text.matchAll(/PTY is (\/dev\/\S+)/g)) paths.push(m[1]);
      // Only once socat has entered its transfer loop are both ends guaranteed to be linked.
      if (!settled && paths.length >= 2 && log.includes('starting data transfer loop')) {
        settled = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          host: paths[0],
          device: paths[1],
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill();
            }),
        });
      }
    });
  });
}
