// The one place where what a user names — a job, a run, a set of jobs — becomes
// records. Every door resolves here: the CLI, stdin scripts and the shell send
// their words as typed (`retry failed --run r5`), the API takes the same words
// in its paths and query strings.
//
// A reference is a job (`12`, `#12`), a run (`r5`), a set word (`failed` =
// errored, `all`, a job state), a job name or a jobset. Sets act on one scope:
// a run (`run=r5`), a jobset (`jobset=NAME`: its latest run), all history
// (`all`), or by default the *current runs*: the runs still active, else the
// most recent run. Nothing acts on all history unless told so.
import { UserError } from "../core/errors.js";
import { currentRunsOf, jobRef, parseRef, runRef, type ParsedRef } from "../core/ref-syntax.js";
import type { EngineControl, JobRecord, JobState, RunRecord } from "../core/types.js";
import { didYouMean } from "../lang/suggest.js";
import { jobStates } from "./api-types.js";

/** Where a set is taken from; at most one of run, jobset and all. */
export interface Scope {
  /** `r5` */
  run?: string;
  /** a jobset: its latest run */
  jobset?: string;
  /** every run ever recorded */
  all?: boolean;
}

/** What the resolved jobs are for: a set (retry, kill, wait, status), or exactly one job (show, start, priority). */
export type RefUse = "set" | "one";

const SET_WORDS = new Set<string>(["all", "failed", ...jobStates]);

/** The latest run of a jobset, or undefined. */
function latestRunOf(engine: EngineControl, jobset: string): RunRecord | undefined {
  let latest: RunRecord | undefined;
  for (const r of engine.listRuns()) if (r.jobset === jobset && (!latest || r.id > latest.id)) latest = r;
  return latest;
}

function runById(engine: EngineControl, ref: ParsedRef, where: string): RunRecord {
  if (ref.kind !== "run") {
    const said = ref.kind === "job" ? `${jobRef(ref.id)} is a job; runs are written r${ref.id}` : `'${ref.word}' is not a run (runs are written r5)`;
    throw new UserError("usage", `${where}: ${said}`);
  }
  const run = engine.getRun(ref.id);
  if (!run) throw new UserError("not-found", `no such run: ${runRef(ref.id)}`);
  return run;
}

/** The runs a scope covers, newest first; `undefined` is all history. Contradicting scopes are a usage error. */
export function scopeRuns(engine: EngineControl, scope: Scope = {}): RunRecord[] | undefined {
  const given = [scope.run !== undefined, scope.jobset !== undefined, scope.all === true].filter(Boolean).length;
  if (given > 1) throw new UserError("usage", "give at most one of --run, --jobset and --all");
  if (scope.all) return undefined;
  if (scope.run !== undefined) return [runById(engine, parseRef(scope.run), "--run")];
  if (scope.jobset !== undefined) {
    const run = latestRunOf(engine, scope.jobset);
    if (!run) throw new UserError("not-found", `no run of jobset '${scope.jobset}'`);
    return [run];
  }
  return currentRunsOf(engine.listRuns());
}

/** Every job of some runs (all history when `runs` is undefined), in job order. */
export function jobsOf(engine: EngineControl, runs: RunRecord[] | undefined): JobRecord[] {
  if (runs === undefined) return engine.listJobs();
  return runs
    .flatMap((r) => r.jobIds)
    .sort((a, b) => a - b)
    .flatMap((id) => engine.getJob(id) ?? []);
}

/** What the scope is, in words, for "nothing matched" messages. */
function scopeWords(engine: EngineControl, scope: Scope, runs: RunRecord[] | undefined): string {
  if (runs === undefined) return "in all history";
  const names = runs.map((r) => runRef(r.id)).join(", ");
  if (scope.run !== undefined || scope.jobset !== undefined) return `in run ${names}`;
  return runs.length === 0 ? "(there are no runs)" : `in the current run${runs.length > 1 ? "s" : ""} (${names}; --run rN, --jobset NAME or --all for others)`;
}

/**
 * A user's reference → jobs, or a UserError that says what was meant. `ref` undefined is the whole scope.
 * A job number is that job whatever the scope; a run is that run's jobs; set words and names are
 * taken from the scope (a name or jobset not in the default scope: its newest run that has it).
 */
export function resolveRef(engine: EngineControl, ref: string | undefined, scope: Scope = {}, use: RefUse = "set"): JobRecord[] {
  const parsed = ref === undefined ? ({ kind: "word", word: "all" } as const) : parseRef(ref);
  if (parsed.kind === "job") {
    const job = engine.getJob(parsed.id);
    if (!job) throw new UserError("not-found", `no such job: ${jobRef(parsed.id)}`);
    return [job];
  }
  if (parsed.kind === "run") {
    if (use === "one") throw new UserError("usage", `${runRef(parsed.id)} is a run; this takes one job (12 or #12) — \`status ${runRef(parsed.id)}\` lists its jobs`);
    if (scope.run !== undefined || scope.jobset !== undefined || scope.all) throw new UserError("usage", `${runRef(parsed.id)} is a run already: leave out --run, --jobset and --all`);
    return jobsOf(engine, [runById(engine, parsed, ref!)]);
  }
  const word = parsed.word;
  const runs = scopeRuns(engine, scope);
  const inScope = jobsOf(engine, runs);
  if (SET_WORDS.has(word)) {
    if (use === "one") throw new UserError("usage", `'${word}' is a set of jobs; this takes one job (12 or #12)`);
    const state: JobState | undefined = word === "failed" ? "errored" : word === "all" ? undefined : (word as JobState);
    return state === undefined ? inScope : inScope.filter((j) => j.state === state);
  }
  const explicit = scope.run !== undefined || scope.jobset !== undefined || scope.all === true;
  // A job name: its instances in the scope (newest run first); in the default scope, its newest run's.
  const named = newestRunOnly(inScope.filter((j) => j.name === word));
  if (named.length > 0) return use === "one" ? [named[named.length - 1]!] : named;
  if (!explicit) {
    const anywhere = newestRunOnly(engine.listJobs().filter((j) => j.name === word));
    if (anywhere.length > 0) return use === "one" ? [anywhere[anywhere.length - 1]!] : anywhere;
  }
  // A jobset: its latest run (or, with a scope, its jobs in the scope).
  if (use === "set") {
    if (!explicit) {
      const run = latestRunOf(engine, word);
      if (run) return jobsOf(engine, [run]);
    } else {
      const ofJobset = inScope.filter((j) => j.jobset === word);
      if (ofJobset.length > 0) return ofJobset;
    }
  }
  const known = [...(use === "set" ? SET_WORDS : []), ...new Set(engine.listRuns().map((r) => r.jobset)), ...new Set(inScope.map((j) => j.name))];
  throw new UserError("not-found", `no job${use === "set" ? " or jobset" : ""} named '${word}' ${scopeWords(engine, scope, runs)}${didYouMean(word, known)}`);
}

/** Of jobs with one name, those of the newest run among them. */
function newestRunOnly(jobs: JobRecord[]): JobRecord[] {
  let newest = -1;
  for (const j of jobs) if (j.runId > newest) newest = j.runId;
  return jobs.filter((j) => j.runId === newest);
}

/** The one job a reference names (show, start, priority, tail). */
export function resolveOne(engine: EngineControl, ref: string, scope: Scope = {}): JobRecord {
  return resolveRef(engine, ref, scope, "one")[0]!;
}

/** The scope a query string names (`run`, `jobset`, `all`), as checked by api-schema's scopeQuery. */
export function scopeOf(q: { run?: string | undefined; jobset?: string | undefined; all?: string | undefined }): Scope {
  return {
    ...(q.run !== undefined ? { run: q.run } : {}),
    ...(q.jobset !== undefined ? { jobset: q.jobset } : {}),
    ...(q.all === "1" || q.all === "true" ? { all: true } : {}),
  };
}

/** A set that came out empty, for actions that must act on something: a 404 that says where it looked. */
export function nothingIn(engine: EngineControl, ref: string, scope: Scope): UserError {
  const what = ref === "failed" || ref === "all" ? "no failed jobs" : `nothing to retry for '${ref}'`;
  return new UserError("not-found", `${what} ${scopeWords(engine, scope, scopeRuns(engine, scope))}`);
}
