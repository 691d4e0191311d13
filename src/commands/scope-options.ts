// The scope flags every command that takes a set shares (`--run r5`,
// `--jobset NAME`, `--all`), sent to the server as they are: it resolves them
// (src/server/references.ts), so the CLI, stdin, the shell and the API agree.
import type { OptionSpec } from "./types.js";
import type { Invocation } from "./types.js";

export const SCOPE_OPTIONS: Record<string, OptionSpec> = {
  run: { type: "string", description: "act on run rN (default: the runs still active, else the most recent run)" },
  jobset: { type: "string", description: "act on the latest run of jobset NAME" },
  all: { type: "boolean", description: "act on all history, not only the current run" },
};

/** The query string (with its `?`, or "") that tells the server an invocation's scope, plus `extra` fields. */
export function scopeQuery(inv: Invocation, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams(extra);
  const { run, jobset, all } = inv.options;
  if (typeof run === "string") q.set("run", run);
  if (typeof jobset === "string") q.set("jobset", jobset);
  if (all === true) q.set("all", "1");
  const text = q.toString();
  return text ? `?${text}` : "";
}
