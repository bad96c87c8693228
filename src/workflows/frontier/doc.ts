// docs/frontier.md from one FrontierResult: every figure in it comes from that run (measure.ts), except
// the published parameter counts it compares with and the recipe recorded when the models were trained.
import { CHIPS } from './chips.ts';
import { REPRODUCED_SIZES, type FrontierResult, type FrontierRow, type Size } from './measure.ts';
import { paretoFront } from './pareto.ts';
import { TIMING_ROUNDS } from '../bench/side-by-side.ts';

/** Parameter counts of the published models (the frontier this family comes from). */
export const PUBLISHED_PARAMS: Record<Size, number> = { nano: 39_971, micro: 75_237, tiny: 210_949, small: 348_005, base: 726_437 };

/** d, L, H and the graph head of each size (reference/model.py presets). */
/** d, L, H, FFN width, head hidden width and the graph head of each size (reference/model.py presets). */
export const FAMILY: Record<Size, string> = {
  nano: 'd=48, L=1, H=2, FFN 64, head 96, no graph head',
  micro: 'd=64, L=1, H=2, FFN 128, head 192, graph head',
  tiny: 'd=96, L=2, H=4, FFN 192, head 208, graph head',
  small: 'd=128, L=2, H=4, FFN 256, head 232, graph head',
  base: 'd=160, L=3, H=4, FFN 320, head 256, graph head',
};

export const LATENCY_MISSING = 'not yet measured (issue 13)';

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const pct = (v: number) => v.toFixed(2);

export interface DocContext {
  /** The plot's file name, relative to the doc. */
  svg: string;
}

function latencyCell(r: FrontierRow, res: FrontierResult): string {
  if (!r.deployed) return '';
  if (!res.latency || !r.deployed.c3LatencyMs) return LATENCY_MISSING;
  return `${r.deployed.c3LatencyMs.low.toFixed(1)}-${r.deployed.c3LatencyMs.high.toFixed(1)}`;
}

function parityCell(r: FrontierRow): string {
  const p = r.deployed?.parity;
  if (!p) return '';
  const exact = p.bitExact ? 'bit-exact' : `**${p.mismatches} windows differ**`;
  return `${exact}, ${p.pass ? 'pass' : '**fail**'} (${p.samples})`;
}

/** The precision cell of a deployed row: weights, and activations when they are not the default int8. */
function precisionCell(r: FrontierRow): string {
  return r.deployed?.actBits === 16 ? `${r.precision}, int16 activations` : r.precision;
}

function rv32Header(res: FrontierResult): string {
  return res.espIdfFlags ? 'rv32imc instructions / inference (ESP-IDF compile line)' : 'rv32imc instructions / inference (bench\'s gcc -O2, not yet the ESP-IDF flags: issue 13)';
}

function accuracyTable(res: FrontierResult): string[] {
  const head = ['size', 'precision', 'params', 'torso-PCK@20 reference (%)', 'torso-PCK@20 deployed, virtual node (%)', 'deployed - reference (points)', 'parity (windows)', 'mean / max error (% torso)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 || i === 6 ? '---' : '---:')).join('|')}|`];
  for (const r of res.rows) {
    const d = r.deployed;
    const err = d && d.parity.meanErrTorso !== null && d.parity.maxErrTorso !== null ? `${(d.parity.meanErrTorso * 100).toFixed(2)} / ${(d.parity.maxErrTorso * 100).toFixed(2)}` : '';
    const cells = d
      ? [r.size, precisionCell(r), int(r.params), pct(r.referencePck20), pct(d.pck20), (d.pck20 - r.referencePck20).toFixed(2), parityCell(r), err]
      : [r.size, r.precision, int(r.params), pct(r.referencePck20), 'not deployed (reference)', '', '', ''];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function costTable(res: FrontierResult): string[] {
  const head = [
    'size', 'precision', 'weight bytes', 'arena bytes', 'kernel code bytes', 'flash bytes', rv32Header(res), 'MACs', 'ESP32-C3 latency (ms)',
    'host us (C)', 'onnxruntime us', 'host / onnxruntime', 'fits',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 || i === head.length - 1 ? '---' : '---:')).join('|')}|`];
  for (const r of res.rows) {
    const d = r.deployed;
    const cells = d
      ? [
          r.size, precisionCell(r), int(d.weightBytes), int(d.arenaBytes), int(d.codeBytes), int(d.flashBytes), int(d.rv32Instructions), int(d.macs),
          latencyCell(r, res), d.hostUs.toFixed(1), d.ortUs.toFixed(1), d.ratio.toFixed(2), d.fits.length ? d.fits.join(', ') : 'none',
        ]
      : [r.size, r.precision, `(${int(r.fp32WeightBytes!)} as float32)`, '', '', '', '', '', '', '', r.ortUs.toFixed(1), '', ''];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function frontierText(res: FrontierResult): string[] {
  const dep = res.rows.filter((r) => r.deployed !== null);
  const name = (r: FrontierRow) => `${r.size} ${r.precision}`;
  const latency = res.latency && dep.every((r) => r.deployed!.c3LatencyMs);
  const chipCost = (r: FrontierRow) => (latency ? (r.deployed!.c3LatencyMs!.low + r.deployed!.c3LatencyMs!.high) / 2 : r.deployed!.rv32Instructions);
  const onChip = paretoFront(dep.map((r) => ({ cost: chipCost(r), accuracy: r.deployed!.pck20 }))).map((i) => dep[i]);
  const onFlash = paretoFront(dep.map((r) => ({ cost: r.deployed!.flashBytes, accuracy: r.deployed!.pck20 }))).map((i) => dep[i]);
  const cost = latency ? 'the C3 latency estimate (midpoint)' : 'rv32imc instructions';
  return [
    `- On the frontier of deployed accuracy against ${cost}: ${onChip.map(name).join(' -> ')}.`,
    `- On the frontier of deployed accuracy against flash: ${onFlash.map(name).join(' -> ')}.`,
    '- Off the frontier means another deployed model is at least as accurate for at most the same cost.',
  ];
}

function chipsText(res: FrontierResult): string[] {
  const dep = res.rows.filter((r) => r.deployed !== null);
  const lines = ['| chip | budget | deployed models that fit | largest arena, share of SRAM | largest flash, share of the budget |', '|---|---|---|---:|---:|'];
  for (const c of CHIPS) {
    const fit = dep.filter((r) => r.deployed!.fits.includes(c.name));
    const arena = Math.max(...dep.map((r) => r.deployed!.arenaBytes));
    const flash = Math.max(...dep.map((r) => r.deployed!.flashBytes));
    lines.push(
      `| ${c.name} | ${c.note} | ${fit.length === dep.length ? 'all' : fit.map((r) => `${r.size} ${r.precision}`).join(', ') || 'none'} | ` +
        `${int(arena)} B, ${((100 * arena) / c.sramBytes).toFixed(1)}% | ${int(flash)} B, ${((100 * flash) / c.flashBytes).toFixed(1)}% |`,
    );
  }
  return lines;
}

function modelsText(res: FrontierResult): string[] {
  const lines = [
    '| size | family | params | published | difference | training data, epochs (fp32 + int4 QAT) | training time | torch torso-PCK@20 fp32 / int8 PTQ / int4 QAT (%) |',
    '|---|---|---:|---:|---:|---|---:|---|',
  ];
  for (const s of res.sizes) {
    const r = res.rows.find((x) => x.size === s)!;
    const pub = PUBLISHED_PARAMS[s];
    const m = res.manifest?.sizes[s];
    const recipe = m ? `${int(m.trainWindows)} windows, ${m.epochs} + ${m.qatEpochs}` : '40,000 windows, 16 + 8 (bundled, docs/model.md)';
    const time = m ? `${(m.trainSeconds / 3600).toFixed(2)} h` : '';
    const torch = m ? `${pct(m.torch.fp32)} / ${pct(m.torch.int8Ptq)} / ${pct(m.torch.int4Qat)}` : 'docs/model.md';
    lines.push(`| ${s} | ${FAMILY[s]} | ${int(r.params)} | ${int(pub)} | ${(((r.params - pub) / pub) * 100).toFixed(3)}% | ${recipe} | ${time} | ${torch} |`);
  }
  return lines;
}

function filesText(res: FrontierResult): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of res.rows) {
    for (const f of [r.onnx, r.weights]) {
      if (!f || seen.has(f.path)) continue;
      seen.add(f.path);
      out.push(`- \`${f.path}\` ${f.sha256.slice(0, 16)}${res.hashMismatches[f.path] ? ' **(differs from models/frontier.json)**' : ''}`);
    }
  }
  return out;
}

function modelsLine(res: FrontierResult): string {
  const bundled = res.sizes.filter((s) => !REPRODUCED_SIZES.includes(s));
  const reproduced = res.sizes.filter((s) => REPRODUCED_SIZES.includes(s));
  const parts = [];
  if (bundled.length) parts.push(`${bundled.join(' and ')} ${bundled.length > 1 ? 'are' : 'is'} bundled`);
  if (reproduced.length) {
    const recorded = reproduced.filter((s) => res.manifest?.sizes[s]);
    const mismatches = Object.keys(res.hashMismatches);
    const check = recorded.length < reproduced.length
      ? `**no recorded SHA-256 for ${reproduced.filter((s) => !recorded.includes(s)).join(', ')} in models/frontier.json**`
      : mismatches.length
        ? `**${mismatches.length} files differ from the SHA-256 recorded in models/frontier.json**`
        : 'every file matches the SHA-256 recorded in models/frontier.json';
    parts.push(`${reproduced.join(', ')} ${reproduced.length > 1 ? 'are' : 'is'} reproduced by \`reference/make_models.sh frontier\` (not committed; ${check})`);
    const commands = reproduced.flatMap((s) => (res.manifest?.sizes[s] ? [`\`${reproduceCommand(s, res.manifest.sizes[s])}\``] : []));
    if (commands.length) parts.push(`the script's defaults are the recorded recipes; one size alone: ${commands.join(', ')}`);
  }
  return `${parts.join('; ')}.`;
}

/** The command that retrains one size with the epochs models/frontier.json records (the script's knobs,
 * <SIZE>_EPOCHS and <SIZE>_QAT_EPOCHS, whose defaults are the recorded recipes: test/reference). */
export function reproduceCommand(size: Size, m: { trainWindows: number; epochs: number; qatEpochs: number }): string {
  const knob = size.toUpperCase();
  const epochs = `${knob}_EPOCHS=${m.epochs} ${knob}_QAT_EPOCHS=${m.qatEpochs}`;
  const windows = m.trainWindows === 40_000 ? '' : ` TRAIN_WINDOWS=${m.trainWindows}`;
  return `SIZES=${size} ${epochs}${windows} reference/make_models.sh frontier`;
}

/** Sizes trained with another recipe than micro's 16 + 8 epochs on 40,000 windows, as recorded. */
function reducedRecipes(res: FrontierResult): string[] {
  return res.sizes.flatMap((s) => {
    const m = res.manifest?.sizes[s];
    return m && (m.epochs !== 16 || m.qatEpochs !== 8 || m.trainWindows !== 40_000)
      ? [`${s} (${int(m.trainWindows)} windows, ${m.epochs} + ${m.qatEpochs} epochs${m.recipeNote ? `: ${m.recipeNote}` : ''})`]
      : [];
  });
}

export function renderFrontierDoc(res: FrontierResult, ctx: DocContext): string {
  const notes: string[] = [];
  const parityFailures = res.rows.filter((r) => r.deployed && !(r.deployed.parity.bitExact && r.deployed.parity.pass));
  if (parityFailures.length) {
    notes.push(`**Parity failed for ${parityFailures.map((r) => `${r.size} ${r.precision}`).join(', ')}:**`);
    for (const r of parityFailures) notes.push(`- ${r.size} ${r.precision}: ${r.deployed!.parity.failed.join('; ')}`);
    notes.push('');
  }
  const widened = res.rows.filter((r) => r.deployed?.int8ActivationsFailed);
  if (widened.length) {
    notes.push('Deployed with int16 activations (`--act-bits 16`) because int8 activations failed parity:');
    for (const r of widened) notes.push(`- ${r.size} ${r.precision} with int8 activations: ${r.deployed!.int8ActivationsFailed!.join('; ')}`);
    notes.push('');
  }
  const disagree = res.rows.filter((r) => r.deployed && r.deployed.pck20 !== r.deployed.benchPck20);
  const lines = [
    '# The efficiency frontier, as deployed',
    '',
    `Generated by \`npx tsx bench/frontier.ts\` (do not edit by hand) in one run of ${(res.seconds / 60).toFixed(1)} minutes; every measured`,
    'figure below comes from that run. Each size of the model family at fp32, int8 (PTQ) and int4 (QAT), on the',
    `bundled test set (\`models/data/test_X.npy\`, ${res.testWindows} windows of synthetic CSI; torso-PCK@20, see docs/accuracy.md).`,
    '',
    `- machine: ${res.machine}`,
    `- sources: git ${res.sources}`,
    `- timing: ${res.runs} batch-1 inferences after 200 warm-up runs; each deployed row's C and onnxruntime in ${TIMING_ROUNDS} alternating rounds (each the fastest round's median, as \`pose-edge bench\`), the fp32 rows' onnxruntime alone`,
    `- parity: \`parity --virtual\` on all ${res.testWindows} windows, thresholds: mean error <= ${res.thresholds.maxMeanErr * 100}% and max <= ${res.thresholds.maxMaxErr * 100}% of the torso, ` +
      `PCK agreement >= ${res.thresholds.minAgreement}%, PCK vs labels within ${res.thresholds.maxPckDrop} points of the reference`,
    `- models: ${modelsLine(res)}`,
    '',
    ...notes,
    `![accuracy against on-chip cost and flash for each size and precision](${ctx.svg})`,
    '',
    '### Accuracy',
    '',
    ...accuracyTable(res),
    '',
    '"reference" is the reference model on onnxruntime (for int8 and int4 the ONNX graph with the npz weights',
    'dequantized, float activations); "deployed" is what the virtual node (the generated C, integer activations)',
    'answers over the wire in `parity --virtual`; the errors are the node\'s keypoints against the reference\'s.',
    disagree.length
      ? `**The host build in bench disagrees with the virtual node for ${disagree.map((r) => `${r.size} ${r.precision}`).join(', ')}.**`
      : 'bench\'s own host build of the same C gives the same deployed torso-PCK@20 on every row.',
    '',
    '### Cost',
    '',
    ...costTable(res),
    '',
    'fp32 is the reference only: the kernel is integer-only, so fp32 has no deployed figures; its weight bytes are',
    'what its float32 weights would take, and its onnxruntime time is the fp32 ONNX\'s.',
    '',
    '## The frontier',
    '',
    ...frontierText(res),
    '',
    '## What fits which chip',
    '',
    'From the measured arena (the kernel\'s one static buffer, SRAM), what ESP-IDF places in SRAM beside it (the kernels',
    'in IRAM and, up to 48 KB, the constants in DRAM: bench\'s c3SramBytes; PSRAM can take the arena, not these) and flash',
    '(weights + kernel code). The firmware around the model (Wi-Fi, ESP-IDF, CSI buffers) needs its own share of the SRAM,',
    'hence the shares.',
    '',
    ...chipsText(res),
    '',
    '## How each column is measured',
    '',
    '- params: float values of the ONNX initializers minus the fixed 17x17 skeleton adjacency (a buffer, not a',
    '  parameter), i.e. PyTorch\'s parameter count.',
    '- weight bytes, arena bytes: the compiler\'s report (`pose-edge compile`): every constant of `pose_weights.c`',
    '  (packed weights, biases, requantization, tables) and the planned static arena.',
    '- kernel code bytes: `.text` of the generated kernel\'s rv32imc objects (`bench`\'s textBytes.rv32imc); flash =',
    '  weight bytes + kernel code bytes.',
    `- ${rv32Header(res)}: \`bench\`, the batch program under qemu-riscv32, start-up subtracted.`,
    `- ESP32-C3 latency: \`bench\`'s flash-cache model (c3LatencyMs, low-high), when bench reports it; ${LATENCY_MISSING} otherwise.`,
    '- host us / onnxruntime us: `bench`, the generated C built for this machine vs the reference model on',
    '  onnxruntime-node (one thread), batch 1, medians; fp32: onnxruntime on the fp32 ONNX alone.',
    '- fits: see above.',
    '',
    '## The models',
    '',
    ...modelsText(res),
    '',
    'The family fixes d, L, H and the graph head; the FFN width (2d) and the head\'s hidden width (the multiple of 8',
    'closest to the published count) are our choices, in `reference/model.py`. Every size is trained on the same',
    'synthetic data with the same seeds and recipe as micro (fp32 with AdamW, warmup + cosine LR, EMA; int4 QAT from',
    'the fp32 weights; int8 PTQ and naive int4 PTQ from fp32; ONNX opset 17)' +
      (reducedRecipes(res).length
        ? `, except ${reducedRecipes(res).join('; ')}. A size trained shorter is under-trained against the others: its accuracy is a lower bound of what it reaches.`
        : '.'),
    'Training times are wall-clock, one torch thread at nice 19 beside other work.',
    '',
    'Files measured (first 16 hex digits of SHA-256):',
    '',
    ...filesText(res),
    '',
  ];
  return lines.join('\n');
}
