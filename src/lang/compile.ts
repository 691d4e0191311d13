// AST → JobGraph. Walks the blocks once, in source order: expands `for`,
// names every job and block, gives each job its inherited settings, and wires
// the structural edges (seq order, batch barriers) from the sinks of one item
// to the sources of the next. `after` refs are recorded and resolved at the
// end (deps.ts), schedules collected per top-level item (schedules.ts).
import type { BlockSpec, JobGraph, JobSpec, Retention, SourceLoc } from "../core/types.js";
import type { BlockNode, ItemLine, Line, Modifier, Word } from "./ast.js";
import type { Diagnostic, Span } from "./diagnostics.js";
import { resolveAfter, type AfterRequest, type Entity } from "./deps.js";
import { ScheduleCollector, SCHEDULE_MODS } from "./schedule-clauses.js";
import { expandVars, forInstances } from "./for-loops.js";
import { checkPlacement } from "./placement.js";
import { applyJobSettings, checkRepeats, hooksOf, type Scope } from "./scope.js";
import { parseCount } from "./values.js";
import { keepOf } from "./keep.js";

export interface CompileContext {
  /** what diagnostics and locations name (the path as the user gave it) */
  file: string;
  /** JobGraph.file: the absolute path, or "<shell>" */
  graphFile: string;
  /** "file": a .pll file; "shell": one job line typed in the shell (numeric `after` allowed, names left to the server) */
  mode: "file" | "shell";
  jobset: string;
  root: Scope;
  /** for `~` in cwd */
  homeEnv: Record<string, string>;
}

interface Frag {
  sources: number[];
  sinks: number[];
}

interface Parent {
  scope: Scope;
  /** enclosing block keys, innermost first */
  chain: string[];
  /** name generated names are built from */
  base: string;
  depth: number;
}

const LABEL = /^(?:[A-Za-z0-9_.-]|\{[A-Za-z_][A-Za-z0-9_]*\})+$/;
const GLOB = /[*?[]/;

export class GraphCompiler {
  readonly diagnostics: Diagnostic[] = [];
  readonly jobs: JobSpec[] = [];
  readonly blocks: BlockSpec[] = [];
  private readonly deps: number[][] = [];
  readonly entities = new Map<string, Entity>();
  readonly afterRequests: AfterRequest[] = [];
  /** numeric `after` refs and names left for the server (shell mode) */
  readonly afterIds: number[] = [];
  readonly afterRefs: string[] = [];
  private readonly schedules: ScheduleCollector;
  private filePjc?: number;
  private fileKeep?: Retention;
  /** labels already reported as missing a `for` variable (their instances' name clashes are echoes) */
  private readonly labelReported = new Set<string>();

  constructor(private readonly ctx: CompileContext) {
    this.schedules = new ScheduleCollector(ctx.file, ctx.jobset, this.report);
  }

  report = (span: Span, message: string): void => {
    this.diagnostics.push({ file: this.ctx.file, ...span, severity: "error", message });
  };
  warn = (span: Span, message: string): void => {
    this.diagnostics.push({ file: this.ctx.file, ...span, severity: "warning", message });
  };
  private loc = (span: Span): SourceLoc => ({ file: this.ctx.file, line: span.line, col: span.col });

  compileFile(lines: Line[]): JobGraph {
    const top: Parent = { scope: this.ctx.root, chain: [], base: this.ctx.jobset, depth: 0 };
    const settings = lines.filter((l) => l.type === "setting").flatMap((l) => l.mods);
    for (const l of lines) if (l.type === "setting") checkRepeats(l.mods, this.report);
    this.schedules.fileSettings(settings);
    const limits = this.blockLimits(settings, "par", undefined);
    this.filePjc = limits.pjc;
    this.fileKeep = keepOf(settings, this.report);
    for (const m of settings) {
      if (m.kind === "after") this.report(m.span, "`after` can't be a file setting (every job would wait, including the ones it names); put it on an item");
    }
    this.body(lines, top, "par", limits.batch, settings);
    resolveAfter(this);
    return this.graph();
  }

  /** Compile the lines of a block (or the file) and chain its items; returns its sources and sinks. */
  private body(lines: Line[], outer: Parent, kind: "seq" | "par", batch: number | undefined, settings: Modifier[]): Frag {
    let scope = applyJobSettings(outer.scope, settings, this.report, this.ctx.homeEnv);
    const hooks = hooksOf(lines, this.ctx.file, this.report);
    if (hooks.length) scope = { ...scope, hooks: [...hooks, ...scope.hooks] };
    const parent: Parent = { ...outer, scope };
    const frags: Frag[] = [];
    let index = 0;
    for (const line of lines) {
      checkPlacement(line, outer.depth, this.report);
      if (line.type !== "item") continue;
      index++;
      for (const vars of forInstances(line, parent.scope.vars, this.report)) frags.push(this.item(line, parent, index, vars));
    }
    return chainFrags(frags, kind, batch, this.addDep);
  }

  private expand = (w: Word, vars: Record<string, string>): string => expandVars(w, vars, this.report);

  private itemName(item: ItemLine, parent: Parent, index: number, vars: Record<string, string>, forVars: string[]): string {
    if (!item.label) return [`${parent.base}.${index}`, ...forVars.map((v) => vars[v]!)].join(".");
    const raw = item.label.text;
    if (!LABEL.test(raw) || /^[-.]/.test(raw)) {
      this.report(item.label.span, `\`${raw}\` is not a valid label: use letters, digits, _, - and . (and \`{var}\` for a \`for\` variable)`);
    } else if (/^\d+$/.test(raw)) {
      this.report(item.label.span, `a label can't be a plain number (\`${raw}\` would look like job #${raw})`);
    }
    const name = this.expand(item.label, vars);
    for (const v of forVars) {
      if (!raw.includes(`{${v}}`)) {
        this.labelReported.add(`${item.label.span.line}:${item.label.span.col}`);
        this.report(item.label.span, `label \`${raw}\` is the same for every value of \`for ${v}\`: put \`{${v}}\` in it (e.g. \`${raw}_{${v}}\`)`);
        break;
      }
    }
    return name;
  }

  private item(item: ItemLine, parent: Parent, index: number, vars: Record<string, string>): Frag {
    checkRepeats(item.mods, this.report);
    for (const m of item.mods) if (m.kind === "keep") this.report(m.span, "`keep` is a setting of the whole jobset: put it on a line of its own at the top of the file");
    const forVars = item.mods.flatMap((m) => (m.kind === "for" ? [m.name.text] : []));
    const name = this.itemName(item, parent, index, vars, forVars);
    const span = item.label?.span ?? item.span;
    const inScope: Scope = forVars.length
      ? { ...parent.scope, vars, env: { ...parent.scope.env, ...Object.fromEntries(forVars.map((v) => [v, vars[v]!])) } }
      : parent.scope;
    const firstJob = this.jobs.length;
    let frag: Frag;
    if ("command" in item.body) {
      for (const m of item.mods) if (m.kind === "pjc" || m.kind === "batch") this.report(m.span, `\`${m.kind}\` limits a block; this item is a single job (put it on a \`par <\` or \`seq <\` block)`);
      const i = this.addJob(name, item.body.command.text, applyJobSettings(inScope, item.mods, this.report, this.ctx.homeEnv), parent.chain, span);
      frag = { sources: [i], sinks: [i] };
      this.entity(name, "job", [i], parent.chain, span);
    } else {
      frag = this.block(item.body.block, item.mods, name, inScope, parent, span);
    }
    const lastJob = this.jobs.length;
    if (parent.depth === 0) this.schedules.topItem(item.mods, name, this.jobs.slice(firstJob, lastJob).map((j) => j.key));
    else for (const m of item.mods) if (SCHEDULE_MODS.has(m.kind)) this.report(m.span, `\`${m.kind}\` can't go on \`${name}\`: schedules go on the file or on a top-level item`);
    this.recordAfter(item.mods, frag.sources, name, parent.chain, vars);
    return frag;
  }

  private block(node: BlockNode, headerMods: Modifier[], name: string, inScope: Scope, parent: Parent, span: Span): Frag {
    const settings = node.lines.filter((l) => l.type === "setting").flatMap((l) => l.mods);
    for (const l of node.lines) if (l.type === "setting") checkRepeats(l.mods, this.report);
    const all = [...settings, ...headerMods];
    const limits = this.blockLimits(all, node.kind, name);
    const spec: BlockSpec = { key: name, name, kind: node.kind, jobs: [], loc: this.loc(span) };
    if (parent.chain[0] !== undefined) spec.parent = parent.chain[0];
    if (limits.pjc !== undefined) spec.pjc = limits.pjc;
    if (limits.batch !== undefined) spec.batch = limits.batch;
    this.blocks.push(spec);
    const firstJob = this.jobs.length;
    // Header modifiers apply like setting lines inside the block; the block's own settings come first.
    const headerScope = applyJobSettings(inScope, settings, this.report, this.ctx.homeEnv);
    const inner: Parent = { scope: headerScope, chain: [name, ...parent.chain], base: name, depth: parent.depth + 1 };
    const frag = this.body(node.lines, inner, node.kind, limits.batch, headerMods);
    spec.jobs = this.jobs.slice(firstJob).map((j) => j.key);
    if (!spec.jobs.length) this.warn(node.span, `block \`${name}\` has no jobs`);
    this.entity(name, "block", frag.sinks, parent.chain, span);
    // `after` on a setting line inside the block makes the whole block wait.
    this.recordAfter(settings, frag.sources, name, parent.chain, inScope.vars);
    return frag;
  }

  private blockLimits(mods: Modifier[], kind: "seq" | "par", name: string | undefined): { pjc?: number; batch?: number } {
    const out: { pjc?: number; batch?: number } = {};
    for (const m of mods) {
      if (m.kind === "pjc") out.pjc = parseCountOr(m.value, "pjc", 1, this.report) ?? out.pjc;
      if (m.kind === "batch") {
        if (kind === "seq") this.report(m.span, `\`batch\` only makes sense in a \`par\` block; \`${name}\` is a \`seq\` block, which already runs one item at a time`);
        else out.batch = parseCountOr(m.value, "batch", 1, this.report) ?? out.batch;
      }
    }
    return out;
  }

  private recordAfter(mods: Modifier[], from: number[], owner: string, chain: string[], vars: Record<string, string>): void {
    for (const m of mods) {
      if (m.kind !== "after") continue;
      for (const ref of m.refs) {
        const text = this.expand(ref, vars);
        const numeric = /^#?\d+$/.test(text);
        if (this.ctx.mode === "shell") {
          if (numeric) this.afterIds.push(Number(text.replace("#", "")));
          else this.afterRefs.push(text);
        } else if (numeric) {
          this.report(ref.span, `\`after ${text}\`: job numbers only make sense in the shell; in a file, name the job or block`);
        } else {
          this.afterRequests.push({ from, ref: text, glob: GLOB.test(text), owner, chain, span: ref.span });
        }
      }
    }
  }

  private addJob(name: string, command: string, s: Scope, chain: string[], span: Span): number {
    const job: JobSpec = {
      key: name,
      name,
      command,
      cwd: s.cwd,
      // Copies, not shared references: whoever stores or runs a job may extend its own.
      env: { ...s.env },
      priority: s.priority,
      deps: [],
      blocks: [...chain],
      retry: { ...s.retry },
      units: s.units,
      hooks: [...s.hooks],
      loc: this.loc(span),
    };
    if (s.timeoutMs !== undefined) job.timeoutMs = s.timeoutMs;
    if (s.expect && (s.expect.timeMs !== undefined || s.expect.outputBytes !== undefined)) job.expect = { ...s.expect };
    if (s.freshMs !== undefined) job.freshMs = s.freshMs;
    if (s.role !== undefined) job.role = s.role;
    this.jobs.push(job);
    this.deps.push([]);
    return this.jobs.length - 1;
  }

  private entity(name: string, kind: "job" | "block", sinks: number[], chain: string[], span: Span): void {
    const existing = this.entities.get(name);
    if (existing) {
      // The same label met again at the same place: a `for` around it repeats it.
      if (this.labelReported.has(`${span.line}:${span.col}`)) return;
      if (existing.span.line === span.line && existing.span.col === span.col) {
        this.report(span, `\`${name}\` names one item per value of the \`for\` around it: put the loop variable in the label (e.g. \`${name}_{var}\`)`);
      } else this.report(span, `\`${name}\` is defined twice (first at ${existing.span.line}:${existing.span.col})`);
      return;
    }
    this.entities.set(name, { name, kind, sinks, chain, span });
  }

  addDep = (job: number, on: number): void => {
    this.deps[job]!.push(on);
  };

  depsOf = (job: number): number[] => this.deps[job]!;

  private graph(): JobGraph {
    // Without duplicates (an edge may come from seq order and an `after`, or from two globs).
    const seenBy = new Int32Array(this.jobs.length).fill(-1);
    for (let i = 0; i < this.jobs.length; i++) {
      const keys: string[] = [];
      for (const k of this.deps[i]!) {
        if (seenBy[k] === i) continue;
        seenBy[k] = i;
        keys.push(this.jobs[k]!.key);
      }
      this.jobs[i]!.deps = keys;
    }
    const g: JobGraph = { jobset: this.ctx.jobset, file: this.ctx.graphFile, jobs: this.jobs, blocks: this.blocks, schedules: this.schedules.specs };
    if (this.filePjc !== undefined) g.pjc = this.filePjc;
    if (this.fileKeep !== undefined) g.keep = this.fileKeep;
    return g;
  }

  /** Job indices grouped by the schedule that runs them (for `after` across schedules). */
  scheduleOf = (job: number): string | undefined => this.schedules.scheduleOfKey(this.jobs[job]!.key);
}

function parseCountOr(w: Word, what: string, min: number, report: (s: Span, m: string) => void): number | undefined {
  const p = parseCount(w.text, what, min);
  if (p.ok) return p.value;
  report(w.span, p.error);
  return undefined;
}

/** Wire the items of a block: in `seq` each item's sources wait for the previous item's sinks; `batch N` chains groups of N. */
export function chainFrags(frags: Frag[], kind: "seq" | "par", batch: number | undefined, addDep: (job: number, on: number) => void): Frag {
  const nonEmpty = frags.filter((f) => f.sources.length);
  let groups: Frag[];
  if (kind === "seq") groups = nonEmpty;
  else if (batch === undefined) groups = [union(nonEmpty)];
  else {
    groups = [];
    for (let i = 0; i < nonEmpty.length; i += batch) groups.push(union(nonEmpty.slice(i, i + batch)));
  }
  groups = groups.filter((g) => g.sources.length);
  for (let i = 1; i < groups.length; i++) {
    for (const s of groups[i]!.sources) for (const p of groups[i - 1]!.sinks) addDep(s, p);
  }
  if (!groups.length) return { sources: [], sinks: [] };
  return { sources: groups[0]!.sources, sinks: groups[groups.length - 1]!.sinks };
}

function union(frags: Frag[]): Frag {
  return { sources: frags.flatMap((f) => f.sources), sinks: frags.flatMap((f) => f.sinks) };
}
