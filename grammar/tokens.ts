// The .pll lexer. Two modes: the default mode reads the language (words,
// keywords, `<` `>` `:` `,` `=`, strings, comments); `$` pushes the command
// mode, which takes the rest of the line verbatim (a `\` before the newline
// continues it) so that the shell's `<`, `>`, `|`, `#` and quotes never reach
// the language. Order inside a mode matters: keywords before Name, Int before
// Name, HashNumber/Value (context-sensitive custom patterns) before Comment/Name.
import type { IToken, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/** Category: any bare word, keywords and integers included (labels and `after` refs accept all of them). */
export const AnyWord = createToken({ name: "AnyWord", pattern: Lexer.NA, label: "a name" });

/** A bare word: names, durations, sizes, globs, paths, `{var}` placeholders. */
// Character classes are spelled out as ranges (printable ASCII minus the
// language's own punctuation, plus everything past ASCII): Chevrotain cannot
// use its first-character optimisation on negated classes like [^…].
export const Name = createToken({
  name: "Name",
  pattern: /[!%&()*+\-./0-9;?@A-Z[\]^_`a-z{|}~\u0080-\uffff]+/,
  categories: [AnyWord],
  label: "a name",
});

export const Int = createToken({ name: "Int", pattern: /-?\d+/, longer_alt: Name, categories: [AnyWord], label: "a number" });

const keywordNames = [
  "jobset", "on", "seq", "par", "priority", "after", "every", "cron", "at", "tz", "overlap", "catchup",
  "pjc", "batch", "timeout", "retry", "backoff", "expect", "fresh", "units", "role", "env", "cwd", "for", "in", "keep",
] as const;
export type Keyword = (typeof keywordNames)[number];

export const KeywordCategory = createToken({ name: "Keyword", pattern: Lexer.NA, label: "a keyword" });

function keyword(word: Keyword): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Name,
    categories: [AnyWord, KeywordCategory],
    label: `\`${word}\``,
  });
}

export const K = Object.fromEntries(keywordNames.map((w) => [w, keyword(w)])) as Record<Keyword, TokenType>;
export const KEYWORDS: readonly string[] = keywordNames;
/** Words that start a modifier: the "did you mean" candidates for a misspelt one. */
export const MODIFIER_WORDS: readonly string[] = [
  "priority", "after", "every", "cron", "at", "tz", "overlap", "catchup", "pjc", "batch",
  "timeout", "retry", "expect", "fresh", "units", "role", "env", "cwd", "for", "keep",
];

export const Newline = createToken({ name: "Newline", pattern: /\r?\n/, line_breaks: true, label: "the end of the line" });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\f]+/, group: Lexer.SKIPPED });
/** `\` at the end of a line outside a command: the item goes on on the next line. */
export const Continuation = createToken({ name: "Continuation", pattern: /\\\r?\n/, line_breaks: true, group: Lexer.SKIPPED });

const lastToken = (tokens: IToken[]): IToken | undefined => tokens[tokens.length - 1];

function afterTokenOf(types: TokenType[], re: RegExp) {
  return {
    exec(text: string, offset: number, tokens: IToken[]): RegExpExecArray | null {
      const prev = lastToken(tokens);
      if (!prev || !types.includes(prev.tokenType)) return null;
      re.lastIndex = offset;
      return re.exec(text);
    },
  };
}

export const Comma = createToken({ name: "Comma", pattern: /,/, label: "`,`" });
export const Equals = createToken({ name: "Equals", pattern: /=/, push_mode: "value", label: "`=`" });

/** `#12`: a job number, only right after `after` or `,` (elsewhere `#` starts a comment). */
export const HashNumber = createToken({
  name: "HashNumber",
  pattern: afterTokenOf([K.after, Comma], /#\d+/y),
  line_breaks: false,
  start_chars_hint: ["#"],
  label: "a job number",
});

/**
 * The value of `env NAME=value` or `env NAME = value`, after `=` (value mode):
 * quoted, or anything up to white space. White space before it is skipped
 * (the value is a token of its own, like every other); the value, or the end
 * of the line, leaves the mode.
 */
export const Value = createToken({
  name: "Value",
  pattern: /"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|[!#-&(-~\u0080-\uffff]+/,
  pop_mode: true,
  label: "a value",
});
const ValueSpace = createToken({ name: "ValueSpace", pattern: /[ \t\f]+/, group: Lexer.SKIPPED });
const ValueEnd = createToken({ name: "ValueEnd", pattern: /\r?\n/, line_breaks: true, pop_mode: true, categories: [Newline], label: "the end of the line" });

export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
export const StringLit = createToken({
  name: "StringLit",
  pattern: /"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'/,
  label: "a quoted string",
});
/** A string missing its closing quote: lexed so the error can say so, then reported by the AST builder. */
export const OpenString = createToken({ name: "OpenString", pattern: /["'][^\r\n]*/, label: "a quoted string" });

export const Colon = createToken({ name: "Colon", pattern: /:/, label: "`:`" });
export const LAngle = createToken({ name: "LAngle", pattern: /</, label: "`<`" });
export const RAngle = createToken({ name: "RAngle", pattern: />/, label: "`>`" });
export const Dollar = createToken({ name: "Dollar", pattern: /\$/, push_mode: "command", label: "`$`" });

/** Everything after `$` up to the end of the line; `\` + newline continues it (kept verbatim for sh). */
export const CommandText = createToken({
  name: "CommandText",
  pattern: /(?:\\\r?\n|\\[\x00-\x09\x0b\x0c\x0e-\uffff]|[\x00-\x09\x0b\x0c\x0e-\x5b\x5d-\uffff])+/,
  line_breaks: true,
  label: "a command",
});
const CommandSpace = createToken({ name: "CommandSpace", pattern: /[ \t]+/, group: Lexer.SKIPPED });
export const CommandEnd = createToken({
  name: "CommandEnd",
  pattern: /\r?\n/,
  line_breaks: true,
  pop_mode: true,
  categories: [Newline],
  label: "the end of the line",
});

const defaultMode: TokenType[] = [
  WhiteSpace,
  Continuation,
  Newline,
  HashNumber,
  Comment,
  StringLit,
  OpenString,
  Dollar,
  Colon,
  Comma,
  Equals,
  LAngle,
  RAngle,
  ...Object.values(K),
  Int,
  Name,
];

export const lexerDefinition = {
  modes: { language: defaultMode, command: [CommandSpace, CommandEnd, CommandText], value: [ValueSpace, ValueEnd, Value] },
  defaultMode: "language",
};

/** Every token type (for the parser). */
export const allTokens: TokenType[] = [AnyWord, KeywordCategory, ...defaultMode, CommandSpace, CommandEnd, CommandText, ValueSpace, ValueEnd, Value];

export const pllLexer = new Lexer(lexerDefinition, { positionTracking: "full", ensureOptimizations: true, skipValidations: true });
