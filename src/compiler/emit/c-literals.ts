// Formatting of constant data as C initializers. Packed int4 and other byte data are written as hex bytes;
// signed arrays as decimals (a hex literal above 0x7f in an int8_t initializer would be a -Woverflow
// warning, which -Werror turns into a build failure).
import type { ConstValues, CType } from '../quant/qgraph.ts';

const PER_LINE: Record<CType, number> = { uint8_t: 16, int8_t: 16, int16_t: 12, int32_t: 8, uint32_t: 8 };

export function cLiteral(v: number, ctype: CType): string {
  if (ctype === 'uint8_t') return `0x${v.toString(16).padStart(2, '0')}`;
  if (ctype === 'uint32_t') return `0x${v.toString(16).padStart(8, '0')}u`;
  // -2147483648 is not an int literal in C (2147483648 does not fit int), so spell it as an expression.
  if (ctype === 'int32_t' && v === -2147483648) return '(-2147483647 - 1)';
  return String(v);
}

/** The initializer body split into lines, each ending in a comma. */
export function initializerLines(values: ConstValues, ctype: CType): string[] {
  const per = PER_LINE[ctype];
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += per) {
    const chunk: string[] = [];
    for (let j = i; j < Math.min(i + per, values.length); j++) chunk.push(cLiteral(values[j], ctype));
    lines.push(`${chunk.join(', ')},`);
  }
  return lines;
}

export function bytesOf(ctype: CType): number {
  return ctype === 'int32_t' || ctype === 'uint32_t' ? 4 : ctype === 'int16_t' ? 2 : 1;
}
