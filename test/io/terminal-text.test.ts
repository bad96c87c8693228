// Escaping of device text for terminals (src/io/terminal-text.ts): every control a terminal obeys is shown
// as an escape, printable text (including non-ASCII) is untouched, escaping twice changes nothing, and
// jsonLine stays JSON that parses back to the same value.
import { describe, expect, it } from 'vitest';
import { escapeTerminal, escapeTerminalLines, jsonLine } from '../../src/io/terminal-text.ts';
import { reportedError } from '../helpers/cli.ts';
import { PoseEdgeError } from '../../src/errors.ts';

/** Everything a terminal could act on, one of each kind. */
const HOSTILE =
  '\x1b[2J' + // clear screen (CSI)
  '\x1b]0;owned\x07' + // OSC: set the window title, ended by BEL
  '\x1bP1$r\x1b\\' + // DCS ... ST
  '\r\b\t\v\f\0' + // carriage return, backspace, tab, vertical tab, form feed, NUL
  '\x7f' + // DEL
  '\x9b31m\x85' + // C1 CSI and NEL
  '\u202e\u2066\u200f\u061c' + // bidi: RLO, LRI, RLM, ALM
  '\u2028\u2029'; // line and paragraph separators

const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('escapeTerminal', () => {
  it('shows every control as an escape and leaves no raw control character', () => {
    const out = escapeTerminal(HOSTILE);
    expect(out).toBe(
      '\\x1b[2J\\x1b]0;owned\\x07\\x1bP1$r\\x1b\\\\r\\x08\\t\\x0b\\x0c\\x00\\x7f\\x9b31m\\x85\\u202e\\u2066\\u200f\\u061c\\u2028\\u2029',
    );
    expect(out).not.toMatch(RAW);
  });

  it('every C0, DEL and C1 code point is escaped; printable ASCII and other text are not', () => {
    for (let c = 0; c <= 0xff; c++) {
      const ch = String.fromCharCode(c);
      const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
      expect(escapeTerminal(ch) === ch, `U+${c.toString(16)}`).toBe(!control);
    }
    expect(escapeTerminal('esp32c3 0.1.0 µs ⠁ 日本 é')).toBe('esp32c3 0.1.0 µs ⠁ 日本 é');
  });

  it('is idempotent (a backslash is left alone), and a line feed is escaped except by escapeTerminalLines', () => {
    const once = escapeTerminal(HOSTILE);
    expect(escapeTerminal(once)).toBe(once);
    expect(escapeTerminal('a\nb')).toBe('a\\nb');
    expect(escapeTerminalLines('a\n\x1b[1Ab')).toBe('a\n\\x1b[1Ab');
  });
});

describe('jsonLine', () => {
  it('is JSON.stringify with DEL, C1, separators and bidi controls as \\u escapes: same value once parsed', () => {
    const value = { chip: HOSTILE, n: 1, list: ['ok', '\u202e'] };
    const line = jsonLine(value);
    expect(line).not.toMatch(RAW);
    expect(JSON.parse(line)).toEqual(value);
    expect(line).toContain('\\u007f\\u009b31m\\u0085\\u202e');
    expect(jsonLine({ a: 'plain', b: 2 })).toBe(JSON.stringify({ a: 'plain', b: 2 }));
  });
});

describe('the CLI top level', () => {
  it('escapes whatever control characters an error message still carries, keeping its own line feeds', () => {
    const { stderr, exitCode } = reportedError(new PoseEdgeError('first line\n  second \x1b]0;x\x07 line'));
    expect(exitCode).toBe(1);
    expect(stderr).toBe('pose-edge: first line\n  second \\x1b]0;x\\x07 line\n');
  });
});
