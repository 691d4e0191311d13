// CST → AST: a Chevrotain visitor that turns the parse tree into the typed
// syntax tree of ast.ts. It reports the few problems only visible here (a
// label with nothing to name, an empty command); meaning comes later.
import type { CstNode, IToken } from "chevrotain";
import { parser } from "../../grammar/parser.js";
import type { BlockNode, CommandNode, Line, Modifier, Word } from "./ast.js";
import type { Span } from "./diagnostics.js";
import { tokenSpan } from "./syntax.js";

type Ctx = Record<string, (CstNode | IToken)[] | undefined>;

const tok = (ctx: Ctx, key: string): IToken | undefined => ctx[key]?.[0] as IToken | undefined;
const toks = (ctx: Ctx, key: string): IToken[] => (ctx[key] ?? []) as IToken[];
const node = (ctx: Ctx, key: string): CstNode | undefined => ctx[key]?.[0] as CstNode | undefined;
const nodes = (ctx: Ctx, key: string): CstNode[] => (ctx[key] ?? []) as CstNode[];

export function unquote(image: string): string {
  if (image.startsWith("'")) return image.slice(1, image.endsWith("'") && image.length > 1 ? -1 : undefined);
  if (image.startsWith('"')) {
    const body = image.slice(1, image.endsWith('"') && image.length > 1 ? -1 : undefined);
    return body.replace(/\\(.)/g, "$1");
  }
  return image;
}

function word(t: IToken): Word {
  const quoted = t.image.startsWith('"') || t.image.startsWith("'");
  return quoted ? { text: unquote(t.image), span: tokenSpan(t), quoted } : { text: t.image, span: tokenSpan(t) };
}

const SIMPLE_MODS = {
  priorityMod: "priority", everyMod: "every", cronMod: "cron", atMod: "at", tzMod: "tz", overlapMod: "overlap",
  catchupMod: "catchup", pjcMod: "pjc", batchMod: "batch", timeoutMod: "timeout", freshMod: "fresh",
  unitsMod: "units", roleMod: "role", cwdMod: "cwd",
} as const;

const BaseVisitor = parser.getBaseCstVisitorConstructorWithDefaults();

class AstBuilder extends BaseVisitor {
  problems: { span: Span; message: string }[] = [];

  constructor() {
    super();
    this.validateVisitor();
  }

  file(ctx: Ctx): Line[] {
    return this.lines(nodes(ctx, "line"));
  }

  lines(lineNodes: CstNode[]): Line[] {
    const out: Line[] = [];
    for (const n of lineNodes) {
      const l = this.visit(n) as Line | undefined;
      if (l) out.push(l);
    }
    return out;
  }

  line(ctx: Ctx): Line | undefined {
    const n = node(ctx, "jobsetLine") ?? node(ctx, "hookLine") ?? node(ctx, "item");
    return n ? (this.visit(n) as Line | undefined) : undefined;
  }

  jobsetLine(ctx: Ctx): Line {
    return { type: "jobset", name: word(tok(ctx, "name")!), span: tokenSpan(tok(ctx, "Jobset")!) };
  }

  hookLine(ctx: Ctx): Line {
    return { type: "hook", event: word(tok(ctx, "event")!), command: this.visit(node(ctx, "command")!), span: tokenSpan(tok(ctx, "On")!) };
  }

  item(ctx: Ctx): Line | undefined {
    const labelTok = tok(ctx, "label");
    const mods = nodes(ctx, "modifier").map((m) => this.visit(m) as Modifier);
    const commandNode = node(ctx, "command");
    const blockNode = node(ctx, "block");
    const label = labelTok ? word(labelTok) : undefined;
    if (commandNode) {
      const command = this.visit(commandNode) as CommandNode;
      return { type: "item", label, mods, body: { command }, span: label?.span ?? mods[0]?.span ?? command.dollar };
    }
    if (blockNode) {
      const block = this.visit(blockNode) as BlockNode;
      return { type: "item", label, mods: [...mods, ...block.mods], body: { block }, span: label?.span ?? mods[0]?.span ?? block.span };
    }
    if (label) {
      this.problems.push({ span: label.span, message: `\`${label.text}:\` labels nothing: give it a command (\`$ …\`) or a block (\`< … >\`) on the same line` });
      return undefined;
    }
    return mods.length ? { type: "setting", mods, span: mods[0]!.span } : undefined;
  }

  command(ctx: Ctx): CommandNode {
    const dollar = tok(ctx, "Dollar")!;
    const text = tok(ctx, "CommandText");
    if (!text || text.image.trim() === "") {
      this.problems.push({ span: tokenSpan(dollar), message: "empty command: write the shell command after `$`" });
      return { text: "", span: tokenSpan(dollar), dollar: tokenSpan(dollar) };
    }
    return { text: text.image.replace(/\s+$/, ""), span: tokenSpan(text), dollar: tokenSpan(dollar) };
  }

  block(ctx: Ctx): BlockNode {
    const kindTok = tok(ctx, "Seq") ?? tok(ctx, "Par");
    const kind = tok(ctx, "Seq") ? "seq" : "par";
    const mods = nodes(ctx, "modifier").map((m) => this.visit(m) as Modifier);
    return { kind, span: tokenSpan(kindTok ?? tok(ctx, "LAngle")!), mods, lines: this.lines(nodes(ctx, "line")) };
  }

  modifier(ctx: Ctx): Modifier {
    let key = "";
    for (key in ctx) break; // a modifier node has exactly one child: the rule that matched
    const n = ctx[key]![0] as CstNode;
    if (key in SIMPLE_MODS) {
      const c = n.children as Ctx;
      const kw = tok(c, "keyword")!;
      return { kind: SIMPLE_MODS[key as keyof typeof SIMPLE_MODS], span: tokenSpan(kw), value: word(tok(c, "value")!) };
    }
    return this.visit(n) as Modifier;
  }

  afterMod(ctx: Ctx): Modifier {
    return { kind: "after", span: tokenSpan(tok(ctx, "After")!), refs: toks(ctx, "ref").map(word) };
  }

  retryMod(ctx: Ctx): Modifier {
    const backoff = tok(ctx, "backoff");
    return { kind: "retry", span: tokenSpan(tok(ctx, "Retry")!), value: word(tok(ctx, "value")!), ...(backoff ? { backoff: word(backoff) } : {}) };
  }

  expectMod(ctx: Ctx): Modifier {
    return { kind: "expect", span: tokenSpan(tok(ctx, "Expect")!), what: word(tok(ctx, "what")!), value: word(tok(ctx, "value")!) };
  }

  envMod(ctx: Ctx): Modifier {
    return { kind: "env", span: tokenSpan(tok(ctx, "Env")!), name: word(tok(ctx, "name")!), value: word(tok(ctx, "value")!) };
  }

  forMod(ctx: Ctx): Modifier {
    return { kind: "for", span: tokenSpan(tok(ctx, "For")!), name: word(tok(ctx, "name")!), values: toks(ctx, "value").map(word) };
  }
}

const builder = new AstBuilder();

/** Build the AST of a cleanly parsed file (or chunk); `problems` are the few errors only visible at this stage. */
export function toAst(cst: CstNode): { lines: Line[]; problems: { span: Span; message: string }[] } {
  builder.problems = [];
  const lines = builder.visit(cst) as Line[];
  const problems = builder.problems;
  builder.problems = [];
  return { lines, problems };
}
