// Text that came from a device (a node's INFO strings, its ERROR text, anything decoded from the wire or
// printed by a device process) is untrusted: printed raw, a control sequence in it can clear the screen,
// move the cursor over earlier lines, retitle the window or fake an "OK" line, and bidi overrides can make
// text read differently from what it is. Everything printed for a person goes through escapeTerminal();
// JSON goes through jsonLine(), which keeps it valid JSON and equal once parsed.
//
// Escaped: C0 controls (U+0000..U+001F), DEL, C1 controls (U+0080..U+009F, which some terminals obey like
// ESC + a letter), the Unicode line and paragraph separators (U+2028, U+2029) and the bidi controls
// (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069). Escaping ESC defuses every escape sequence
// (CSI, OSC, DCS...): what follows it is printable. A backslash is left as it is, so escaping is
// idempotent (an already escaped message can pass through again unchanged); a device that sends the four
// characters `\x1b` is shown the same as one that sends ESC, and neither does anything to the terminal.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// JSON.stringify already escapes U+0000..U+001F; these are what it leaves raw.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text that is safe to print: every control character shown as an escape (`\x1b`, `\r`, `\u202e`). */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** As escapeTerminal, but keeps line feeds: for our own multi-line messages that may embed device text. */
export function escapeTerminalLines(text: string): string {
  return text.replace(UNSAFE_KEEP_NEWLINE, escapeChar);
}

/**
 * JSON.stringify(value) with the characters it leaves raw (DEL, C1, separators, bidi controls) written as
 * \uXXXX escapes. Outside strings JSON is ASCII, so these can only sit inside strings, where \uXXXX means
 * the same character: the parsed value is unchanged.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
