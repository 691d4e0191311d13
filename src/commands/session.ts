// What one client session submitted, so a bare `wait` after `load x.pll`
// waits for exactly that — also when the jobs finished before `wait` began.
import type { Client } from "../client/client.js";

const submittedRuns = new WeakMap<Client, number[]>();

export function rememberRun(client: Client, runId: number): void {
  const runs = submittedRuns.get(client) ?? [];
  runs.push(runId);
  submittedRuns.set(client, runs);
}

export function runsSubmitted(client: Client): readonly number[] {
  return submittedRuns.get(client) ?? [];
}
