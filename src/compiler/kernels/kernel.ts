// What one integer kernel is to the compiler: how it plans an IR node into a QOp (its integer parameters),
// which tensors must share or force a precision, and its call, the C function name and the argument list in
// signature order. The argument list is the single source of the call: the emitter formats it as C
// (`kernel(args...)`) and the simulator passes the same list, as typed arrays and numbers, to the kernel's
// TypeScript mirror, whose parameters are in the C function's order. Every kernel lives in one folder
// under src/compiler/kernels/ and is listed once in kernels/index.ts (no switch over op kinds elsewhere).
import type { Node } from '../ir/graph.ts';
import type { ConstValues, QOpCommon } from '../quant/qgraph.ts';
import type { PlanContext } from '../quant/plan-context.ts';
import type { Act } from './common.ts';

/** How an argument refers to data; `Refs<R>` turns each into R (a C expression, or an array for the simulator). */
export interface Refs<R> {
  /** An activation tensor, optionally from an element offset (packed q/k/v columns). */
  tensor(name: string, offset?: number): R;
  /** A constant array of pose_weights.c. */
  constant(key: string): R;
  /** A constant written into the call itself (a compound literal in C), so the C compiler sees its values. */
  constantInline(key: string): R;
  /** The op's int32 scratch rows in the arena. */
  scratch(): R;
  /** A null pointer (an op without that operand, e.g. a Linear without bias). */
  none(): R;
}

/** One argument of a kernel call: a number (int32 or smaller), an int64 (bigint), or a reference. */
export type ArgValue<R> = number | bigint | R;

export interface Arg<R> {
  /** The C parameter's name, as in the kernel's header. */
  name: string;
  value: ArgValue<R>;
  /** The generated call breaks its line before this argument (keeps long calls readable). */
  wrap?: boolean;
}

/** What precision rules a kernel states for its IR node, applied before planning (quant/precision.ts). */
export interface PrecisionRules {
  /** This tensor is int16 whatever --act-bits says. */
  force(tensor: string): void;
  /** This tensor is int8 whatever --act-bits says (the scale of a QuantizeLinear/DequantizeLinear pair). */
  int8(tensor: string): void;
  /** These two tensors share one integer type (a forced int16 spreads to both). */
  tie(a: string, b: string): void;
}

export interface Kernel<Op extends QOpCommon & { kind: string } = QOpCommon & { kind: string }> {
  /** The QOp kinds this kernel produces (the compile report's `kind`). */
  readonly kinds: readonly Op['kind'][];
  /** The IR ops (ONNX or fused pe.*) it plans. */
  readonly irOps: readonly string[];
  /** The headers of templates/c/kernels that declare its C functions (the component's pose_kernels.h includes them). */
  readonly headers: readonly string[];
  /** Does planning need the calibrated range of the node's output? (false: its scale follows the input.) */
  readonly calibrated: boolean;
  /**
   * Its ops have one output that out_min/out_max (OutRange) saturate in that output's codes, so a ReLU or
   * Clip reading only that output can narrow them instead of running (relu, clip: PlanContext.clampableLastOp).
   */
  readonly clampsOutput?: boolean;
  precision?(node: Node, rules: PrecisionRules, isConst: (tensor: string) => boolean): void;
  /** Plans the node; null when it became part of another op (a ReLU fused into its Linear) or a view. */
  plan(ctx: PlanContext, node: Node): Op | null;
  /** The C function the op calls (e.g. pk_linear_w4_i16_i16). */
  cName(op: Op, bitsOf: (tensor: string) => number): string;
  /** The call's arguments in the C signature's order. */
  args<R>(op: Op, refs: Refs<R>): Arg<R>[];
  /** The TypeScript mirror of the C function, called with args() as arrays and numbers, in the same order. */
  mirror(...args: SimArg[]): void;
}

/** What the simulator passes to a mirror: activation arrays, constant arrays, scratch, or null, and numbers. */
export type SimArg = Act | ConstValues | Int32Array | null | number | bigint;

/** The C name suffix of an activation type: 8 -> "i8", 16 -> "i16". */
export function typeSuffix(bits: number): 'i8' | 'i16' {
  return bits === 8 ? 'i8' : 'i16';
}

/** One requantization to the output: acc * mult >> (31 + shift), saturated to [outMin, outMax]. */
export interface Requantized {
  mult: number;
  shift: number;
  outMin: number;
  outMax: number;
}

/** The four arguments of a Requantized op, in the kernels' usual order (mult, shift, out_min, out_max). */
export function requantArgs<R>(op: Requantized, wrapBefore?: 'mult' | 'out_min'): Arg<R>[] {
  return [
    { name: 'mult', value: op.mult, wrap: wrapBefore === 'mult' },
    { name: 'shift', value: op.shift },
    { name: 'out_min', value: op.outMin, wrap: wrapBefore === 'out_min' },
    { name: 'out_max', value: op.outMax },
  ];
}
