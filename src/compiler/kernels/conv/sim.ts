// Mirror of pk_conv_wW_X_Y: y[n][o][oh][ow] = sat(requant(bias[o] 2^bias_shift + sum over the window of the
// group's input channels of x * w[o])). The C gathers blocks of output positions into scratch rows and runs
// the linear kernel on them (or, depthwise, a direct loop); every partial sum is the same integer in any
// order (the compiler proves the int32 bound), so one direct loop mirrors all of it.
import { checkInt32, int4At, requant, saturate } from '../../quant/fixed-point.ts';
import { need, type Act } from '../common.ts';
import { biasAt } from '../linear/sim.ts';

export interface ConvShape {
  N: number; C: number; H: number; W: number;
  O: number; groups: number;
  KH: number; KW: number; SH: number; SW: number; DH: number; DW: number; PH: number; PW: number;
  OH: number; OW: number;
}

export function conv(
  x: Act, s: ConvShape, w: Uint8Array | Int8Array, bias: Int16Array | null, biasShift: number,
  mult: ArrayLike<number>, shift: ArrayLike<number>, perRow: boolean, outMin: number, outMax: number, y: Act,
): void {
  const { N, C, H, W, O, groups, KH, KW, SH, SW, DH, DW, PH, PW, OH, OW } = s;
  const Cg = C / groups, Og = O / groups, rowLen = Cg * KH * KW;
  need(x, N * C * H * W, 'conv x');
  need(y, N * O * OH * OW, 'conv y');
  const w4 = w instanceof Uint8Array;
  const rowBytes = w4 ? (rowLen + 1) >> 1 : rowLen;
  need(w, O * rowBytes, 'conv weights');
  if (bias) need(bias, O, 'conv bias');
  need(mult, perRow ? O : 1, 'conv mult');
  need(shift, perRow ? O : 1, 'conv shift');
  const row = new Int32Array(rowLen);
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < rowLen; i++) row[i] = w4 ? int4At(w[o * rowBytes + (i >> 1)], (i & 1) as 0 | 1) : w[o * rowBytes + i];
    const g = Math.floor(o / Og);
    const b = biasAt(bias, biasShift, o);
    const qm = mult[perRow ? o : 0];
    const qs = shift[perRow ? o : 0];
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let acc = b;
          for (let c = 0; c < Cg; c++) {
            const plane = (n * C + g * Cg + c) * H * W;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * SW - PW + kw * DW;
                if (iw < 0 || iw >= W) continue;
                acc += x[plane + ih * W + iw] * row[(c * KH + kh) * KW + kw];
              }
            }
          }
          checkInt32(acc, `conv row ${o} position ${n}/${oh}/${ow}`);
          y[((n * O + o) * OH + oh) * OW + ow] = saturate(requant(acc, qm, qs), outMin, outMax);
        }
      }
    }
  }
}
