// What a job's hooks did, on disk beside its logs, so that `pll show`, the API and a
// restarted server all see it: each hook run's output (stdout and stderr together) in
// `<job>.hook-<n>`, and in `<job>.hooks` one JSON line when it starts and one
// when it ends (its exit status). A hook cut short by a crash has no end line: its
// exitCode stays undefined.
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import type { HookRun, JobRecord } from "../core/types.js";

export type { HookRun };
import { sibling } from "./job-files.js";

/** How much of a hook's output an answer carries. */
export const OUTPUT_TAIL = 16 * 1024;

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export const hookStatusFile = (job: Pick<JobRecord, "logOut">) => sibling(job.logOut, "hooks");
export const hookOutputFile = (job: Pick<JobRecord, "logOut">, n: number) => sibling(job.logOut, `hook-${n}`);

/** Opens a hook run's output file (for its stdout and stderr); the caller closes it. */
export const openHookOutput = (file: string): number => openSync(file, FLAGS, 0o666);

/** Appends one line of a hook run's status: its start (the whole record) or its end (n and the end fields). */
export function writeHookStatus(job: Pick<JobRecord, "logOut">, line: Partial<HookRun> & { n: number }): void {
  const fd = openSync(hookStatusFile(job), FLAGS, 0o666);
  try {
    writeSync(fd, JSON.stringify(line) + "\n");
  } finally {
    closeSync(fd);
  }
}

/** The job's hook runs so far, oldest first, with the tail of each one's output. */
export function readHookRuns(job: Pick<JobRecord, "logOut">): HookRun[] {
  let text: string;
  try {
    text = readFileSync(hookStatusFile(job), "utf8");
  } catch {
    return []; // no hook ran (or its logs were pruned)
  }
  const runs = new Map<number, HookRun>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let rec: Partial<HookRun> & { n: number };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue; // a line torn by a crash
    }
    runs.set(rec.n, { ...(runs.get(rec.n) as HookRun), ...rec });
  }
  return [...runs.values()].filter((r) => r.on !== undefined).map((r) => ({ ...r, output: tailOf(r.log) }));
}

/** Count of hook runs recorded for the job (the next one's number is this + 1). */
export function hookRunCount(job: Pick<JobRecord, "logOut">): number {
  try {
    return readFileSync(hookStatusFile(job), "utf8").split("\n").filter((l) => l.includes('"on":')).length;
  } catch {
    return 0;
  }
}

/** The last OUTPUT_TAIL bytes only: a hook's output may be large. */
function tailOf(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return "";
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, OUTPUT_TAIL));
    const n = readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.subarray(0, n).toString("utf8");
  } catch {
    return "";
  } finally {
    closeSync(fd);
  }
}
