// The shell's workers view (issue 15): `w` in the table turns the log pane
// into the list of the server's `pll worker`s (GET /workers, read again every
// second while it shows), and `w` again back to the selected job's log.
import type { WorkersView } from "../core/types.js";
import { workersTable } from "../remote/workers-table.js";

export const WORKERS_TITLE = "workers (w: back to the log)";

/** What the pane shows for the server's answer. */
export function workersPaneText(view: WorkersView, now: number): string {
  if (view.queue === null) return "no queue: role jobs run on this machine\n(start the server with PLL_QUEUE=redis://… to use workers)";
  const here = view.localRoles.length ? `; roles served here: ${view.localRoles.join(",")}` : "";
  if (view.workers.length === 0) return `no workers on ${view.queue} yet${here}`;
  const rows = view.workers.map((w) => ({ ...w, running: w.running.length, at: w.lastHeartbeat }));
  return `${workersTable(rows, now)}\n\non ${view.queue}${here}`;
}
