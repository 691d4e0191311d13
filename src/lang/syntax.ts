// Lexing and parsing with line-level recovery. A file is parsed once, whole.
// Only after a syntax error is it split into top-level chunks (a line, or a
// block with everything up to its `>`): the broken chunk is re-parsed with the
// offending line blanked (a block header keeps its `<`, a closing line its
// `>`, so nesting survives) until it parses, and the rest of the file is
// parsed whole again. Every bad line is reported once, without the cascades
// of token-level recovery. Unclosed and stray `>` get their own wording.
import type { CstNode, IRecognitionException, IToken } from "chevrotain";
import { EOF, createTokenInstance } from "../../grammar/chevrotain.js";
import { isNewline, lexPll, parseTokens } from "../../grammar/parser.js";
import { Colon, KEYWORDS, LAngle, MODIFIER_WORDS, Name, Newline, RAngle } from "../../grammar/tokens.js";
import type { Diagnostic, Span } from "./diagnostics.js";
import { didYouMean } from "./suggest.js";

/** Past this many syntax errors, stop: they are likely one mistake's echoes, and each costs a re-parse. */
const MAX_SYNTAX_ERRORS = 25;

/**
 * Blocks may nest this deep. The parser, the AST builder, the compiler and the
 * graph renderers all recurse once per level; ≈ 330 levels overflowed the
 * stack of `pll check`, so the limit is checked on tokens, before any of them.
 */
export const MAX_NESTING = 100;

export interface SyntaxResult {
  diagnostics: Diagnostic[];
}

/** Where a token starts; `endCol` stops at the end of its first line (commands may continue below). */
export function tokenSpan(t: IToken): Span {
  const col = t.startColumn ?? 1;
  const firstLine = t.image.split(/\r?\n/, 1)[0]!.replace(/\\$/, "");
  return { line: t.startLine ?? 1, col, ...(firstLine.length ? { endCol: col + firstLine.length } : {}) };
}

/** Index of the first token of the line holding tokens[i]. */
function lineStart(tokens: IToken[], i: number): number {
  let s = i;
  while (s > 0 && !isNewline(tokens[s - 1]!)) s--;
  return s;
}
function lineEnd(tokens: IToken[], i: number): number {
  let e = i;
  while (e < tokens.length - 1 && !isNewline(tokens[e]!)) e++;
  return e;
}

const nl = (like: IToken): IToken =>
  createTokenInstance(Newline, "", like.startOffset, like.startOffset, like.startLine ?? 1, like.startLine ?? 1, like.startColumn ?? 1, like.startColumn ?? 1);

/**
 * The `<` that opens a block in tokens[from, to), if any (not the one of
 * `expect time <`). A guess, used only once a parse has failed: it also skips
 * the `<` of `for x in time <`, which the grammar reads as a block.
 */
function blockOpener(tokens: IToken[], from = 0, to = tokens.length): IToken | undefined {
  for (let k = from; k < to; k++) {
    const t = tokens[k]!;
    if (t.tokenType !== LAngle) continue;
    const prev = k > from ? tokens[k - 1]!.image : "";
    if (prev !== "time" && prev !== "output") return t;
  }
  return undefined;
}

/** What a broken line becomes so that the rest of the file still parses with the same nesting. */
function blankLine(line: IToken[]): IToken[] {
  const end = line[line.length - 1]!;
  const content = line.filter((t) => !isNewline(t));
  if (content[0]?.tokenType === RAngle && content.length > 1) return [content[0], end];
  // A block header keeps its `<`, so the `>` below still matches.
  const open = blockOpener(content);
  if (open && content.length > 1) return [open, end];
  return [nl(content[0] ?? end)];
}

interface Opener {
  token: IToken;
  header: string;
  indent: number;
}

/** Match block openers (`… <` at a line end) with `>` lines, using indentation to guess which `>` is missing. */
function unclosedBlocks(tokens: IToken[]): Opener[] {
  const stack: Opener[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (!isNewline(tokens[i]!)) continue;
    const line = tokens.slice(start, i);
    start = i + 1;
    if (line.length === 0) continue;
    const first = line[0]!;
    const opener = blockOpener(line);
    if (line.length === 1 && first.tokenType === RAngle) {
      const col = first.startColumn ?? 1;
      const match = stack.map((o) => o.indent).lastIndexOf(col);
      // A `>` lined up with an outer opener closes that one: the openers above it lack their `>`.
      if (match >= 0 && match < stack.length - 1) return stack.slice(match + 1).reverse();
      stack.pop();
    } else if (opener) {
      const header = line.slice(0, line.indexOf(opener) + 1).map((t) => t.image).join(" ").replace(/ :/g, ":");
      stack.push({ token: opener, header: header.length > 40 ? "<" : header, indent: first.startColumn ?? 1 });
    }
  }
  return stack.reverse();
}

function lexMessage(ch: string, atEnd: boolean): string {
  if (ch === "\\" && atEnd) return "the source ends with `\\`: there is no next line for it to continue";
  if (ch === "\\") return "unexpected `\\`: outside a command, a backslash only continues a line, at its very end";
  if (ch === '"' || ch === "'") return `this string has no closing ${ch} (strings end on the line they start)`;
  const code = ch.codePointAt(0) ?? 0;
  if (code < 32 || code === 127) return `unexpected control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return `unexpected character \`${ch}\``;
}

/** Modifiers whose value may be quoted, so a keyword can still be used as one. */
const QUOTABLE = new Set(["cwdMod", "tzMod", "forMod", "roleMod"]);

/** A friendlier sentence for common mistakes, else the parser's own. */
function explain(err: IRecognitionException, tokens: IToken[], i: number): string {
  const t = err.token;
  if (t.tokenType === RAngle && lineStart(tokens, i) === i) return "`>` closes no block: there is no open `<` here";
  if (t.tokenType === Name && !(tokens[i + 1]?.tokenType === Colon)) {
    const hint = t.image.length >= 3 ? didYouMean(t.image, MODIFIER_WORDS) : "";
    if (hint) return `unknown modifier \`${t.image}\`${hint}`;
    if (lineStart(tokens, i) === i) return `\`${t.image}\` is not a modifier or keyword; a command starts with \`$\` (\`$ ${t.image} …\`), a label ends with \`:\``;
  }
  const rule = err.context?.ruleStack?.[err.context.ruleStack.length - 1] ?? "";
  if (KEYWORDS.includes(t.image) && QUOTABLE.has(rule)) return `${err.message} (\`${t.image}\` is a keyword: quote it to use it as a value)`;
  return err.message;
}

interface Chunk {
  /** tokens[start, end) */
  start: number;
  end: number;
  /** of tokens[start] in the source */
  startOffset: number;
  /** the first `<` past MAX_NESTING in this chunk: the chunk is not parsed */
  tooDeep?: IToken;
}

/**
 * Where the top-level chunks of the token list begin and end (a line, or a
 * block header with everything up to its matching `>`; the last chunk takes
 * the rest when a block is left open), and which nest too deep.
 */
function topLevelChunks(tokens: IToken[]): Chunk[] {
  const chunks: Chunk[] = [];
  let depth = 0;
  let chunkStart = 0;
  let lineStartIdx = 0;
  let tooDeep: IToken | undefined;
  for (let i = 0; i < tokens.length; i++) {
    if (!isNewline(tokens[i]!)) continue;
    const first = tokens[lineStartIdx]!;
    const opener = i - lineStartIdx === 1 && first.tokenType === RAngle ? undefined : blockOpener(tokens, lineStartIdx, i);
    if (i - lineStartIdx === 1 && first.tokenType === RAngle) depth = Math.max(0, depth - 1);
    else if (opener && ++depth > MAX_NESTING) tooDeep ??= opener;
    lineStartIdx = i + 1;
    if (depth === 0) {
      chunks.push({ start: chunkStart, end: i + 1, startOffset: tokens[chunkStart]!.startOffset, ...(tooDeep ? { tooDeep } : {}) });
      chunkStart = i + 1;
      tooDeep = undefined;
    }
  }
  if (chunkStart < tokens.length) chunks.push({ start: chunkStart, end: tokens.length, startOffset: tokens[chunkStart]!.startOffset, ...(tooDeep ? { tooDeep } : {}) });
  return chunks;
}

/** Just past the last character of the chunk's last token: where a missing `>` is expected. */
function endOfChunk(tokens: IToken[], source: string): Span {
  let t: IToken | undefined;
  for (let i = tokens.length - 1; i >= 0 && !t; i--) if (!isNewline(tokens[i]!)) t = tokens[i];
  let end = t ? t.endOffset! + 1 : 0;
  while (end > 0 && /[\s\\]/.test(source[end - 1]!)) end--;
  const lineStartOffset = source.lastIndexOf("\n", end - 1) + 1;
  let line = 1;
  for (let k = source.indexOf("\n"); k >= 0 && k < lineStartOffset; k = source.indexOf("\n", k + 1)) line++;
  return { line, col: end - lineStartOffset + 1 };
}

/**
 * Lex and parse a source; `onLine` receives the CST of each top-level line as
 * it is parsed, while the file has no error yet, for the caller to turn into
 * an AST at once (the node is emptied after it returns, so the whole file's
 * CST is never alive at once).
 */
export function parseSource(source: string, file: string, onLine: (cst: CstNode) => void): SyntaxResult {
  const diagnostics: Diagnostic[] = [];
  const at = (span: Span, message: string): void => void diagnostics.push({ file, ...span, severity: "error", message });
  const lexed = lexPll(source);
  for (const e of lexed.lexErrors) {
    at({ line: e.line ?? 1, col: e.column ?? 1 }, lexMessage(source.charAt(e.offset), e.offset === source.length - 1));
  }
  for (const t of lexed.openStrings) at(tokenSpan(t), `this string has no closing ${t.image[0]} (strings end on the line they start)`);
  const tokens = lexed.tokens;
  const chunks = topLevelChunks(tokens);
  // Lines parsed before an error are still turned into AST: its own errors (an empty command) are reported too.
  const take = (line: CstNode): void => {
    if (diagnostics.length) return;
    onLine(line);
    // The file's node keeps an empty line, not the line's tree.
    for (const k of Object.keys(line.children)) delete line.children[k];
  };
  let syntaxErrors = 0;
  for (let c = 0; c < chunks.length && syntaxErrors < MAX_SYNTAX_ERRORS; ) {
    const tooDeep = chunks[c]!.tooDeep;
    if (tooDeep) {
      // Not parsed at all: every stage after the lexer recurses per level.
      at(tokenSpan(tooDeep), `blocks nest deeper than ${MAX_NESTING}`);
      syntaxErrors++;
      c++;
      continue;
    }
    // Everything up to the next chunk nested too deep, in one parse.
    let stop = c + 1;
    while (stop < chunks.length && !chunks[stop]!.tooDeep) stop++;
    const from = chunks[c]!.start;
    const to = chunks[stop - 1]!.end;
    const { errors } = parseTokens(from === 0 && to === tokens.length ? tokens : tokens.slice(from, to), take);
    if (!errors.length) {
      c = stop;
      continue;
    }
    // Split: the parser got through the chunks before the broken one (and handed over their lines).
    const err = errors[0]!;
    const broken = brokenChunk(chunks, c, stop, err.token);
    const found = parseChunk(tokens.slice(chunks[broken]!.start, chunks[broken]!.end), source, diagnostics, at);
    // Alone, the chunk parses: the split guessed the nesting wrong (`for x in time <`). Say what the parse said.
    if (found === 0) at(err.token.tokenType === EOF ? endOfChunk(tokens, source) : tokenSpan(err.token), err.message);
    syntaxErrors += Math.max(found, 1);
    c = broken + 1;
  }
  if (syntaxErrors >= MAX_SYNTAX_ERRORS) at(diagnostics[diagnostics.length - 1]!, "too many syntax errors; fix these first");
  return { diagnostics };
}

/** The index of the chunk in chunks[from, to) that holds the token a parse of them stopped at (the end of the file: the last). */
function brokenChunk(chunks: Chunk[], from: number, to: number, stoppedAt: IToken): number {
  if (stoppedAt.tokenType === EOF) return to - 1;
  const offset = stoppedAt.startOffset;
  let lo = from;
  let hi = to - 1;
  // The last chunk starting at or before the token (chunks are in source order).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (chunks[mid]!.startOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Parse one chunk, blanking each broken line and trying again until it parses; returns the number of errors. */
function parseChunk(chunk: IToken[], source: string, diagnostics: Diagnostic[], at: (span: Span, message: string) => void): number {
  let tokens = chunk;
  for (let errors = 0; errors < MAX_SYNTAX_ERRORS; errors++) {
    const err = parseTokens(tokens).errors[0];
    if (!err) return errors;
    if (err.token.tokenType === EOF) {
      const open = unclosedBlocks(tokens);
      for (const o of open) {
        const where = tokenSpan(o.token);
        at(endOfChunk(tokens, source), `expected \`>\` to close the \`${o.header}\` opened at ${where.line}:${where.col}`);
      }
      if (!open.length) at(endOfChunk(tokens, source), err.message);
      return errors + 1;
    }
    const i = tokens.indexOf(err.token);
    // One error per line: a lexing error or unterminated string there already explains it.
    const line = err.token.startLine;
    if (!diagnostics.some((d) => d.line === line)) at(tokenSpan(err.token), i < 0 ? err.message : explain(err, tokens, i));
    const s = lineStart(tokens, i);
    const e = lineEnd(tokens, i);
    if (i < 0 || e === s) return errors + 1;
    const replacement = blankLine(tokens.slice(s, e + 1));
    if (e - s + 1 === replacement.length && replacement.every((t, k) => t === tokens[s + k])) {
      // Blanking changed nothing (a stray `>`): drop the line entirely.
      tokens = [...tokens.slice(0, s), nl(tokens[s]!), ...tokens.slice(e + 1)];
    } else tokens = [...tokens.slice(0, s), ...replacement, ...tokens.slice(e + 1)];
  }
  return MAX_SYNTAX_ERRORS;
}
