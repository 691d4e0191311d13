// The .pll parser: a Chevrotain CstParser whose rules read like the grammar in
// grammar/README.md. It only knows shapes; what values mean (durations, names,
// scopes) is checked later in src/lang. One instance, reused via `input`.
// Grammar validations are skipped at start-up (they cost start-up time on
// every `pll` command); test/lang/grammar.test.ts builds it with them on.
import type { CstNode, ILexingError, IRecognitionException, IToken, TokenType } from "chevrotain";
import { CstParser, createTokenInstance } from "./chevrotain.js";
import {
  AnyWord, allTokens, Colon, Comma, CommandText, Dollar, Equals, HashNumber, Int, K, LAngle, Name, Newline, OpenString,
  pllLexer, RAngle, StringLit, Value,
} from "./tokens.js";
import { parseErrorMessages } from "./messages.js";

export class PllParser extends CstParser {
  constructor(opts: { skipValidations?: boolean } = {}) {
    super(allTokens, { recoveryEnabled: false, maxLookahead: 3, errorMessageProvider: parseErrorMessages, skipValidations: opts.skipValidations ?? true });
    this.performSelfAnalysis();
  }

  /**
   * Receives each top-level line as soon as it is parsed, so the caller can
   * build its AST and let the CST go: a 100,000-job file's whole CST held at
   * once cost ≈ 250 MB more at its peak. Set by parseTokens.
   */
  onLine: ((line: CstNode) => void) | undefined;

  /** file := line* */
  public file = this.RULE("file", () => {
    this.MANY(() => {
      const line = this.SUBRULE(this.line);
      this.ACTION(() => this.onLine?.(line));
    });
  });

  /** line := jobsetLine | hookLine | item   (a blank line is an empty item) */
  public line = this.RULE("line", () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.jobsetLine) },
        { ALT: () => this.SUBRULE(this.hookLine) },
        { ALT: () => this.SUBRULE(this.item) },
      ],
      ERR_MSG: "a label (`name:`), a modifier, `$` and a command, or a block",
    });
  });

  /** jobsetLine := 'jobset' NAME NEWLINE */
  public jobsetLine = this.RULE("jobsetLine", () => {
    this.CONSUME(K.jobset);
    this.CONSUME(AnyWord, { LABEL: "name" });
    this.CONSUME(Newline);
  });

  /** hookLine := 'on' EVENT command */
  public hookLine = this.RULE("hookLine", () => {
    this.CONSUME(K.on);
    this.CONSUME(AnyWord, { LABEL: "event" });
    this.SUBRULE(this.command);
  });

  /** item := [label ':'] modifier* (command | block | NEWLINE) — modifiers alone make a setting line */
  public item = this.RULE("item", () => {
    this.OPTION(() => {
      this.CONSUME(AnyWord, { LABEL: "label" });
      this.CONSUME(Colon);
    });
    this.MANY(() => this.SUBRULE(this.modifier));
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.command) },
        { ALT: () => this.SUBRULE(this.block) },
        { ALT: () => this.CONSUME(Newline) },
      ],
      ERR_MSG: "a modifier, `$` and a command, `<` to open a block, or the end of the line",
    });
  });

  /** command := '$' COMMAND_TEXT NEWLINE */
  public command = this.RULE("command", () => {
    this.CONSUME(Dollar);
    this.OPTION(() => this.CONSUME(CommandText));
    this.CONSUME2(Newline);
  });

  /** block := [('seq' | 'par') modifier*] '<' NEWLINE line* '>' NEWLINE   (`par batch 5 <` reads naturally) */
  public block = this.RULE("block", () => {
    this.OPTION(() => {
      this.OR([{ ALT: () => this.CONSUME(K.seq) }, { ALT: () => this.CONSUME(K.par) }]);
      this.MANY2(() => this.SUBRULE(this.modifier));
    });
    this.CONSUME(LAngle);
    this.CONSUME(Newline);
    this.MANY(() => this.SUBRULE(this.line));
    this.CONSUME(RAngle);
    this.CONSUME2(Newline);
  });

  public modifier = this.RULE("modifier", () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.priorityMod) },
        { ALT: () => this.SUBRULE(this.afterMod) },
        { ALT: () => this.SUBRULE(this.everyMod) },
        { ALT: () => this.SUBRULE(this.cronMod) },
        { ALT: () => this.SUBRULE(this.atMod) },
        { ALT: () => this.SUBRULE(this.tzMod) },
        { ALT: () => this.SUBRULE(this.overlapMod) },
        { ALT: () => this.SUBRULE(this.catchupMod) },
        { ALT: () => this.SUBRULE(this.pjcMod) },
        { ALT: () => this.SUBRULE(this.batchMod) },
        { ALT: () => this.SUBRULE(this.timeoutMod) },
        { ALT: () => this.SUBRULE(this.retryMod) },
        { ALT: () => this.SUBRULE(this.expectMod) },
        { ALT: () => this.SUBRULE(this.freshMod) },
        { ALT: () => this.SUBRULE(this.unitsMod) },
        { ALT: () => this.SUBRULE(this.roleMod) },
        { ALT: () => this.SUBRULE(this.envMod) },
        { ALT: () => this.SUBRULE(this.cwdMod) },
        { ALT: () => this.SUBRULE(this.forMod) },
        { ALT: () => this.SUBRULE(this.keepMod) },
      ],
      ERR_MSG: "a modifier",
    });
  });

  // Modifiers of the form `keyword VALUE`; what the value means is checked in src/lang.
  public priorityMod = this.simple("priorityMod", K.priority, Name, Int);
  public everyMod = this.simple("everyMod", K.every, Name, Int);
  public cronMod = this.simple("cronMod", K.cron, StringLit);
  public atMod = this.simple("atMod", K.at, StringLit);
  public tzMod = this.simple("tzMod", K.tz, StringLit, Name);
  public overlapMod = this.simple("overlapMod", K.overlap, Name);
  public catchupMod = this.simple("catchupMod", K.catchup, Name);
  public pjcMod = this.simple("pjcMod", K.pjc, Int);
  public batchMod = this.simple("batchMod", K.batch, Int);
  public timeoutMod = this.simple("timeoutMod", K.timeout, Name, Int);
  public freshMod = this.simple("freshMod", K.fresh, Name, Int);
  public unitsMod = this.simple("unitsMod", K.units, Int);
  public roleMod = this.simple("roleMod", K.role, Name, StringLit);
  public cwdMod = this.simple("cwdMod", K.cwd, StringLit, Name);

  /** after := 'after' ref (',' ref)* — ref is a name, a glob, or (in the shell) a job number */
  public afterMod = this.RULE("afterMod", () => {
    this.CONSUME(K.after);
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () => this.OR([{ ALT: () => this.CONSUME(AnyWord, { LABEL: "ref" }) }, { ALT: () => this.CONSUME(HashNumber, { LABEL: "ref" }) }]),
    });
  });

  /** retry := 'retry' INT ['backoff' DURATION] */
  public retryMod = this.RULE("retryMod", () => {
    this.CONSUME(K.retry);
    this.CONSUME(Int, { LABEL: "value" });
    this.OPTION(() => {
      this.CONSUME(K.backoff);
      this.OR([{ ALT: () => this.CONSUME(Name, { LABEL: "backoff" }) }, { ALT: () => this.CONSUME2(Int, { LABEL: "backoff" }) }]);
    });
  });

  /** expect := 'expect' ('time' | 'output') '<' VALUE */
  public expectMod = this.RULE("expectMod", () => {
    this.CONSUME(K.expect);
    this.CONSUME(Name, { LABEL: "what" });
    this.CONSUME(LAngle);
    this.OR([{ ALT: () => this.CONSUME2(Name, { LABEL: "value" }) }, { ALT: () => this.CONSUME(Int, { LABEL: "value" }) }]);
  });

  /** env := 'env' NAME '=' (VALUE | STRING) */
  public envMod = this.RULE("envMod", () => {
    this.CONSUME(K.env);
    this.CONSUME(AnyWord, { LABEL: "name" });
    this.CONSUME(Equals);
    this.CONSUME(Value, { LABEL: "value" });
  });

  /** keep := 'keep' (DURATION | INT 'runs' | 'forever') — how much of the jobset's history to keep */
  public keepMod = this.RULE("keepMod", () => {
    this.CONSUME(K.keep);
    this.OR([{ ALT: () => this.CONSUME(Name, { LABEL: "value" }) }, { ALT: () => this.CONSUME(Int, { LABEL: "value" }) }]);
    this.OPTION(() => this.CONSUME2(Name, { LABEL: "unit" }));
  });

  /** for := 'for' NAME 'in' (WORD | STRING | INT)+ */
  public forMod = this.RULE("forMod", () => {
    this.CONSUME(K.for);
    this.CONSUME(AnyWord, { LABEL: "name" });
    this.CONSUME(K.in);
    this.AT_LEAST_ONE({
      DEF: () =>
        this.OR([
          { ALT: () => this.CONSUME(Name, { LABEL: "value" }) },
          { ALT: () => this.CONSUME(Int, { LABEL: "value" }) },
          { ALT: () => this.CONSUME(StringLit, { LABEL: "value" }) },
        ]),
      ERR_MSG: "a value",
    });
  });

  /** A rule `keyword VALUE`, the value one of the given token types (CST labels "keyword" and "value"). */
  private simple(name: string, keyword: TokenType, ...valueTypes: TokenType[]) {
    return this.RULE(name, () => {
      this.CONSUME(keyword, { LABEL: "keyword" });
      if (valueTypes.length === 1) this.CONSUME(valueTypes[0]!, { LABEL: "value" });
      else this.OR(valueTypes.map((t, i) => ({ ALT: () => this.consumeAt(i, t) })));
    });
  }

  // Chevrotain tells CONSUMEs apart by their occurrence index within a rule.
  private consumeAt(i: number, t: TokenType): void {
    if (i === 0) this.CONSUME2(t, { LABEL: "value" });
    else this.CONSUME3(t, { LABEL: "value" });
  }
}

/** The single parser instance (construction runs the grammar analysis once). */
export const parser = new PllParser();

export interface Lexed {
  tokens: IToken[];
  lexErrors: ILexingError[];
  /** unterminated strings (kept in `tokens` as strings to the end of the line) */
  openStrings: IToken[];
}

const isNewline = (t: IToken): boolean => t.tokenType === Newline || (t.tokenType.CATEGORIES ?? []).includes(Newline);

/** Lex a .pll source (or one shell line). The token list always ends with a newline token. */
export function lexPll(source: string): Lexed {
  const lexed = pllLexer.tokenize(source);
  const openStrings: IToken[] = [];
  const tokens: IToken[] = [];
  for (const t of lexed.tokens) {
    if (t.tokenType === OpenString) {
      openStrings.push(t);
      tokens.push({ ...t, tokenType: StringLit, tokenTypeIdx: StringLit.tokenTypeIdx! });
    } else tokens.push(t);
  }
  // The grammar ends every line with a newline; give the last line one if the source lacks it.
  const last = tokens[tokens.length - 1];
  if (!last || !isNewline(last)) {
    const line = last ? (last.endLine ?? 1) : 1;
    const col = last ? (last.endColumn ?? 0) + 1 : 1;
    tokens.push(createTokenInstance(Newline, "", source.length, source.length, line, line, col, col));
  }
  return { tokens, lexErrors: lexed.errors, openStrings };
}

/**
 * One parse of a token list (a whole file); on a syntax error the parser stops
 * and reports that one error. `onLine` gets each top-level line parsed before
 * it, and may empty the line's node (the returned CST then holds empty lines).
 */
export function parseTokens(tokens: IToken[], onLine?: (line: CstNode) => void): { cst: CstNode; errors: IRecognitionException[] } {
  parser.input = tokens;
  parser.onLine = onLine;
  try {
    const cst = parser.file();
    return { cst, errors: parser.errors };
  } finally {
    parser.onLine = undefined;
  }
}

export { isNewline };
