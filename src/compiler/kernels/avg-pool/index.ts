// AveragePool and GlobalAveragePool on codes: the int32 sum of each window, requantized once with the
// multiplier of its divisor, s_in / (count s_out) (a table over the divisors that occur: windows at a padded
// edge have fewer input elements unless count_include_pad). The output scale is calibrated, so an int16
// output keeps the resolution the average gains. C: pk_avgpool_X_Y (templates/c/kernels/pk_avgpool.h).
import type { Node } from '../../ir/graph.ts';
import { asPlanes, poolGeometry, type PoolAttrs } from '../../ops/max-pool.ts';
import { windowCount } from '../../ops/average-pool.ts';
import { checkInt32, quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { typeSuffix, type Arg, type Kernel, type Refs } from '../kernel.ts';
import type { PoolWindow } from '../max-pool/index.ts';

export interface AvgPoolOp extends QOpCommon, Omit<PoolWindow, 'DH' | 'DW'> {
  kind: 'avgpool';
  /** End pads (the divisor of an edge window with count_include_pad reaches into them). */
  PHE: number;
  PWE: number;
  includePad: boolean;
  /** mult[k], shift[k]: the requantization of a window of countMin + k elements. */
  countMin: number;
  mult: string;
  shift: string;
  outMin: number;
  outMax: number;
}

function plan(ctx: PlanContext, node: Node): AvgPoolOp {
  const x = ctx.tensor(node.inputs[0]);
  const y = ctx.tensor(node.outputs[0]);
  let p: ReturnType<typeof asPlanes>;
  let includePad = false;
  if (node.op === 'GlobalAveragePool') {
    const spatial = x.shape.slice(2);
    const [H, W] = spatial.length === 1 ? [1, spatial[0]] : [spatial.slice(0, -1).reduce((a, b) => a * b, 1), spatial[spatial.length - 1]];
    p = { planes: x.shape[0] * x.shape[1], in: [H, W], kernel: [H, W], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], out: [1, 1] };
  } else {
    p = asPlanes(poolGeometry(node as Node<PoolAttrs>, x.shape));
    includePad = (node.attrs as PoolAttrs).countIncludePad;
  }
  const counts = new Set<number>();
  for (let oh = 0; oh < p.out[0]; oh++) for (let ow = 0; ow < p.out[1]; ow++) counts.add(windowCount(p, oh, ow, includePad));
  const countMin = Math.min(...counts);
  const countMax = Math.max(...counts);
  const mult = new Int32Array(countMax - countMin + 1);
  const shift = new Int8Array(countMax - countMin + 1);
  for (let c = countMin; c <= countMax; c++) {
    const q = quantizeMultiplier(x.scale / (c * y.scale), `${node.name} requantization (window of ${c})`);
    mult[c - countMin] = q.mult;
    shift[c - countMin] = q.shift;
  }
  const op: AvgPoolOp = {
    ...ctx.common(node, [x.name], [y.name]), kind: 'avgpool',
    planes: p.planes, H: p.in[0], W: p.in[1], KH: p.kernel[0], KW: p.kernel[1], SH: p.strides[0], SW: p.strides[1], PH: p.padsBegin[0], PW: p.padsBegin[1],
    OH: p.out[0], OW: p.out[1], PHE: p.padsEnd[0], PWE: p.padsEnd[1], includePad, countMin,
    mult: ctx.addConst({ key: `${node.name}:mult`, ctype: 'int32_t', values: mult, comment: `${node.name}: requantization multipliers s_in / (count s_out), counts ${countMin}..${countMax}` }),
    shift: ctx.addConst({ key: `${node.name}:shift`, ctype: 'int8_t', values: shift, comment: `${node.name}: requantization shifts, counts ${countMin}..${countMax}` }),
    outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`sum of ${p.kernel[0]}x${p.kernel[1]} windows, divided by ${countMin === countMax ? countMin : `${countMin}..${countMax}`} in the requantization${includePad ? ' (count_include_pad)' : ''}`);
  return op;
}

/** The divisor of output (oh, ow): as windowCount, in the kernel's integers. */
function count(oh: number, ow: number, o: AvgPoolWindow): number {
  const span = (i: number, s: number, k: number, pb: number, pe: number, n: number): number => {
    const start = i * s - pb;
    const end = Math.min(start + k, n + pe);
    return o.includePad ? end - start : Math.min(end, n) - Math.max(start, 0);
  };
  return span(oh, o.SH, o.KH, o.PH, o.PHE, o.H) * span(ow, o.SW, o.KW, o.PW, o.PWE, o.W);
}

type AvgPoolWindow = Pick<AvgPoolOp, 'H' | 'W' | 'KH' | 'KW' | 'SH' | 'SW' | 'PH' | 'PW' | 'PHE' | 'PWE' | 'includePad'>;

/** Mirror of pk_avgpool_X_Y. */
function avgpool(
  x: Act, planes: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number, PH: number, PW: number,
  PHE: number, PWE: number, OH: number, OW: number, includePad: number, countMin: number, mult: Int32Array, shift: Int8Array,
  outMin: number, outMax: number, y: Act,
): void {
  need(x, planes * H * W, 'avgpool x');
  need(y, planes * OH * OW, 'avgpool y');
  const o: AvgPoolWindow = { H, W, KH, KW, SH, SW, PH, PW, PHE, PWE, includePad: includePad !== 0 };
  for (let c = 0; c < planes; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PH + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw;
            if (iw >= 0 && iw < W) s += x[(c * H + ih) * W + iw];
          }
        }
        checkInt32(s, 'avgpool sum');
        const k = count(oh, ow, o) - countMin;
        need(mult, k + 1, 'avgpool mult');
        y[(c * OH + oh) * OW + ow] = saturate(requant(s, mult[k], shift[k]), outMin, outMax);
      }
    }
  }
}

export const avgPoolKernel: Kernel<AvgPoolOp> = {
  kinds: ['avgpool'],
  irOps: ['AveragePool', 'GlobalAveragePool'],
  headers: ['pk_avgpool.h'],
  calibrated: true,
  plan,
  cName: (op, bitsOf) => `pk_avgpool_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: AvgPoolOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'planes', value: op.planes },
    { name: 'H', value: op.H },
    { name: 'W', value: op.W },
    { name: 'KH', value: op.KH, wrap: true },
    { name: 'KW', value: op.KW },
    { name: 'SH', value: op.SH },
    { name: 'SW', value: op.SW },
    { name: 'PH', value: op.PH },
    { name: 'PW', value: op.PW },
    { name: 'PHE', value: op.PHE },
    { name: 'PWE', value: op.PWE },
    { name: 'OH', value: op.OH },
    { name: 'OW', value: op.OW },
    { name: 'include_pad', value: op.includePad ? 1 : 0, wrap: true },
    { name: 'count_min', value: op.countMin },
    { name: 'mult', value: r.constant(op.mult) },
    { name: 'shift', value: r.constant(op.shift) },
    { name: 'out_min', value: op.outMin },
    { name: 'out_max', value: op.outMax },
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: avgpool,
};
