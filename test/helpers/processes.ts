// Child processes of the test process, found through /proc: the virtual node a command started for itself.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of running virtual node processes started by this test process. */
export function virtualNodeChildren(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && stat.includes('(pose-node-virtu')) pids.push(Number(d));
    } catch {
      // the process ended while listing
    }
  }
  return pids;
}
