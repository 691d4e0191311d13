import type { WireJob, WireAttempt } from "../../src/core/types.js";
// The jobs of a crash trial and the verdict on them. Every job appends a
// line to one marker file (O_APPEND, one short write per line) when it
// starts and just before it exits, so what really ran is known without
// asking pll; the verdict compares that with what pll recorded.
import { readFileSync } from "node:fs";
import type { JobRecord } from "../../src/core/types.js";

export interface PlannedJob {
  name: string;
  sleepMs: number;
  /** what the job exits with, every attempt */
  exitCode: number;
  /** how many attempts it must have: 1, or 1 + retries for a failing job with `retry` */
  attempts: number;
}

/** Every 7th job fails (exit 3), the rest succeed; each sleeps 0–150 ms. */
export function planJobs(count: number, random: () => number, retryFailing = 0): PlannedJob[] {
  return Array.from({ length: count }, (_, i) => {
    const exitCode = (i + 1) % 7 === 0 ? 3 : 0;
    return { name: `j${i + 1}`, sleepMs: Math.floor(random() * 151), exitCode, attempts: exitCode ? 1 + retryFailing : 1 };
  });
}

export function jobsetSource(plan: PlannedJob[], marks: string, retryFailing = 0): string {
  const lines = ["jobset crash"];
  for (const job of plan) {
    const mark = (format: string, ...args: string[]) =>
      `printf '${job.name} %s %s ${format}\\n' "$PLL_JOB_ID" "$PLL_ATTEMPT"${args.map((a) => ` ${a}`).join("")} >> '${marks}'`;
    const retry = job.exitCode && retryFailing ? `retry ${retryFailing} ` : "";
    const sleep = `sleep ${(job.sleepMs / 1000).toFixed(3)}`;
    lines.push(`${job.name}: ${retry}$ ${mark("start %s", '"$$"')}; ${sleep}; ${mark(`exit ${job.exitCode}`)}; exit ${job.exitCode}`);
  }
  return lines.join("\n") + "\n";
}

export interface Mark {
  line: string;
  name: string;
  attempt: number;
  event: "start" | "exit";
  code?: number;
}

export function readMarks(file: string): Mark[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const marks: Mark[] = [];
  for (const line of text.split("\n")) {
    const [name, , attempt, event, value] = line.split(" ");
    if (!name || (event !== "start" && event !== "exit")) continue;
    marks.push({ line, name, attempt: Number(attempt), event, ...(event === "exit" ? { code: Number(value) } : {}) });
  }
  return marks;
}

/** Kinds of mismatch, from the worst. */
export type MismatchKind =
  | "missing from the store"
  | "never ran"
  | "ran more than once"
  | "left unfinished"
  | "did not finish"
  | "lost though it exited"
  | "could not start though it ran"
  | "wrong outcome";

export interface Mismatch {
  job: string;
  kind: MismatchKind;
  detail: string;
  recorded: string;
  marks: string[];
}

const UNFINISHED = new Set(["pending", "running", "blocked"]);

export function describeRecord(r: JobRecord): string {
  const attempts = r.attempts.map((a) => `#${a.n}${a.pid ? ` pid ${a.pid}` : ""} exit ${(a as WireAttempt).exitCode ?? "-"}${(a as WireAttempt).reason ? ` ${(a as WireAttempt).reason}` : ""}`);
  return `id ${r.id} ${r.state} exit ${(r as WireJob).exitCode ?? "-"}${r.reason ? ` reason "${r.reason}"` : ""}; attempts [${attempts.join(", ")}]`;
}

/** Every job must have run once per recorded attempt, to its end, with its true state and exit code recorded. */
export function judge(plan: PlannedJob[], records: JobRecord[], marks: Mark[]): Mismatch[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  const marksOf = new Map<string, Mark[]>();
  for (const m of marks) {
    const list = marksOf.get(m.name);
    if (list) list.push(m);
    else marksOf.set(m.name, [m]);
  }
  const out: Mismatch[] = [];
  for (const job of plan) {
    const ms = marksOf.get(job.name) ?? [];
    const r = byName.get(job.name);
    const found = (kind: MismatchKind, detail: string) =>
      out.push({ job: job.name, kind, detail, recorded: r ? describeRecord(r) : "(no record)", marks: ms.map((m) => m.line) });
    if (!r) {
      found("missing from the store", "no job of this name in the run");
      continue;
    }
    const starts = ms.filter((m) => m.event === "start");
    const exitOf = (n: number) => ms.find((m) => m.event === "exit" && m.attempt === n);
    if (UNFINISHED.has(r.state)) {
      found("left unfinished", `still ${r.state} when the run should be over (ran ${starts.length}×)`);
      continue;
    }
    if (starts.length === 0) {
      found("never ran", `recorded ${r.state} with ${r.attempts.length} attempt(s), but no attempt ran`);
      continue;
    }
    const seen = new Map<number, number>();
    for (const s of starts) seen.set(s.attempt, (seen.get(s.attempt) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1);
    if (twice.length || starts.length !== r.attempts.length) {
      const runs = twice.length ? twice.map(([a, n]) => `attempt ${a} ran ${n}×`).join(", ") : `ran ${starts.length}×`;
      found(starts.length < r.attempts.length ? "never ran" : "ran more than once", `${runs}; ${r.attempts.length} attempt(s) recorded`);
      continue;
    }
    const unended = starts.filter((s) => !exitOf(s.attempt));
    if (unended.length) {
      found("did not finish", `attempt ${unended.map((s) => s.attempt).join(", ")} started but never reached its exit`);
      continue;
    }
    // Each recorded attempt against what that attempt really exited with.
    const pidOf = (n: number) => Number(starts.find((s) => s.attempt === n)!.line.split(" ")[4]);
    const wrong = r.attempts.filter((a) => (a as WireAttempt).exitCode !== exitOf(a.n)?.code || (a as WireAttempt).reason !== undefined || (a.pid !== undefined && a.pid !== pidOf(a.n)));
    const finalOk = r.state === (job.exitCode === 0 ? "success" : "errored") && r.exitCode === job.exitCode;
    if (!wrong.length && finalOk && r.attempts.length === job.attempts) continue;
    const reasons = [r.reason ?? "", ...wrong.map((a) => (a as WireAttempt).reason ?? "")].join(" ");
    const kind: MismatchKind = /could not start/.test(reasons) ? "could not start though it ran" : /lost/.test(reasons) ? "lost though it exited" : "wrong outcome";
    const exited = starts.map((s) => `attempt ${s.attempt} ran as pid ${pidOf(s.attempt)}, exited ${exitOf(s.attempt)!.code}`).join(", ");
    found(kind, `${exited}${r.attempts.length !== job.attempts ? `; ${job.attempts} attempt(s) due` : ""}`);
  }
  return out;
}
