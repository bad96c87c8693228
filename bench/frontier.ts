// Regenerates docs/frontier.md and docs/frontier.svg: every size of the model family (nano, micro, tiny,
// small, base) at fp32 / int8 / int4, measured in one run (src/workflows/frontier/measure.ts: the same code
// as `pose-edge eval`, `bench` and `parity --virtual`). tiny, small and base are not committed: produce them
// first with `reference/make_models.sh frontier` (their SHA-256 are checked against models/frontier.json).
//
//   npx tsx bench/frontier.ts                      # writes docs/frontier.md and docs/frontier.svg
//   npx tsx bench/frontier.ts --stdout             # prints the doc instead (the SVG is not written)
//   npx tsx bench/frontier.ts --sizes nano,micro   # only some sizes
//   npx tsx bench/frontier.ts --runs N             # timed inferences per peer (default 1000)
//   npx tsx bench/frontier.ts --json out.json      # also writes the measurements as JSON
//   npx tsx bench/frontier.ts --render out.json    # renders the doc and plot from such a JSON (no measuring)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFilesAtomic, writeFileAtomic } from '../src/io/atomic-files.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { renderFrontierDoc } from '../src/workflows/frontier/doc.ts';
import { FRONTIER_SIZES, FrontierError, measureFrontier, type FrontierResult, type Size } from '../src/workflows/frontier/measure.ts';
import { renderFrontierSvg } from '../src/workflows/frontier/plot.ts';

function gitState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'templates', 'firmware/linux', 'firmware/core'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} with uncommitted changes in src/templates/firmware` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const v = argv[at + 1];
  if (v === undefined || v.startsWith('--')) throw new FrontierError(`${name} needs a value`);
  return v;
}

function parseSizes(v: string | undefined): Size[] {
  if (v === undefined) return [...FRONTIER_SIZES];
  const sizes = v.split(',').map((s) => s.trim());
  const bad = sizes.filter((s) => !(FRONTIER_SIZES as readonly string[]).includes(s));
  if (bad.length || sizes.length === 0) throw new FrontierError(`--sizes: unknown size ${bad.join(', ') || '(none)'}; the sizes are ${FRONTIER_SIZES.join(', ')}`);
  return FRONTIER_SIZES.filter((s) => sizes.includes(s));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsText = option(argv, '--runs') ?? '1000';
  const runs = Number(runsText);
  if (!Number.isInteger(runs) || runs < 1) throw new FrontierError(`--runs must be a positive integer, got ${runsText}`);
  const sizes = parseSizes(option(argv, '--sizes'));
  const jsonOut = option(argv, '--json');
  const renderFrom = option(argv, '--render');
  const t0 = Date.now();
  const res = renderFrom
    ? (JSON.parse(readFileSync(renderFrom, 'utf8')) as FrontierResult)
    : await measureFrontier({
        sizes, runs, countWindows: 4, sources: gitState(),
        onStep: (s) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}\n`),
      });
  const doc = renderFrontierDoc(res, { svg: 'frontier.svg' });
  if (jsonOut) writeFileAtomic(jsonOut, `${JSON.stringify(res, null, 1)}\n`, jsonOut);
  if (argv.includes('--stdout')) {
    process.stdout.write(doc);
    return;
  }
  const md = join(REPO_ROOT, 'docs', 'frontier.md');
  const svg = join(REPO_ROOT, 'docs', 'frontier.svg');
  writeFilesAtomic([[md, doc], [svg, renderFrontierSvg(res)]], 'the frontier doc');
  process.stderr.write(`wrote ${relative(REPO_ROOT, md)} and ${relative(REPO_ROOT, svg)} in ${(res.seconds / 60).toFixed(1)} minutes\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`frontier: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
