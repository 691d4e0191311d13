// A compiled graph drawn for people: Graphviz DOT (jobs as nodes, blocks as
// nested clusters, dependency edges) or an indented text tree.
import type { BlockSpec, JobGraph, JobSpec } from "../core/types.js";

type Child = { block: BlockSpec } | { job: JobSpec };

/** Blocks and jobs in source order, under their parents (undefined = the file). */
function tree(g: JobGraph): Map<string | undefined, Child[]> {
  const children = new Map<string | undefined, Child[]>();
  const add = (parent: string | undefined, c: Child) => {
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(c);
  };
  const blocks = new Map(g.blocks.map((b) => [b.key, b]));
  const placed = new Set<string>();
  for (const j of g.jobs) {
    // Place each enclosing block (outermost first) the first time one of its jobs is seen.
    for (let i = j.blocks.length - 1; i >= 0; i--) {
      const key = j.blocks[i]!;
      if (placed.has(key)) continue;
      placed.add(key);
      add(j.blocks[i + 1], { block: blocks.get(key)! });
    }
    add(j.blocks[0], { job: j });
  }
  for (const b of g.blocks) if (!placed.has(b.key)) add(b.parent, { block: b });
  return children;
}

const quote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
/** A command cut to one line of at most n characters (continued commands show their first line). */
function short(command: string, n = 40): string {
  const lines = command.split(/\r?\n/);
  const first = lines[0]!.replace(/\s*\\$/, "");
  return first.length > n ? `${first.slice(0, n - 1)}…` : lines.length > 1 ? `${first} …` : first;
}

export function toDot(g: JobGraph): string {
  const children = tree(g);
  const out = [`digraph ${quote(g.jobset)} {`, "  rankdir=LR;", '  node [shape=box, fontname="monospace"];'];
  let n = 0;
  const emit = (parent: string | undefined, indent: string) => {
    for (const c of children.get(parent) ?? []) {
      if ("job" in c) {
        out.push(`${indent}${quote(c.job.key)} [label=${quote(`${c.job.name}\n$ ${short(c.job.command)}`)}];`);
      } else {
        const b = c.block;
        const limits = [b.pjc !== undefined ? `pjc ${b.pjc}` : "", b.batch !== undefined ? `batch ${b.batch}` : ""].filter(Boolean).join(" ");
        out.push(`${indent}subgraph ${quote(`cluster_${n++}`)} {`, `${indent}  label=${quote(`${b.name} (${b.kind}${limits ? ` ${limits}` : ""})`)};`);
        emit(b.key, `${indent}  `);
        out.push(`${indent}}`);
      }
    }
  };
  emit(undefined, "  ");
  for (const j of g.jobs) for (const d of j.deps) out.push(`  ${quote(d)} -> ${quote(j.key)};`);
  out.push("}");
  return `${out.join("\n")}\n`;
}

export function toText(g: JobGraph): string {
  const children = tree(g);
  const out = [`jobset ${g.jobset}${g.pjc !== undefined ? `  pjc ${g.pjc}` : ""}  (${g.file})`];
  for (const s of g.schedules) {
    const when = s.every ? `every ${s.every.text}` : s.cron ? `cron "${s.cron}"` : `at "${s.at}"`;
    out.push(`schedule ${s.name}: ${when}${s.tz ? ` tz ${s.tz}` : ""}, overlap ${s.overlap}, catchup ${s.catchup}, ${s.jobs.length} job(s)`);
  }
  const emit = (parent: string | undefined, prefix: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((c, i) => {
      const last = i === list.length - 1;
      const branch = `${prefix}${last ? "└─ " : "├─ "}`;
      const next = `${prefix}${last ? "   " : "│  "}`;
      if ("job" in c) {
        const deps = c.job.deps.length ? `  ← ${c.job.deps.join(", ")}` : "";
        out.push(`${branch}${c.job.name}  $ ${short(c.job.command, 60)}${deps}`);
      } else {
        const b = c.block;
        out.push(`${branch}${b.name}  ${b.kind}${b.pjc !== undefined ? ` pjc ${b.pjc}` : ""}${b.batch !== undefined ? ` batch ${b.batch}` : ""}`);
        emit(b.key, next);
      }
    });
  };
  emit(undefined, "");
  return `${out.join("\n")}\n`;
}
