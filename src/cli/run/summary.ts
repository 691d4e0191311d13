// The end of `pll run`: one line for the run, then a table of the jobs that
// did not succeed, each with the tail of its stderr and how to see more.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { Chalk } from "chalk";
import type { JobRecord, RunRecord, ScheduleRecord } from "../../core/types.js";
import { runRef } from "../../core/ref-syntax.js";
import { formatDuration } from "./progress.js";

const TAIL_LINES = 5;
const TAIL_BYTES = 4096;
const MAX_LISTED = 20;

export function renderSummary(run: RunRecord | undefined, jobs: JobRecord[], opts: { color: boolean; elapsedMs: number }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const count = (s: string) => jobs.filter((j) => j.state === s).length;
  const ok = count("success") + count("skipped");
  const state = run?.state ?? "running";
  const paint = state === "success" ? c.green : c.red;
  const out = [
    `${paint(`run ${run ? runRef(run.id) : "?"} ${state}`)}: ${ok}/${jobs.length} succeeded` +
      `${count("skipped") ? ` (${count("skipped")} fresh, skipped)` : ""}` +
      `, ${count("errored")} errored, ${count("blocked")} blocked, ${count("cancelled")} cancelled` +
      ` in ${formatDuration(opts.elapsedMs)}`,
  ];
  const failed = jobs.filter((j) => j.state === "errored");
  for (const job of failed.slice(0, MAX_LISTED)) {
    out.push("", `${c.red.bold(`#${job.id}`)} ${c.bold(job.name)}  ${job.reason ?? "errored"}  ${c.dim(`$ ${firstLine(job.command)}`)}`);
    for (const line of tailLines(job.logErr)) out.push(`  ${c.dim("│")} ${line}`);
    out.push(`  ${c.dim(`more: pll tail ${job.id}`)}`);
  }
  if (failed.length > MAX_LISTED) out.push("", `… and ${failed.length - MAX_LISTED} more errored jobs: pll status errored${run ? ` --run ${runRef(run.id)}` : ""}`);
  const blocked = jobs.filter((j) => j.state === "blocked");
  if (blocked.length) {
    const names = blocked.slice(0, 10).map((j) => `#${j.id} ${j.name}`).join(", ");
    out.push("", `${c.yellow("blocked")}: ${names}${blocked.length > 10 ? `, … (${blocked.length})` : ""} — they run when the failed jobs are retried (pll retry failed${run ? ` --run ${runRef(run.id)}` : ""})`);
  }
  return `${out.join("\n")}\n`;
}

/**
 * `pll run` of a file whose every job is scheduled: nothing ran, and that is
 * not a failure. Says what was registered and what it takes for it to fire.
 */
export function renderSchedulesOnly(file: string, schedules: ScheduleRecord[], where: "server" | "this process"): string {
  const names = schedules.map((s) => s.name).join(", ");
  const what = `${file} holds only schedules, so nothing runs now; registered: ${names || "none"}`;
  if (where === "server") return `${what}.\nThe running server fires them; see them with \`pll schedules\`.\n`;
  return `${what}.\nThey fire only while a pll server runs: start one with \`pll start\`, then check them with \`pll schedules\`.\n`;
}

const firstLine = (s: string) => (s.includes("\n") ? `${s.slice(0, s.indexOf("\n"))} …` : s);

/** The last few lines of a log file, reading only its end. */
export function tailLines(file: string, n = TAIL_LINES): string[] {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString("utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}
