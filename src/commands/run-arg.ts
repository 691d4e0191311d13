// RUN of the commands that take only a run (`joblog`, `rerun`, `report`): `r12`, or `12`
// since nothing else can be meant there; never `#12`, which is a job (ref-syntax.ts).
import type { Client } from "../client/client.js";
import { parseRef, refKind } from "../core/ref-syntax.js";
import type { RunListResponse } from "../server/api-types.js";
import { CommandFailed, UsageError } from "./types.js";

/** The run `word` names, or a usage error that says what it is instead. */
export function runArg(verb: string, word: string): number {
  const ref = parseRef(/^\d+$/.test(word.trim()) ? `r${word.trim()}` : word);
  if (ref.kind !== "run" || ref.id < 1) throw new UsageError(`${verb}: expected a run (r12 or 12), got '${word}'${ref.kind === "job" ? `: ${refKind(ref)}` : ""}`);
  return ref.id;
}

/** `word`'s run, or with none the newest run. */
export async function runIdOf(client: Client, verb: string, word: string | undefined): Promise<number> {
  if (word !== undefined) return runArg(verb, word);
  const { runs } = await client.request<RunListResponse>("GET", "/runs?limit=1");
  if (!runs[0]) throw new CommandFailed(`${verb}: no runs yet`);
  return runs[0].id;
}
