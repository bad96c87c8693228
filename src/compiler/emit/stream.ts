// Template context of the streaming functions (templates/c/partials/stream-*.hbs, templates/c/pose_stream.h)
// from a proven StreamPlan (src/compiler/stream-plan.ts). Names and pointer expressions come from the
// emitter's own tables, so the streaming code writes exactly the buffer the window path's projection writes.
import { initializerLines } from './c-literals.ts';
import type { StreamPlan } from '../stream-plan.ts';

export interface StreamNaming {
  constId(key: string): string;
  tensorExpr(name: string): string;
  bitsOf(name: string): number;
}

export interface StreamContext {
  F: number;
  P: number;
  out: number;
  qmax: number;
  stateBytes: number;
  constBytes: number;
  maxBound: number;
  linearName: string;
  rowSumLines: string[];
  projectKernel: string;
  windowKernel: string;
  w: string;
  bias: string;
  biasShift: number;
  mult: string;
  shift: string;
  perRow: number;
  outMin: number;
  outMax: number;
  y: string;
  yStride: number;
  tailOps: object[];
}

/** Bytes of the static state kept between calls: the ring of projections, per-packet min/max, two counters. */
export function streamStateBytes(plan: StreamPlan): number {
  return plan.P * plan.linear.outF * 4 + plan.P * 2 * 2 + 2 * 4;
}

export function streamContext(plan: StreamPlan, names: StreamNaming, tailOps: object[]): StreamContext {
  const lin = plan.linear;
  return {
    F: plan.F,
    P: plan.P,
    out: lin.outF,
    qmax: plan.qmax,
    stateBytes: streamStateBytes(plan),
    constBytes: lin.outF * 4,
    maxBound: Math.max(...Array.from(plan.sumAbs, (a) => (a + 1) / 2)),
    linearName: lin.name.replace(/\*\//g, '* /'),
    rowSumLines: initializerLines(plan.rowSums, 'int32_t'),
    projectKernel: `pk_stream_project_w${lin.layout === 'rows' ? lin.wbits : '4r4'}`,
    windowKernel: `pk_stream_window_${names.bitsOf(lin.outputs[0]) === 8 ? 'i8' : 'i16'}`,
    w: names.constId(lin.weight),
    bias: lin.bias ? names.constId(lin.bias) : '0',
    biasShift: lin.biasShift,
    mult: names.constId(lin.mult),
    shift: names.constId(lin.shift),
    perRow: lin.perRow ? 1 : 0,
    outMin: lin.outMin,
    outMax: lin.outMax,
    y: names.tensorExpr(lin.outputs[0]),
    yStride: lin.yStride,
    tailOps,
  };
}
