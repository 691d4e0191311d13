// CST → AST: a Chevrotain visitor, typed by the generated grammar/cst.ts, that
// turns the parse tree into the syntax tree of ast.ts. It reports the few
// problems only visible here (a label with nothing to name, an empty
// command); what values mean is checked later.
import type { CstNode, IToken } from "chevrotain";
import type {
  AfterModCstChildren, BlockCstChildren, CommandCstChildren, EnvModCstChildren, ExpectModCstChildren, FileCstChildren,
  ForModCstChildren, HookLineCstChildren, ItemCstChildren, JobsetLineCstChildren, KeepModCstChildren, LineCstChildren, ModifierCstChildren,
  PriorityModCstNode, RetryModCstChildren,
} from "../../grammar/cst.js";
import { parser } from "../../grammar/parser.js";
import type { BlockNode, CommandNode, Line, Modifier, Word } from "./ast.js";
import type { Span } from "./diagnostics.js";
import { tokenSpan } from "./syntax.js";

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

/** The modifiers of the form `keyword VALUE`, by rule name. */
const SIMPLE_MODS = {
  priorityMod: "priority", everyMod: "every", cronMod: "cron", atMod: "at", tzMod: "tz", overlapMod: "overlap",
  catchupMod: "catchup", pjcMod: "pjc", batchMod: "batch", timeoutMod: "timeout", freshMod: "fresh",
  unitsMod: "units", roleMod: "role", cwdMod: "cwd",
} as const;
type SimpleRule = keyof typeof SIMPLE_MODS;
/** All simple modifier rules have the same shape: `keyword` and `value` tokens. */
type SimpleModNode = PriorityModCstNode;

const BaseVisitor = parser.getBaseCstVisitorConstructorWithDefaults();

class AstBuilder extends BaseVisitor {
  problems: { span: Span; message: string }[] = [];

  constructor() {
    super();
    this.validateVisitor();
  }

  file(ctx: FileCstChildren): Line[] {
    return this.lines(ctx.line ?? []);
  }

  lines(lineNodes: CstNode[]): Line[] {
    const out: Line[] = [];
    for (const n of lineNodes) {
      const l = this.visit(n) as Line | undefined;
      if (l) out.push(l);
    }
    return out;
  }

  line(ctx: LineCstChildren): Line | undefined {
    const n = ctx.jobsetLine?.[0] ?? ctx.hookLine?.[0] ?? ctx.item?.[0];
    return n ? (this.visit(n) as Line | undefined) : undefined;
  }

  jobsetLine(ctx: JobsetLineCstChildren): Line {
    return { type: "jobset", name: word(ctx.name[0]!), span: tokenSpan(ctx.Jobset[0]!) };
  }

  hookLine(ctx: HookLineCstChildren): Line {
    return { type: "hook", event: word(ctx.event[0]!), command: this.visit(ctx.command[0]!) as CommandNode, span: tokenSpan(ctx.On[0]!) };
  }

  item(ctx: ItemCstChildren): Line | undefined {
    const label = ctx.label ? word(ctx.label[0]!) : undefined;
    const mods = (ctx.modifier ?? []).map((m) => this.visit(m) as Modifier);
    if (ctx.command) {
      const command = this.visit(ctx.command[0]!) as CommandNode;
      return { type: "item", label, mods, body: { command }, span: label?.span ?? mods[0]?.span ?? command.dollar };
    }
    if (ctx.block) {
      const block = this.visit(ctx.block[0]!) as BlockNode;
      return { type: "item", label, mods: [...mods, ...block.mods], body: { block }, span: label?.span ?? mods[0]?.span ?? block.span };
    }
    if (label) {
      this.problems.push({ span: label.span, message: `\`${label.text}:\` labels nothing: give it a command (\`$ …\`) or a block (\`< … >\`) on the same line` });
      return undefined;
    }
    return mods.length ? { type: "setting", mods, span: mods[0]!.span } : undefined;
  }

  command(ctx: CommandCstChildren): CommandNode {
    const dollar = tokenSpan(ctx.Dollar[0]!);
    const text = ctx.CommandText?.[0];
    if (!text || text.image.trim() === "") {
      this.problems.push({ span: dollar, message: "empty command: write the shell command after `$`" });
      return { text: "", span: dollar, dollar };
    }
    return { text: text.image.replace(/\s+$/, ""), span: tokenSpan(text), dollar };
  }

  block(ctx: BlockCstChildren): BlockNode {
    const kindTok = ctx.Seq?.[0] ?? ctx.Par?.[0];
    const mods = (ctx.modifier ?? []).map((m) => this.visit(m) as Modifier);
    return { kind: ctx.Seq ? "seq" : "par", span: tokenSpan(kindTok ?? ctx.LAngle[0]!), mods, lines: this.lines(ctx.line ?? []) };
  }

  modifier(ctx: ModifierCstChildren): Modifier {
    let rule = "";
    for (rule in ctx) break; // a modifier node has exactly one child: the rule that matched
    const n = ctx[rule as keyof ModifierCstChildren]![0]!;
    if (rule in SIMPLE_MODS) {
      const c = (n as SimpleModNode).children;
      return { kind: SIMPLE_MODS[rule as SimpleRule], span: tokenSpan(c.keyword[0]!), value: word(c.value![0]!) };
    }
    return this.visit(n) as Modifier;
  }

  afterMod(ctx: AfterModCstChildren): Modifier {
    return { kind: "after", span: tokenSpan(ctx.After[0]!), refs: ctx.ref!.map(word) };
  }

  retryMod(ctx: RetryModCstChildren): Modifier {
    const backoff = ctx.backoff?.[0];
    return { kind: "retry", span: tokenSpan(ctx.Retry[0]!), value: word(ctx.value![0]!), ...(backoff ? { backoff: word(backoff) } : {}) };
  }

  expectMod(ctx: ExpectModCstChildren): Modifier {
    return { kind: "expect", span: tokenSpan(ctx.Expect[0]!), what: word(ctx.what[0]!), value: word(ctx.value![0]!) };
  }

  envMod(ctx: EnvModCstChildren): Modifier {
    return { kind: "env", span: tokenSpan(ctx.Env[0]!), name: word(ctx.name[0]!), value: word(ctx.value[0]!) };
  }

  keepMod(ctx: KeepModCstChildren): Modifier {
    const unit = ctx.unit?.[0];
    return { kind: "keep", span: tokenSpan(ctx.Keep[0]!), value: word(ctx.value![0]!), ...(unit ? { unit: word(unit) } : {}) };
  }

  forMod(ctx: ForModCstChildren): Modifier {
    return { kind: "for", span: tokenSpan(ctx.For[0]!), name: word(ctx.name[0]!), values: ctx.value!.map(word) };
  }
}

const builder = new AstBuilder();

/** Build the AST of a cleanly parsed file or top-level line; `problems` are the few errors only visible at this stage. */
export function toAst(cst: CstNode): { lines: Line[]; problems: { span: Span; message: string }[] } {
  builder.problems = [];
  const ast = builder.visit(cst) as Line[] | Line | undefined;
  const lines = Array.isArray(ast) ? ast : ast ? [ast] : [];
  const problems = builder.problems;
  builder.problems = [];
  return { lines, problems };
}
