// Builds the template contexts for the generated component from a QuantizedGraph and renders every file.
// All naming (through the collision-checked NameTable), pointer expressions and numbers are decided here;
// the templates in templates/c only loop and interpolate.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { C_TEMPLATES_DIR, createRenderer, type Renderer } from './render.ts';
import { NameTable, commentSafe } from './names.ts';
import { bytesOf, cLiteral, initializerLines } from './c-literals.ts';
import { layoutMemory, scratchName, type MemoryLayout } from './memory.ts';
import { ctypeOfBits, type QOp, type QuantizedGraph, type QTensor } from '../quant/qgraph.ts';
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
}

/** Names the kernel emits calls into; the generated code cannot shadow them. */
const RESERVED = ['pose_model_run', 'input', 'output', 'pm_arena'];

function tag(bits: number): string {
  return bits === 8 ? 'i8' : 'i16';
}

function fmtScale(s: number): string {
  return s.toPrecision(6);
}

/** stream: a proven plan (planStreaming) adds pose_model_push_packet / pose_model_run_streaming. */
export function emitComponent(g: QuantizedGraph, banner: Banner, renderer: Renderer = createRenderer(), opts: { stream?: StreamPlan } = {}): EmittedComponent {
  const memory = layoutMemory(g);
  const constNames = new NameTable('pm_', RESERVED);
  const offsetNames = new NameTable('PM_OFF_', RESERVED);
  const constId = (key: string): string => {
    if (!g.consts.has(key)) throw new Error(`emit: op refers to unknown constant '${key}'`);
    return constNames.get(key);
  };
  // A per-tensor requantization multiplier or shift goes into the call as a one-element compound literal
  // rather than the pose_weights.c array, so the compiler sees a constant once the kernel is inlined.
  const requantArg = (op: Extract<QOp, { kind: 'linear' }>, which: 'mult' | 'shift'): string => {
    const key = op[which];
    if (op.perRow) return constId(key);
    const c = g.consts.get(key)!;
    return `(const ${c.ctype}[]){${cLiteral(c.values[0], c.ctype)}}`;
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
  const scratchExpr = (op: QOp): string => `PM_BUF(int32_t, ${bufferMacro.get(scratchName(op.name))})`;
  const bitsOf = (name: string): number => g.tensors.get(name)!.bits;
  const constBits = (key: string): number => bytesOf(g.consts.get(key)!.ctype) * 8;

  const opContexts = g.ops.map((op, index) => {
    const tensorLines = [
      ...op.inputs.map((n) => describeTensor('in ', g.tensors.get(n)!)),
      ...op.outputs.map((n) => describeTensor('out', g.tensors.get(n)!)),
    ];
    const common = {
      index,
      irOp: op.irOp,
      name: commentSafe(op.name),
      sources: commentSafe(op.sources.join(', ')),
      tensorLines: tensorLines.map(commentSafe),
      notes: op.notes.map(commentSafe),
    };
    const x = op.inputs[0];
    const y = op.outputs[0];
    switch (op.kind) {
      case 'normalize':
        return { ...common, template: 'ops/normalize', kernel: `pk_minmax_normalize_${tag(bitsOf(y))}`, x: tensorExpr(x), F: op.F, P: op.P, y: tensorExpr(y) };
      case 'linear':
        return {
          ...common, template: 'ops/linear', kernel: `pk_linear_w${op.wbits}_${tag(bitsOf(x))}_${tag(bitsOf(y))}`,
          x: tensorExpr(x), T: op.T, inF: op.inF, xStride: op.xStride, w: constId(op.weight), bias: op.bias ? constId(op.bias) : '0',
          biasShift: op.biasShift, outF: op.outF, mult: requantArg(op, 'mult'), shift: requantArg(op, 'shift'), perRow: op.perRow ? 1 : 0,
          outMin: op.outMin, outMax: op.outMax, y: tensorExpr(y), yStride: op.yStride,
        };
      case 'add':
        return {
          ...common, template: 'ops/add',
          kernel: `pk_add_${tag(bitsOf(x))}_${op.bConst ? tag(constBits(op.bConst)) : tag(bitsOf(op.inputs[1]))}_${tag(bitsOf(y))}`,
          a: tensorExpr(x), b: op.bConst ? constId(op.bConst) : tensorExpr(op.inputs[1]), n: op.n,
          multA: op.multA, multB: op.multB, shift: op.shift, outMin: op.outMin, outMax: op.outMax, y: tensorExpr(y),
        };
      case 'lut8':
      case 'lut16':
        return {
          ...common, template: 'ops/lut', kernel: op.kind === 'lut8' ? `pk_lut8_${tag(bitsOf(y))}` : `pk_lut16_interp_${tag(bitsOf(y))}`,
          x: tensorExpr(x), n: op.n, table: constId(op.table), y: tensorExpr(y),
        };
      case 'relu':
        return { ...common, template: 'ops/relu', kernel: `pk_relu_${tag(bitsOf(x))}`, x: tensorExpr(x), n: op.n, y: tensorExpr(y) };
      case 'layernorm':
        return {
          ...common, template: 'ops/layernorm', kernel: `pk_layernorm_${tag(bitsOf(x))}_${tag(bitsOf(y))}`,
          x: tensorExpr(x), T: op.T, d: op.d, xStride: op.d, epsQ: `INT64_C(${op.epsQ})`, gamma: constId(op.gamma), beta: constId(op.beta),
          preShift: op.preShift, mult: op.mult, shift: op.shift, outMin: op.outMin, outMax: op.outMax, y: tensorExpr(y), yStride: op.d,
        };
      case 'attention': {
        return {
          ...common, template: 'ops/attention', kernel: `pk_attention_${tag(bitsOf(x))}_${tag(bitsOf(y))}`,
          q: offsetExpr(tensorExpr(op.q), op.qOffset), k: offsetExpr(tensorExpr(op.k), op.kOffset), v: offsetExpr(tensorExpr(op.v), op.vOffset), ld: op.ld,
          T: op.T, H: op.H, hd: op.hd, logitShift: op.logitShift, smMult: op.smMult, smShift: op.smShift,
          mult: op.mult, shift: op.shift, outMin: op.outMin, outMax: op.outMax, scratch: scratchExpr(op), y: tensorExpr(y), yStride: op.H * op.hd,
        };
      }
      case 'attention_pool':
        return {
          ...common, template: 'ops/attention_pool', kernel: `pk_attention_pool_${tag(bitsOf(x))}_${tag(bitsOf(y))}`,
          x: tensorExpr(x), T: op.T, d: op.d, xStride: op.d, scores: tensorExpr(op.inputs[1]), smMult: op.smMult, smShift: op.smShift,
          mult: op.mult, shift: op.shift, outMin: op.outMin, outMax: op.outMax, scratch: scratchExpr(op), y: tensorExpr(y),
        };
      case 'matmul_const':
        return {
          ...common, template: 'ops/matmul_const', kernel: `pk_matmul_const_left_${tag(bitsOf(x))}_${tag(bitsOf(y))}`,
          a: constId(op.a), x: tensorExpr(x), n: op.n, m: op.m, k: op.k, mult: op.mult, shift: op.shift, outMin: op.outMin, outMax: op.outMax, y: tensorExpr(y),
        };
    }
  });

  let weightBytes = 0;
  const consts = [...g.consts.values()].map((c) => {
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
    stream: opts.stream ? streamContext(opts.stream, { constId, tensorExpr, bitsOf }, opContexts.slice(2)) : null,
    consts,
    totalBytes: weightBytes,
  };
  const files = new Map<string, string>();
  files.set('pose_model.h', renderer.render('pose_model.h', ctx));
  files.set('pose_model.c', renderer.render('pose_model.c', ctx));
  files.set('pose_weights.h', renderer.render('pose_weights.h', ctx));
  files.set('pose_weights.c', renderer.render('pose_weights.c', ctx));
  files.set('pose_kernels.h', readFileSync(join(C_TEMPLATES_DIR, 'pose_kernels.h'), 'utf8'));
  // The kernel headers and template bodies, copied verbatim: pose_kernels.h includes them as "kernels/<file>",
  // relative to itself, so the component keeps the folder and needs no include path of its own.
  const kernelDir = join(C_TEMPLATES_DIR, 'kernels');
  for (const name of readdirSync(kernelDir).filter((f) => /\.(h|inc)$/.test(f)).sort()) {
    files.set(`kernels/${name}`, readFileSync(join(kernelDir, name), 'utf8'));
  }
  if (opts.stream) files.set('pose_stream.h', readFileSync(join(C_TEMPLATES_DIR, 'pose_stream.h'), 'utf8'));
  files.set('CMakeLists.txt', renderer.render('component/CMakeLists.txt', ctx));
  files.set('idf_component.yml', renderer.render('component/idf_component.yml', ctx));
  return { files, memory, weightBytes, macs, kernels: opContexts.map((o) => o.kernel) };
}

function offsetExpr(base: string, offset: number): string {
  return offset === 0 ? base : `${base} + ${offset}`;
}

function describeTensor(dir: string, t: QTensor): string {
  const where = t.home === 'alias' ? `view of ${t.aliasOf}` : t.home;
  const layout = t.layout ? `, stored ${t.layout}` : '';
  return `${dir} ${t.name} [${t.shape.join(',')}] int${t.bits} scale ${fmtScale(t.scale)} (${where}${layout})`;
}
