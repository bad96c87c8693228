// `reference/make_models.sh frontier` with no knobs must retrain tiny, small and base exactly as
// models/frontier.json records them (docs/frontier.md says so and names the per-size knobs): the script's
// <SIZE>_EPOCHS / <SIZE>_QAT_EPOCHS defaults and TRAIN_WINDOWS default against each recorded size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reproduceCommand } from '../../src/workflows/frontier/doc.ts';
import type { Size } from '../../src/workflows/frontier/measure.ts';
import { MODELS_DIR, REPO_ROOT } from '../../src/paths.ts';

const script = readFileSync(join(REPO_ROOT, 'reference', 'make_models.sh'), 'utf8');
const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'frontier.json'), 'utf8')) as {
  sizes: Record<string, { trainWindows: number; epochs: number; qatEpochs: number }>;
};

/** The default of a shell variable set as NAME=${NAME:-value}. */
function scriptDefault(name: string): number {
  const m = new RegExp(`^${name}=\\$\\{${name}:-(\\d+)\\}$`, 'm').exec(script);
  if (!m) throw new Error(`reference/make_models.sh sets no default for ${name}`);
  return Number(m[1]);
}

describe('frontier recipes', () => {
  it('records tiny, small and base', () => {
    expect(Object.keys(manifest.sizes).sort()).toEqual(['base', 'small', 'tiny']);
  });

  for (const [size, m] of Object.entries(manifest.sizes)) {
    it(`${size}: the script's defaults are its recorded recipe, and the doc's command sets those knobs`, () => {
      const knob = size.toUpperCase();
      expect(scriptDefault(`${knob}_EPOCHS`)).toBe(m.epochs);
      expect(scriptDefault(`${knob}_QAT_EPOCHS`)).toBe(m.qatEpochs);
      expect(scriptDefault('TRAIN_WINDOWS')).toBe(m.trainWindows);
      expect(script).toContain(`${size}) echo "$${knob}_EPOCHS $${knob}_QAT_EPOCHS" ;;`);
      expect(reproduceCommand(size as Size, m)).toBe(`SIZES=${size} ${knob}_EPOCHS=${m.epochs} ${knob}_QAT_EPOCHS=${m.qatEpochs} reference/make_models.sh frontier`);
    });
  }
});
