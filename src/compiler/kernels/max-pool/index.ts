// MaxPool on codes: the largest code of each window (padding never wins), then one requantization to the
// output (exact, the identity, at the input's scale; the model output's scale when it is the output).
// C: pk_maxpool_X_Y (templates/c/kernels/pk_maxpool.h).
import type { Node } from '../../ir/graph.ts';
import { asPlanes, poolGeometry, type PoolAttrs } from '../../ops/max-pool.ts';
import { quantizeMultiplier, requant, saturate } from '../../quant/fixed-point.ts';
import { qmax, qmin, type QOpCommon } from '../../quant/qgraph.ts';
import type { PlanContext } from '../../quant/plan-context.ts';
import { need, type Act } from '../common.ts';
import { requantArgs, typeSuffix, type Arg, type Kernel, type Refs, type Requantized } from '../kernel.ts';

/** A pooling window over planes of [H][W] (1-D: H = KH = OH = 1), PH/PW the begin pads. */
export interface PoolWindow {
  planes: number;
  H: number; W: number; KH: number; KW: number; SH: number; SW: number; DH: number; DW: number; PH: number; PW: number;
  OH: number; OW: number;
}

export interface MaxPoolOp extends QOpCommon, Requantized, PoolWindow {
  kind: 'maxpool';
}

export function poolWindow(node: Node, shape: readonly number[]): PoolWindow & { PHE: number; PWE: number } {
  const p = asPlanes(poolGeometry(node as Node<PoolAttrs>, shape));
  return {
    planes: p.planes, H: p.in[0], W: p.in[1], KH: p.kernel[0], KW: p.kernel[1], SH: p.strides[0], SW: p.strides[1],
    DH: p.dilations[0], DW: p.dilations[1], PH: p.padsBegin[0], PW: p.padsBegin[1], OH: p.out[0], OW: p.out[1], PHE: p.padsEnd[0], PWE: p.padsEnd[1],
  };
}

function plan(ctx: PlanContext, node: Node): MaxPoolOp {
  const x = ctx.tensor(node.inputs[0]);
  const w = poolWindow(node, x.shape);
  const y = ctx.newTensor(node.outputs[0], x.scale);
  const q = quantizeMultiplier(x.scale / y.scale, `${node.name} requantization`);
  const op: MaxPoolOp = {
    ...ctx.common(node, [x.name], [y.name]), kind: 'maxpool', planes: w.planes, H: w.H, W: w.W, KH: w.KH, KW: w.KW, SH: w.SH, SW: w.SW,
    DH: w.DH, DW: w.DW, PH: w.PH, PW: w.PW, OH: w.OH, OW: w.OW, mult: q.mult, shift: q.shift, outMin: qmin(y.bits), outMax: qmax(y.bits),
  };
  op.notes.push(`max of ${w.KH}x${w.KW} windows on codes; ${y.scale === x.scale ? 'same scale (exact)' : `requantized to the output, multiplier ${q.mult} >> ${31 + q.shift}`}`);
  return op;
}

/** Mirror of pk_maxpool_X_Y. */
function maxpool(
  x: Act, planes: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number, DH: number, DW: number,
  PH: number, PW: number, OH: number, OW: number, mult: number, shift: number, outMin: number, outMax: number, y: Act,
): void {
  need(x, planes * H * W, 'maxpool x');
  need(y, planes * OH * OW, 'maxpool y');
  for (let c = 0; c < planes; c++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw * DW;
            if (iw >= 0 && iw < W) m = Math.max(m, x[(c * H + ih) * W + iw]);
          }
        }
        y[(c * OH + oh) * OW + ow] = saturate(requant(m, mult, shift), outMin, outMax);
      }
    }
  }
}

export const maxPoolKernel: Kernel<MaxPoolOp> = {
  kinds: ['maxpool'],
  irOps: ['MaxPool'],
  headers: ['pk_maxpool.h'],
  calibrated: false,
  precision: (node, rules) => rules.tie(node.inputs[0], node.outputs[0]),
  plan,
  cName: (op, bitsOf) => `pk_maxpool_${typeSuffix(bitsOf(op.inputs[0]))}_${typeSuffix(bitsOf(op.outputs[0]))}`,
  args: <R>(op: MaxPoolOp, r: Refs<R>): Arg<R>[] => [
    { name: 'x', value: r.tensor(op.inputs[0]) },
    { name: 'planes', value: op.planes },
    { name: 'H', value: op.H },
    { name: 'W', value: op.W },
    { name: 'KH', value: op.KH, wrap: true },
    { name: 'KW', value: op.KW },
    { name: 'SH', value: op.SH },
    { name: 'SW', value: op.SW },
    { name: 'DH', value: op.DH },
    { name: 'DW', value: op.DW },
    { name: 'PH', value: op.PH },
    { name: 'PW', value: op.PW },
    { name: 'OH', value: op.OH },
    { name: 'OW', value: op.OW },
    ...requantArgs<R>(op, 'mult'),
    { name: 'y', value: r.tensor(op.outputs[0]) },
  ],
  mirror: maxpool,
};
