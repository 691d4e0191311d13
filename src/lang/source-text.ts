// What counts as a .pll source text. Editors on Windows write a UTF-8
// byte-order mark; it is not part of the text, so it is dropped before
// lexing (otherwise it glues onto the first word and line 1 counts from 2).
// A binary file given by mistake must give one error, not a screenful of
// syntax errors echoing its bytes.

const BOM = "\uFEFF";

export const stripBom = (text: string): string => (text.startsWith(BOM) ? text.slice(1) : text);

/** Where a decoded text shows it is not a .pll source, if it does (NUL never appears in text). */
export function firstNul(text: string): { line: number; col: number } | undefined {
  const nul = text.indexOf("\0");
  if (nul < 0) return undefined;
  const lineStart = text.lastIndexOf("\n", nul) + 1;
  let line = 1;
  for (let k = text.indexOf("\n"); k >= 0 && k < lineStart; k = text.indexOf("\n", k + 1)) line++;
  return { line, col: nul - lineStart + 1 };
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The file's bytes as text without its BOM, or why they are not text. */
export function decodeSource(bytes: Uint8Array): { text: string } | { notText: string } {
  if (bytes.includes(0)) return { notText: `it holds a NUL byte (byte ${bytes.indexOf(0) + 1})` };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { notText: "it is not valid UTF-8" };
  }
  return { text: stripBom(text) };
}

/**
 * A message with its control characters written out (`\x07`, `\x1b`,
 * `\u202e`), so that no error writes raw control bytes to a terminal:
 * an ESC from a file could recolour or clear the screen, a bidi override
 * could make the message read backwards.
 */
export function escapeControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * A source line as echoed under an error: each control character (tabs kept,
 * for the caret's alignment) becomes one visible symbol, so the caret still
 * stands under the right column.
 */
export function showLine(line: string): string {
  return line.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\ufffd";
  });
}
