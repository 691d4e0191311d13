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

function globRegExp(glob: string): RegExp {
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

export function resolveAfter(t: DepTarget): void {
  const names = [...t.entities.keys()];
  const sorted = [...names].sort();
  const globCache = new Map<string, Entity[]>();
  const afterEdges = new Map<number, Map<number, Span>>();
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
    let crossed = false;
    for (const target of targets) {
      for (const s of req.from) {
        for (const sink of target.sinks) {
          if (!crossed && t.scheduleOf(s) !== t.scheduleOf(sink)) {
            crossed = true;
            const where = (j: number) => (t.scheduleOf(j) ? `on schedule \`${t.scheduleOf(j)}\`` : "at load");
            t.report(req.span, `\`${req.owner}\` runs ${where(s)} but \`${target.name}\` runs ${where(sink)}: a job can only wait for jobs that run with it`);
          }
          t.addDep(s, sink);
          let m = afterEdges.get(s);
          if (!m) afterEdges.set(s, (m = new Map()));
          if (!m.has(sink)) m.set(sink, req.span);
        }
      }
    }
  }
  if (afterEdges.size) findCycles(t, afterEdges);
}

/** Iterative DFS; each cycle is reported once, at an `after` that closes it. */
function findCycles(t: DepTarget, afterEdges: Map<number, Map<number, Span>>): void {
  const n = t.jobs.length;
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const onStackAt = new Int32Array(n).fill(-1);
  const path: number[] = [];
  const iters: number[] = [];
  const reported = new Set<string>();
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    path.push(root);
    iters.push(0);
    state[root] = 1;
    onStackAt[root] = 0;
    while (path.length) {
      const top = path.length - 1;
      const v = path[top]!;
      const deps = t.depsOf(v);
      if (iters[top]! < deps.length) {
        const w = deps[iters[top]!++]!;
        if (state[w] === 0) {
          state[w] = 1;
          onStackAt[w] = path.length;
          path.push(w);
          iters.push(0);
        } else if (state[w] === 1) {
          reportCycle(t, path.slice(onStackAt[w]!), afterEdges, reported);
        }
      } else {
        state[v] = 2;
        onStackAt[v] = -1;
        path.pop();
        iters.pop();
      }
    }
  }
}

function reportCycle(t: DepTarget, cycle: number[], afterEdges: Map<number, Map<number, Span>>, reported: Set<string>): void {
  // cycle[i] waits for cycle[i+1]; the last waits for cycle[0].
  const names = cycle.map((j) => `\`${t.jobs[j]!.name}\``);
  let span: Span | undefined;
  for (let i = 0; i < cycle.length && !span; i++) span = afterEdges.get(cycle[i]!)?.get(cycle[(i + 1) % cycle.length]!);
  span ??= { line: 1, col: 1 };
  const key = `${span.line}:${span.col}`;
  if (reported.has(key)) return;
  reported.add(key);
  const text = cycle.length === 1 ? `${names[0]} waits for itself` : `${names[0]} waits for ${names.slice(1).join(", which waits for ")}, which waits for ${names[0]}`;
  t.report(span, `dependency cycle: ${text}`);
}
