// The job table's order, kept sorted as jobs change instead of re-sorting
// 100,000 rows on every event: running first, then pending in dispatch
// order (priority desc, id asc), then blocked, then finished newest first.
import type { JobRecord } from "../core/types.js";

/** [group, primary, secondary] compared left to right, smallest first. */
export type SortKey = readonly [number, number, number];

export function sortKeyOf(job: JobRecord): SortKey {
  switch (job.state) {
    case "running":
      return [0, job.startedAt ?? job.createdAt, job.id];
    case "pending":
      return [1, -job.priority, job.id];
    case "blocked":
      return [2, 0, job.id];
    default:
      return [3, -(job.endedAt ?? job.createdAt), -job.id];
  }
}

export function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Ids sorted by their keys; insert/remove are a binary search and one splice. */
export class JobOrder {
  private readonly ids: number[] = [];
  private readonly keys = new Map<number, SortKey>();

  get size(): number {
    return this.ids.length;
  }

  /** Insert or move `id` to where `key` belongs. */
  set(id: number, key: SortKey): void {
    const old = this.keys.get(id);
    if (old && compareKeys(old, key) === 0) return;
    if (old) this.ids.splice(this.indexOf(id), 1);
    this.keys.set(id, key);
    this.ids.splice(this.insertionPoint(key), 0, id);
  }

  delete(id: number): void {
    if (!this.keys.has(id)) return;
    this.ids.splice(this.indexOf(id), 1);
    this.keys.delete(id);
  }

  at(index: number): number | undefined {
    return this.ids[index];
  }

  /** Position of `id`, or -1: a binary search on its key (keys are unique: they end in the id). */
  indexOf(id: number): number {
    const key = this.keys.get(id);
    if (!key) return -1;
    const i = this.insertionPoint(key);
    return this.ids[i] === id ? i : -1;
  }

  keyOf(id: number): SortKey | undefined {
    return this.keys.get(id);
  }

  /** Every id, in order (a copy is not made: callers must not mutate). */
  all(): readonly number[] {
    return this.ids;
  }

  /** First index whose key is >= `key`. */
  private insertionPoint(key: SortKey): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys.get(this.ids[mid]!)!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
