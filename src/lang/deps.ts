// `after` resolution and cycle detection, once every job and block is known.
// A ref names a job or block (or is a glob over names); the waiting item's
// sources get an edge to each target's sinks — that is enough, since a
// block's sinks wait (transitively) for everything else in it.
import type { Span } from "./diagnostics.js";
import { didYouMean } from "./suggest.js";

export interface Entity {
  name: string;
  kind: "job" | "block";
  /** jobs of it that nothing else in it waits for */
  sinks: number[];
  /** enclosing block keys, innermost first */
  chain: string[];
  span: Span;
}

export interface AfterRequest {
  /** the waiting item's sources */
  from: number[];
  ref: string;
  glob: boolean;
  /** the waiting item's name and enclosing blocks */
  owner: string;
  chain: string[];
  span: Span;
}

export interface DepTarget {
  entities: Map<string, Entity>;
  afterRequests: AfterRequest[];
  jobs: { name: string }[];
  addDep(job: number, on: number): void;
  depsOf(job: number): number[];
  scheduleOf(job: number): string | undefined;
  report(span: Span, message: string): void;
}

/** A glob (`*`, `?`, `[…]`) as an anchored RegExp: `after` refs, and `for … in glob` segments (for-sources.ts). */
export function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) re += "\\[";
      else {
        const body = glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The names starting with `prefix`, by binary search in the sorted list (globs are mostly `prefix*`). */
function withPrefix(sorted: string[], prefix: string): string[] {
  if (!prefix) return sorted;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < sorted.length && sorted[end]!.startsWith(prefix)) end++;
  return sorted.slice(lo, end);
}

/** Does waiting on `target` from `req` mean waiting on itself (the item, a block around it, or a block inside it)? */
function overlaps(target: Entity, req: AfterRequest): boolean {
  return target.name === req.owner || req.chain.includes(target.name) || target.chain.includes(req.owner);
}

/** An `after` ref resolved: the request and the entities it waits for. */
interface Resolved {
  req: AfterRequest;
  targets: Entity[];
}

export function resolveAfter(t: DepTarget): void {
  const names = [...t.entities.keys()];
  const sorted = [...names].sort();
  // Each distinct glob is matched once, over the names that share its literal prefix.
  const globCache = new Map<string, Entity[]>();
  const resolved: Resolved[] = [];
  // Looked up once per job, not once per edge.
  const scheduleOf = t.jobs.map((_, j) => t.scheduleOf(j));
  for (const req of t.afterRequests) {
    let targets: Entity[];
    if (req.glob) {
      let matches = globCache.get(req.ref);
      if (!matches) {
        const re = globRegExp(req.ref);
        matches = withPrefix(sorted, req.ref.slice(0, req.ref.search(/[*?[]/)))
          .filter((n) => re.test(n))
          .map((n) => t.entities.get(n)!);
        globCache.set(req.ref, matches);
      }
      targets = matches.filter((e) => !overlaps(e, req));
      if (!targets.length) {
        t.report(req.span, matches.length ? `\`after ${req.ref}\` matches only \`${req.owner}\` itself or blocks around it` : `\`after ${req.ref}\` matches no job or block`);
        continue;
      }
    } else {
      const target = t.entities.get(req.ref);
      if (!target) {
        t.report(req.span, `unknown job or block \`${req.ref}\`${didYouMean(req.ref, names)}`);
        continue;
      }
      if (overlaps(target, req)) {
        const why = target.name === req.owner ? "itself" : req.chain.includes(target.name) ? `\`${target.name}\`, which contains it` : `\`${target.name}\`, which is part of it`;
        t.report(req.span, `\`${req.owner}\` can't wait for ${why}`);
        continue;
      }
      targets = [target];
    }
    resolved.push({ req, targets });
    if (!req.from.length) continue;
    // The waiting item's jobs all run on one schedule (or at load), and so do a target's.
    const schedule = scheduleOf[req.from[0]!];
    let crossed = false;
    for (const target of targets) {
      if (!crossed && target.sinks.length && scheduleOf[target.sinks[0]!] !== schedule) {
        crossed = true;
        const where = (j: number) => (scheduleOf[j] ? `on schedule \`${scheduleOf[j]}\`` : "at load");
        t.report(req.span, `\`${req.owner}\` runs ${where(req.from[0]!)} but \`${target.name}\` runs ${where(target.sinks[0]!)}: a job can only wait for jobs that run with it`);
      }
      for (const s of req.from) for (const sink of target.sinks) t.addDep(s, sink);
    }
  }
  if (resolved.length) reportCycles(t, resolved);
}

/**
 * Every cycle lies in a strongly connected group of jobs (and goes through an
 * `after`: seq order and batches never loop). One error per group, at its first
 * `after` in the file, naming the shortest cycle through it and counting the
 * group's other `after`s that close cycles. Linear in jobs + edges: `gN: after g*`
 * makes every job wait for every other, and walking such a graph one back edge at
 * a time had cost minutes for 2,000 lines.
 */
function reportCycles(t: DepTarget, resolved: Resolved[]): void {
  const { comp, size } = stronglyConnected(t.jobs.length, t.depsOf);
  // No job waits for itself (`overlaps` refuses that), so only a group of two or more holds a cycle.
  if (size.length === t.jobs.length) return;
  const inCycle = (s: number, sink: number): boolean => comp[s] === comp[sink] && size[comp[s]!]! > 1;
  // The `after`s that close a cycle, grouped by component, in source order.
  const closers = new Map<number, { span: Span; from: number; to: number; req: Resolved }[]>();
  for (const r of resolved) {
    let edge: [number, number] | undefined;
    for (const target of r.targets) {
      for (const s of r.req.from) {
        for (const sink of target.sinks) {
          if (inCycle(s, sink)) {
            edge = [s, sink];
            break;
          }
        }
        if (edge) break;
      }
      if (edge) break;
    }
    if (!edge) continue;
    const c = comp[edge[0]]!;
    let list = closers.get(c);
    if (!list) closers.set(c, (list = []));
    list.push({ span: r.req.span, from: edge[0], to: edge[1], req: r });
  }
  const key = (sp: Span) => `${sp.line}:${sp.col}`;
  for (const [c, list] of closers) {
    list.sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
    const first = list[0]!;
    const cycle = shortestCycle(t.depsOf, comp, c, first.from, first.to);
    // The group's other `after`s whose edges this cycle does not already show.
    const nextOnCycle = new Map<number, number>();
    for (let i = 0; i < cycle.length; i++) nextOnCycle.set(cycle[i]!, cycle[(i + 1) % cycle.length]!);
    const shown = new Set([key(first.span)]);
    for (const x of list) if (!shown.has(key(x.span)) && madeEdgeOf(x.req, nextOnCycle)) shown.add(key(x.span));
    const others = list.filter((x) => !shown.has(key(x.span)));
    const othersKeys = new Set(others.map((x) => key(x.span)));
    const names = cycle.map((j) => `\`${t.jobs[j]!.name}\``);
    let text = `${names[0]} waits for ${names.slice(1).join(", which waits for ")}, which waits for ${names[0]}`;
    if (othersKeys.size) {
      const at = others[0]!.span;
      const more = othersKeys.size === 1 ? "1 more `after`, at" : `${othersKeys.size.toLocaleString("en")} more \`after\`s, the first at`;
      text += ` (${more} ${at.line}:${at.col}, close${othersKeys.size === 1 ? "s" : ""} cycles among the same ${size[c]!.toLocaleString("en")} jobs)`;
    }
    t.report(first.span, `dependency cycle: ${text}`);
  }
}

/** Did this `after` make one of the cycle's edges (job → the next job on the cycle)? */
function madeEdgeOf(r: Resolved, nextOnCycle: Map<number, number>): boolean {
  for (const s of r.req.from) {
    const next = nextOnCycle.get(s);
    if (next !== undefined && r.targets.some((target) => target.sinks.includes(next))) return true;
  }
  return false;
}

/** Tarjan's strongly connected components, iteratively (no recursion per job). */
function stronglyConnected(n: number, depsOf: (job: number) => number[]): { comp: Int32Array; size: number[] } {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const size: number[] = [];
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const path: number[] = [];
  const iters: number[] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    path.push(root);
    iters.push(0);
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (path.length) {
      const top = path.length - 1;
      const v = path[top]!;
      const deps = depsOf(v);
      if (iters[top]! < deps.length) {
        const w = deps[iters[top]!++]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          path.push(w);
          iters.push(0);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      path.pop();
      iters.pop();
      if (path.length) {
        const u = path[path.length - 1]!;
        low[u] = Math.min(low[u]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const c = size.length;
        let count = 0;
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = c;
          count++;
        } while (w !== v);
        size.push(count);
      }
    }
  }
  return { comp, size };
}

/** The shortest cycle through the edge from → to (to is in from's component): [from, to, …], each waiting for the next. */
function shortestCycle(depsOf: (job: number) => number[], comp: Int32Array, c: number, from: number, to: number): number[] {
  // Breadth-first from `to` back to `from`, inside the component.
  const parent = new Map<number, number>([[to, -1]]);
  const queue = [to];
  for (let q = 0; q < queue.length && !parent.has(from); q++) {
    const v = queue[q]!;
    for (const w of depsOf(v)) {
      if (comp[w] !== c || parent.has(w)) continue;
      parent.set(w, v);
      if (w === from) break;
      queue.push(w);
    }
  }
  const back: number[] = [];
  for (let v = parent.get(from)!; v !== to; v = parent.get(v)!) back.push(v);
  return [from, to, ...back.reverse()];
}
