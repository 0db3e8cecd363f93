/**
 * Text from a gateway (error messages, task ids, status words, URLs, video links) is printed on a
 * terminal, where escape sequences act: a reply could retitle the window, clear the screen, colour a
 * fake line, or reorder what is shown with bidi overrides. Everything the CLI prints for people goes
 * through `safeText`; `--json` output goes through `safeJson`.
 */

/**
 * Whole escape sequences, so their parameters do not show either: CSI (`ESC [` … final byte, or the
 * 8-bit CSI), string commands (OSC, DCS, SOS, PM, APC, 7- or 8-bit, up to BEL, ST, the next ESC or the
 * end of the text), and the two- and three-byte ESC sequences (`ESC c`, `ESC ( B`).
 */
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control sequences is the point
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|(?=\x1b)|$)|\x1b[ -/]*[0-~]/g;

/**
 * What is left after the sequences: C0 controls but tab and line feed, DEL, C1 controls, and the
 * bidi controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E, U+200F,
 * U+061C).
 */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` without control characters, escape sequences or bidi controls, safe to print on a terminal.
 * Single-line by default (for a field: an id, a status word, a URL): tabs and line breaks become spaces,
 * so a reply can't start a line of its own. `multiline` keeps line feeds and tabs (a whole message).
 */
export function safeText(text: unknown, { multiline = false }: { multiline?: boolean } = {}): string {
  const cleaned = String(text).replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
  return multiline ? cleaned : cleaned.replace(/[\t\n]+/g, ' ');
}

/**
 * Characters `JSON.stringify` leaves as they are but a terminal acts on (DEL, C1 controls, bidi
 * controls). It escapes C0 controls itself, and these can only occur inside strings.
 */
const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * `value` as pretty-printed JSON that is safe on a terminal and parses back to the same value: the
 * characters a terminal acts on are written as `\uXXXX` escapes, never removed.
 */
export function safeJson(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? 'null').replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
