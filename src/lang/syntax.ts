// Lexing and parsing with line-level recovery. The language is line-oriented,
// so after a syntax error the offending line is blanked (a block header keeps
// its `<`, a closing line its `>`, so nesting survives) and the file is parsed
// again: every bad line is reported once, without the cascades of token-level
// recovery. Unclosed and stray `>` get their own wording.
import type { CstNode, IRecognitionException, IToken } from "chevrotain";
import { EOF, createTokenInstance } from "chevrotain";
import { isNewline, lexPll, parseTokens } from "../../grammar/parser.js";
import { Colon, KEYWORDS, LAngle, MODIFIER_WORDS, Name, Newline, RAngle } from "../../grammar/tokens.js";
import type { Diagnostic, Span } from "./diagnostics.js";
import { didYouMean } from "./suggest.js";

/** Past this many syntax errors, stop: they are likely one mistake's echoes, and each costs a re-parse. */
const MAX_SYNTAX_ERRORS = 25;

export interface SyntaxResult {
  cst?: CstNode;
  diagnostics: Diagnostic[];
}

export const tokenSpan = (t: IToken): Span => ({
  line: t.startLine ?? 1,
  col: t.startColumn ?? 1,
  endCol: t.startLine === t.endLine && t.endColumn !== undefined ? t.endColumn + 1 : undefined,
});

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

/** What a broken line becomes so that the rest of the file still parses with the same nesting. */
function blankLine(line: IToken[]): IToken[] {
  const end = line[line.length - 1]!;
  const content = line.filter((t) => !isNewline(t));
  if (content[0]?.tokenType === RAngle && content.length > 1) return [content[0], end];
  // A block header (`<` not part of `expect time <`) keeps its `<`, so the `>` below still matches.
  const open = content.find((t, k) => t.tokenType === LAngle && !/^(time|output)$/.test(content[k - 1]?.image ?? ""));
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
    const last = line[line.length - 1]!;
    if (line.length === 1 && first.tokenType === RAngle) {
      const col = first.startColumn ?? 1;
      const match = stack.map((o) => o.indent).lastIndexOf(col);
      // A `>` lined up with an outer opener closes that one: the openers above it lack their `>`.
      if (match >= 0 && match < stack.length - 1) return stack.slice(match + 1).reverse();
      stack.pop();
    } else if (last.tokenType === LAngle) {
      const header = line.map((t) => t.image).join(" ").replace(/ :/g, ":");
      stack.push({ token: last, header: header.length > 40 ? "<" : header, indent: first.startColumn ?? 1 });
    }
  }
  return stack.reverse();
}

function endOfSource(source: string): Span {
  const lines = source.split(/\r?\n/);
  let n = lines.length;
  while (n > 1 && lines[n - 1]!.trim() === "") n--;
  return { line: n, col: lines[n - 1]!.length + 1 };
}

function lexMessage(ch: string): string {
  if (ch === "\\") return "unexpected `\\`: outside a command, a backslash only continues a line, at its very end";
  if (ch === '"' || ch === "'") return `this string has no closing ${ch} (strings end on the line they start)`;
  const code = ch.codePointAt(0) ?? 0;
  if (code < 32 || code === 127) return `unexpected control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return `unexpected character \`${ch}\``;
}

/** A friendlier sentence for common mistakes, else the parser's own. */
function explain(err: IRecognitionException, tokens: IToken[], i: number): string {
  const t = err.token;
  if (t.tokenType === RAngle && lineStart(tokens, i) === i) return "`>` closes no block: there is no open `<` here";
  if (t.tokenType === Name && !(tokens[i + 1]?.tokenType === Colon)) {
    const hint = t.image.length >= 3 ? didYouMean(t.image, MODIFIER_WORDS) : "";
    if (hint) return `unknown modifier \`${t.image}\`${hint}`;
    if (lineStart(tokens, i) === i) return `\`${t.image}\` is not a modifier or keyword; a command starts with \`$\` (\`$ ${t.image} …\`), a label ends with \`:\``;
  }
  if (KEYWORDS.includes(t.image) && /value|name/.test(err.message)) return `${err.message} (\`${t.image}\` is a keyword: quote it to use it as a value)`;
  return err.message;
}

export function parseSource(source: string, file: string): SyntaxResult {
  const diagnostics: Diagnostic[] = [];
  const at = (span: Span, message: string): void => void diagnostics.push({ file, ...span, severity: "error", message });
  const lexed = lexPll(source);
  for (const e of lexed.lexErrors) {
    at({ line: e.line ?? 1, col: e.column ?? 1 }, lexMessage(source.charAt(e.offset)));
  }
  for (const t of lexed.openStrings) at(tokenSpan(t), `this string has no closing ${t.image[0]} (strings end on the line they start)`);
  let tokens = lexed.tokens;
  for (let attempt = 0; ; attempt++) {
    const { cst, errors } = parseTokens(tokens);
    const err = errors[0];
    if (!err) return { cst: diagnostics.length ? undefined : cst, diagnostics };
    if (err.token.tokenType === EOF || attempt >= MAX_SYNTAX_ERRORS) {
      if (attempt >= MAX_SYNTAX_ERRORS) at(tokenSpan(err.token), "too many syntax errors; fix these first");
      else for (const open of unclosedBlocks(tokens)) {
        const o = tokenSpan(open.token);
        at(endOfSource(source), `expected \`>\` to close the \`${open.header}\` opened at ${o.line}:${o.col}`);
      }
      if (err.token.tokenType === EOF && !diagnostics.length) at(endOfSource(source), err.message);
      return { diagnostics };
    }
    const i = tokens.indexOf(err.token);
    // One error per line: a lexing error or unterminated string there already explains it.
    const line = err.token.startLine;
    if (!diagnostics.some((d) => d.line === line)) at(tokenSpan(err.token), i < 0 ? err.message : explain(err, tokens, i));
    const s = lineStart(tokens, i);
    const e = lineEnd(tokens, i);
    if (i < 0 || e === s) return { diagnostics };
    const replacement = blankLine(tokens.slice(s, e + 1));
    if (e - s + 1 === replacement.length && replacement.every((t, k) => t === tokens[s + k])) {
      // Blanking changed nothing (a stray `>`): drop the line entirely.
      tokens = [...tokens.slice(0, s), nl(tokens[s]!), ...tokens.slice(e + 1)];
    } else tokens = [...tokens.slice(0, s), ...replacement, ...tokens.slice(e + 1)];
  }
}
