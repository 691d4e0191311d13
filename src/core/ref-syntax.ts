// How a user writes a job and a run so that the two are never confused: a job
// is `12` or `#12`, a run is `r5`. Every door (CLI, stdin, shell, API) reads
// references with this, and every message writes them with it.

import type { RunRecord } from "./types.js";

export type ParsedRef =
  | { kind: "job"; id: number }
  | { kind: "run"; id: number }
  /** a word: a job name, a jobset, or a set word (`failed`, `all`, a state) — the resolver decides */
  | { kind: "word"; word: string };

const JOB = /^#?(\d{1,15})$/;
const RUN = /^r(\d{1,15})$/i;

export function parseRef(text: string): ParsedRef {
  const t = text.trim();
  const job = JOB.exec(t);
  if (job) return { kind: "job", id: Number(job[1]) };
  const run = RUN.exec(t);
  if (run) return { kind: "run", id: Number(run[1]) };
  return { kind: "word", word: t };
}

export const jobRef = (id: number): string => `#${id}`;
export const runRef = (id: number): string => `r${id}`;

/** "r5 is a run; …" / "#12 is a job; …": what a reference is, for messages that say which was meant. */
export function refKind(ref: ParsedRef): string {
  return ref.kind === "run" ? `${runRef(ref.id)} is a run` : ref.kind === "job" ? `${jobRef(ref.id)} is a job` : `'${ref.word}' is a name`;
}

/**
 * The current runs — the default scope of every command that takes a set, and what the shell's
 * counters count: the runs still active, else the most recent run. Newest first.
 */
export function currentRunsOf(runs: Iterable<RunRecord>): RunRecord[] {
  const active: RunRecord[] = [];
  let newest: RunRecord | undefined;
  for (const r of runs) {
    if (r.state === "running") active.push(r);
    if (!newest || r.id > newest.id) newest = r;
  }
  if (active.length > 0) return active.sort((a, b) => b.id - a.id);
  return newest ? [newest] : [];
}
