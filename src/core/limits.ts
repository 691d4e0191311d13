// PJC and units accounting. Every limit a job is under (each enclosing block's
// pjc, its run's own pjc, its jobset's pjc, a paused jobset, the units
// capacity; the global pjc is counted by the ready queue) is a Limiter: each
// caps, none replaces another (docs: README "How many jobs at once"). A ready job that hits a full limiter is parked on
// that limiter's own heap and only comes back when that limiter frees a slot,
// so a full block never costs a scan per dispatch.

import { PriorityHeap } from "./priority-heap.js";
import type { JobRecord, PendingJob, RunRecord, Settings } from "./types.js";

/** A queue position of a pending job; `dead` once the job left that place (lazy deletion). */
export interface QueueEntry {
  job: PendingJob;
  priority: number;
  dead: boolean;
}

/** Highest priority first, then lowest job number. */
export const readyOrder = (a: QueueEntry, b: QueueEntry): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : a.job.id < b.job.id;

export class Limiter {
  running = 0;
  readonly parked = new PriorityHeap<QueueEntry>(readyOrder);
  constructor(readonly key: string) {}
}

export const UNITS = "u";
export const blockKey = (scopedBlock: string) => `b:${scopedBlock}`;
export const runKey = (runId: number) => `r:${runId}`;
export const jobsetKey = (jobset: string) => `s:${jobset}`;
export const pauseKey = (jobset: string) => `p:${jobset}`;
/** the slots of the workers serving a role (issue 15): its limit is the ready queue's to know, not the settings' */
export const roleKey = (role: string) => `w:${role}`;

/** The counting limiters a running job holds a slot of (units are counted apart). */
export function heldKeys(job: JobRecord, run: RunRecord | undefined): string[] {
  const keys: string[] = [];
  for (const b of job.blocks) if (run?.blockPjc[b] !== undefined) keys.push(blockKey(b));
  keys.push(runKey(job.runId), jobsetKey(job.jobset));
  if (job.role !== undefined) keys.push(roleKey(job.role));
  return keys;
}

/** How many jobs a limiter lets run at once (Infinity when unlimited). */
export function limitOf(key: string, runs: ReadonlyMap<number, RunRecord>, settings: Settings): number {
  switch (key[0]) {
    case "b": {
      const scoped = key.slice(2);
      const runId = Number(scoped.slice(0, scoped.indexOf(":")));
      return runs.get(runId)?.blockPjc[scoped] ?? Infinity;
    }
    case "r":
      return runs.get(Number(key.slice(2)))?.blockPjc[""] ?? Infinity;
    case "s":
      return settings.jobsetPjc[key.slice(2)] ?? Infinity;
    case "p":
      return isPaused(settings, key.slice(2)) ? 0 : Infinity;
    default:
      return Infinity;
  }
}

export const isPaused = (settings: Settings, jobset: string): boolean =>
  settings.paused.includes(jobset) || settings.paused.includes("*");
