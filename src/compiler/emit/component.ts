// Builds the template contexts for the generated component from a QuantizedGraph and renders every file.
// All naming (through the collision-checked NameTable), pointer expressions and numbers are decided here;
// the templates in templates/c only loop and interpolate.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { C_TEMPLATES_DIR, createRenderer, type Renderer } from './render.ts';
import { NameTable, commentSafe } from './names.ts';
import { cLiteral, bytesOf, initializerLines } from './c-literals.ts';
import { layoutMemory, scratchName, type MemoryLayout } from './memory.ts';
import { ctypeOfBits, type QuantizedGraph, type QTensor } from '../quant/qgraph.ts';
import { kernelHeaders, kernelOf } from '../kernels/index.ts';
import type { Arg, Refs } from '../kernels/kernel.ts';
import type { StreamPlan } from '../stream-plan.ts';
import { streamContext } from './stream.ts';

export interface Banner {
  toolVersion: string;
  commandLine: string;
  modelFile: string;
  weightsFile: string;
  producer: string;
  opset: number;
  bits: number;
  actBits: number;
  sha256: string;
}

export interface EmittedComponent {
  files: Map<string, string>;
  memory: MemoryLayout;
  /** Flash bytes of all constant data (weights, biases, requantization parameters, tables). */
  weightBytes: number;
  macs: number;
  /** The pose_kernels.h function each op calls, in op order. */
  kernels: string[];
  /** Keys of the constants written to pose_weights.c (those a call or the streaming code refers to). */
  emittedConsts: string[];
}

/** The compile options pose_model.c and pose_weights.c need whatever the project's optimization level
 * (ESP-IDF's default is -Og), written to pose_model.cmake: the component's CMakeLists.txt (and any other
 * component that compiles these files, such as the firmware's pose_edge_core) appends them after the
 * project's options, so the last -O on the compile line is ours. `pose-edge bench` builds with exactly these
 * after the options a default ESP-IDF v5.5 project passes (src/workflows/bench/idf-flags.ts). */
export const COMPONENT_COMPILE_OPTIONS: readonly { flag: string; why: string }[] = [
  { flag: '-O2', why: 'the kernels are written for -O2 code generation (ESP-IDF projects default to -Og, or -Os)' },
  { flag: '-fno-strict-aliasing', why: 'the arena holds tensors of different integer types over time' },
];

/**
 * The model's constants go to DRAM on ESP-IDF (PK_DRAM) when they take at most this many bytes: with the
 * kernels' code in IRAM (about 16 KB) that keeps the model's SRAM within 64 KB of the ESP32-C3's 400 KB,
 * beside its arena (docs/performance.md, "ESP32-C3 latency model"). Larger weight sets (micro int8: 78 KB) stay in flash.
 */
export const DRAM_WEIGHT_BUDGET = 48 * 1024;

/** Names the kernel emits calls into; the generated code cannot shadow them. */
const RESERVED = ['pose_model_run', 'input', 'output', 'pm_arena'];

function fmtScale(s: number): string {
  return s.toPrecision(6);
}

/** stream: a proven plan (planStreaming) adds pose_model_push_packet / pose_model_run_streaming. */
export function emitComponent(g: QuantizedGraph, banner: Banner, renderer: Renderer = createRenderer(), opts: { stream?: StreamPlan } = {}): EmittedComponent {
  const memory = layoutMemory(g);
  const constNames = new NameTable('pm_', RESERVED);
  const offsetNames = new NameTable('PM_OFF_', RESERVED);
  // Only the constants a call (or the streaming code) refers to go into pose_weights.c.
  const used = new Set<string>();
  const constId = (key: string): string => {
    if (!g.consts.has(key)) throw new Error(`emit: op refers to unknown constant '${key}'`);
    used.add(key);
    return constNames.get(key);
  };
  const bufferMacro = new Map<string, string>();
  for (const b of memory.buffers) bufferMacro.set(b.name, offsetNames.get(b.name));

  const tensorExpr = (name: string): string => {
    let t: QTensor = g.tensors.get(name)!;
    if (t.home === 'alias') t = g.tensors.get(t.aliasOf!)!;
    if (t.home === 'input') return 'input';
    if (t.home === 'output') return 'output';
    return `PM_BUF(${ctypeOfBits(t.bits)}, ${bufferMacro.get(t.name)})`;
  };
  const bitsOf = (name: string): number => g.tensors.get(name)!.bits;

  const opContexts = g.ops.map((op, index) => {
    const tensorLines = [
      ...op.inputs.map((n) => describeTensor('in ', g.tensors.get(n)!)),
      ...op.outputs.map((n) => describeTensor('out', g.tensors.get(n)!)),
    ];
    const kernel = kernelOf(op);
    const refs: Refs<string> = {
      tensor: (name, offset = 0) => (offset === 0 ? tensorExpr(name) : `${tensorExpr(name)} + ${offset}`),
      constant: constId,
      constantInline: (key) => {
        const c = g.consts.get(key)!;
        return `(const ${c.ctype}[]){${Array.from(c.values, (v) => cLiteral(v, c.ctype)).join(', ')}}`;
      },
      scratch: () => `PM_BUF(int32_t, ${bufferMacro.get(scratchName(op.name))})`,
      none: () => '0',
    };
    const name = kernel.cName(op, bitsOf);
    return {
      index,
      irOp: op.irOp,
      name: commentSafe(op.name),
      sources: commentSafe(op.sources.join(', ')),
      tensorLines: tensorLines.map(commentSafe),
      notes: op.notes.map(commentSafe),
      kernel: name,
      callLines: formatCall(name, kernel.args(op, refs)),
    };
  });
  const stream = opts.stream ? streamContext(opts.stream, { constId, tensorExpr, bitsOf }, opContexts.slice(2)) : null;

  let weightBytes = 0;
  const consts = [...g.consts.values()].filter((c) => used.has(c.key)).map((c) => {
    weightBytes += c.values.length * bytesOf(c.ctype);
    return { cName: constId(c.key), ctype: c.ctype, length: c.values.length, comment: commentSafe(c.comment), lines: initializerLines(c.values, c.ctype) };
  });
  const macs = g.ops.reduce((s, op) => s + op.macs, 0);
  const buffers = memory.buffers.map((b) => ({
    macro: bufferMacro.get(b.name)!, offset: memory.plan.offsets.get(b.name)!, bytes: b.size, first: b.first, last: b.last, what: commentSafe(b.what),
  }));

  const ctx = {
    banner,
    inputLen: g.inputLen,
    outputLen: g.outputLen,
    inputFracBits: g.inputFracBits,
    outputFracBits: g.outputFracBits,
    bits: g.bits,
    actBits: g.actBits,
    arenaBytes: Math.max(memory.plan.arenaBytes, 16),
    arenaLowerBound: memory.plan.arenaLowerBound,
    macs,
    sha256: banner.sha256,
    buffers,
    // With streaming, pose_model_run runs the normalization and projection itself and the rest in pm_run_tail.
    ops: opts.stream ? opContexts.slice(0, 2) : opContexts,
    stream,
    consts,
    totalBytes: weightBytes,
    dramWeights: weightBytes <= DRAM_WEIGHT_BUDGET,
    dramBudget: DRAM_WEIGHT_BUDGET,
  };
  const files = new Map<string, string>();
  files.set('pose_model.h', renderer.render('pose_model.h', ctx));
  files.set('pose_model.c', renderer.render('pose_model.c', ctx));
  files.set('pose_weights.h', renderer.render('pose_weights.h', ctx));
  files.set('pose_weights.c', renderer.render('pose_weights.c', ctx));
  files.set('pose_kernels.h', renderer.render('pose_kernels.h', { headers: kernelHeaders() }));
  // The kernel headers and template bodies, copied verbatim: pose_kernels.h includes them as "kernels/<file>",
  // relative to itself, so the component keeps the folder and needs no include path of its own.
  const kernelDir = join(C_TEMPLATES_DIR, 'kernels');
  for (const name of readdirSync(kernelDir).filter((f) => /\.(h|inc)$/.test(f)).sort()) {
    files.set(`kernels/${name}`, readFileSync(join(kernelDir, name), 'utf8'));
  }
  if (opts.stream) files.set('pose_stream.h', readFileSync(join(C_TEMPLATES_DIR, 'pose_stream.h'), 'utf8'));
  files.set('CMakeLists.txt', renderer.render('component/CMakeLists.txt', ctx));
  files.set('pose_model.cmake', renderer.render('component/pose_model.cmake', { banner, compileOptions: COMPONENT_COMPILE_OPTIONS }));
  files.set('idf_component.yml', renderer.render('component/idf_component.yml', ctx));
  return { files, memory, weightBytes, macs, kernels: opContexts.map((o) => o.kernel), emittedConsts: [...g.consts.keys()].filter((k) => used.has(k)) };
}

/** `kernel(a, b, ...);` indented as a statement, breaking the line before each argument marked `wrap`. */
function formatCall(kernel: string, args: Arg<string>[]): string[] {
  const text = (v: Arg<string>['value']): string => (typeof v === 'bigint' ? `INT64_C(${v})` : String(v));
  const lines: string[] = [];
  let line = `    ${kernel}(`;
  args.forEach((a, i) => {
    if (a.wrap) {
      lines.push(line.trimEnd());
      line = '        ';
    }
    line += `${text(a.value)}${i < args.length - 1 ? ', ' : ');'}`;
  });
  lines.push(line);
  return lines;
}

function describeTensor(dir: string, t: QTensor): string {
  const where = t.home === 'alias' ? `view of ${t.aliasOf}` : t.home;
  const layout = t.layout ? `, stored ${t.layout}` : '';
  return `${dir} ${t.name} [${t.shape.join(',')}] int${t.bits} scale ${fmtScale(t.scale)} (${where}${layout})`;
}
