// C identifiers for ONNX tensor and node names. ONNX names are arbitrary strings ("/layers.0/attn/MatMul_1",
// "onnx::MatMul_123"), so mapping them to C is lossy; a collision map keeps two different names from ever
// getting the same identifier, C keywords and reserved forms are avoided, and the same name always gets
// the same identifier (stable output, so the generated-C snapshot only changes when the graph does).

const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while',
  '_Bool', '_Complex', '_Imaginary', 'bool', 'true', 'false', 'NULL', 'main', 'asm', 'fortran',
]);

export class NameTable {
  private readonly byName = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** `prefix` namespaces the identifiers (e.g. "pm_w_") so they cannot clash with kernel or libc names. */
  constructor(private readonly prefix = '', reserved: Iterable<string> = []) {
    for (const r of reserved) this.taken.add(r);
  }

  /** The C identifier for `name`: created on first use, identical on every later call. */
  get(name: string): string {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const base = this.prefix + sanitize(name);
    let id = base;
    for (let k = 2; this.taken.has(id) || C_KEYWORDS.has(id); k++) id = `${base}_${k}`;
    this.taken.add(id);
    this.byName.set(name, id);
    return id;
  }

  entries(): [string, string][] {
    return [...this.byName.entries()];
  }
}

/** Lowercase-friendly C identifier: [A-Za-z0-9_] only, no leading digit, no "__" or leading "_" (reserved). */
export function sanitize(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'anon';
  if (/^[0-9]/.test(s)) s = `n${s}`;
  return s;
}

/** A value for a C comment: no comment terminator can appear inside it. */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *').replace(/[\r\n]+/g, ' ');
}
