// Consistent Overhead Byte Stuffing without the delimiter. A block of 254 non-zero bytes that ends the
// input gets no trailing empty block (the C codec does the same, so both produce identical bytes).

export function cobsEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + Math.floor(input.length / 254) + 1);
  let codePos = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < input.length; i++) {
    const b = input[i];
    if (b !== 0) {
      out[o++] = b;
      code++;
    }
    if (b === 0 || code === 0xff) {
      out[codePos] = code;
      if (b !== 0 && i + 1 === input.length) return out.subarray(0, o);
      codePos = o++;
      code = 1;
    }
  }
  out[codePos] = code;
  return out.subarray(0, o);
}

/** Returns the decoded bytes, or null when the input is not valid COBS (a zero byte or a run past the end). */
export function cobsDecode(input: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(input.length);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    const code = input[i++];
    if (code === 0) return null;
    const run = code - 1;
    if (run > input.length - i) return null;
    if (input.subarray(i, i + run).includes(0)) return null; // a zero is only legal as the delimiter
    out.set(input.subarray(i, i + run), o);
    o += run;
    i += run;
    if (code !== 0xff && i < input.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
