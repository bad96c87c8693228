// The model side of a parity run: compile the requested ONNX + weights in memory (the simulator needs the
// QuantizedGraph anyway), and, for the virtual node, put the generated component where the virtual node
// build can use it. The committed component (firmware/components/pose_model) is used only when every
// generated file is byte-identical to it; anything else goes to a cache directory under build/ keyed by
// the content, so a parity run never overwrites the committed component and never reuses a stale one.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { compileModel, type CompileReport, type ModelChoice } from '../../compiler/compile.ts';
import type { QuantizedGraph } from '../../compiler/quant/qgraph.ts';
import { writeDirAtomic } from '../../io/atomic-files.ts';
import { BUNDLED } from '../../bundled.ts';
import { MODELS_DIR, REPO_ROOT } from '../../paths.ts';

export const PARITY_MODEL_CACHE = join(REPO_ROOT, 'build', 'parity-models');

export type { ModelChoice };

export interface CompiledModel {
  choice: ModelChoice;
  report: CompileReport;
  qgraph: QuantizedGraph;
  files: Map<string, string>;
  /** Warning lines of the compile (non-finite calibration amplitudes replaced by 0). */
  warnings: string[];
}

export async function compileForParity(choice: ModelChoice): Promise<CompiledModel> {
  const r = await compileModel({ ...choice, outDir: BUNDLED.component, write: false });
  return { choice, report: r.report, qgraph: r.qgraph, files: r.files, warnings: r.warnings };
}

function sameFiles(dir: string, files: Map<string, string>): boolean {
  if (!existsSync(dir)) return false;
  for (const [name, content] of files) {
    const p = join(dir, name);
    if (!existsSync(p) || readFileSync(p, 'utf8') !== content) return false;
  }
  return true;
}

/**
 * A model directory holding exactly `m.files`: the committed component when identical, else
 * `<cacheDir>/<sha-prefix>-w<bits>-a<act>-<content hash>` (written atomically once, reused after).
 */
export function componentDirFor(m: CompiledModel, cacheDir = PARITY_MODEL_CACHE): string {
  if (sameFiles(BUNDLED.component, m.files)) return BUNDLED.component;
  const h = createHash('sha256');
  for (const [name, content] of [...m.files].sort(([a], [b]) => a.localeCompare(b))) h.update(name).update('\0').update(content).update('\0');
  const dir = resolve(cacheDir, `${m.report.modelSha256.slice(0, 12)}-w${m.report.bits}-a${m.report.actBits}-${h.digest('hex').slice(0, 12)}`);
  if (!sameFiles(dir, m.files)) writeDirAtomic(dir, m.files);
  return dir;
}

/**
 * Names a model SHA-256 (POSE_MODEL_SHA256: SHA-256 of the ONNX bytes then the weights bytes) when it is
 * one of the bundled model + weights pairs, so a refusal can say which model the node actually runs.
 */
export function identifyBundledModel(sha: string): string | null {
  if (!existsSync(MODELS_DIR)) return null;
  for (const family of readdirSync(MODELS_DIR)) {
    const dir = join(MODELS_DIR, family);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const onnx = names.filter((f) => f.endsWith('.onnx'));
    const npz = names.filter((f) => f.endsWith('.npz'));
    for (const o of onnx) {
      const ob = readFileSync(join(dir, o));
      for (const w of npz) {
        const digest = createHash('sha256').update(ob).update(readFileSync(join(dir, w))).digest('hex');
        if (digest === sha) return `models/${family}/${o} + ${w}`;
      }
    }
  }
  return null;
}

export function describeChoice(c: ModelChoice): string {
  const rel = (p: string) => (resolve(p).startsWith(REPO_ROOT) ? resolve(p).slice(REPO_ROOT.length) : p);
  return `${rel(c.modelPath)} + ${basename(c.weightsPath)} (int${c.bits} weights, int${c.actBits} activations${c.tensorBits?.size ? ` (${c.tensorBits.size} set by --tensor-bits)` : ''}${dirname(resolve(c.weightsPath)) === dirname(resolve(c.modelPath)) ? '' : `, weights from ${rel(dirname(c.weightsPath))}`})`;
}
