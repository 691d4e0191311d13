// The table of workers that `pll workers` prints and the shell's workers
// pane shows (issue 15): name, host, roles, slots, running, last heartbeat.

export interface WorkerRow {
  name: string;
  host: string;
  roles: readonly string[];
  slots: number;
  /** jobs it runs now */
  running: number;
  /** wall time of its last heartbeat */
  at: number;
  /** false: the server has not heard it for its lost-after time */
  live?: boolean;
}

/** The rows, sorted by name, as aligned lines under a heading (no trailing newline). */
export function workersTable(workers: readonly WorkerRow[], now: number): string {
  const sorted = [...workers].sort((a, b) => a.name.localeCompare(b.name));
  const beat = (w: WorkerRow) => `${(Math.max(0, now - w.at) / 1000).toFixed(1)}s ago${w.live === false ? " (silent)" : ""}`;
  const rows = [["NAME", "HOST", "ROLES", "SLOTS", "RUNNING", "HEARTBEAT"], ...sorted.map((w) => [w.name, w.host, w.roles.join(","), String(w.slots), String(w.running), beat(w)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}
