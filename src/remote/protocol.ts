// What a server and its `pll worker`s say to each other through Redis
// (issue 15), and where. All keys start with the queue's prefix
// (`pll:NS`, queue-url.ts):
//
//   PREFIX:w.NAME:…     BullMQ queue of run requests for the worker NAME (one
//                       per worker: the server picks the worker, so a
//                       worker's slots are never over-committed across roles)
//   PREFIX:reports:…    BullMQ queue of reports back to the server (started,
//                       log chunks, overrun, ended), one consumer, in order:
//                       they wait in Redis while the server is down
//   PREFIX:workers      hash NAME → WorkerInfo JSON, rewritten at every heartbeat
//   PREFIX:ctl:NAME     list of stop orders for the worker NAME
//   PREFIX:ack:JOB.ATT  hash out/err → bytes of log the server has written:
//                       a worker ships a chunk only while less than
//                       LOG_WINDOW bytes of a job's log are in Redis unwritten
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";

export const REPORTS = "reports";
export const workerQueue = (name: string) => `w.${name}`;
export const registryKey = (prefix: string) => `${prefix}:workers`;
export const controlKey = (prefix: string, worker: string) => `${prefix}:ctl:${worker}`;
export const ackKey = (prefix: string, jobId: number, attempt: number) => `${prefix}:ack:${jobId}.${attempt}`;
/** BullMQ job ids: one request per attempt, so a request sent twice is one request */
export const requestId = (jobId: number, attempt: number) => `${jobId}.${attempt}`;

/** a log chunk's most bytes */
export const LOG_CHUNK = 64 * 1024;
/** the most bytes of one job's log (per stream) in Redis that the server has not written yet */
export const LOG_WINDOW = 4 * LOG_CHUNK;

export interface RunRequest {
  /** the worker's incarnation it was meant for: a restarted worker refuses its predecessor's requests */
  incarnation: string;
  attempt: number;
  job: JobRecord;
  /** the attempt's whole environment, as the server builds it for any job (job-env.ts; the worker adds PLL_WORKER) */
  env: Record<string, string>;
  /** the directory of the job's jobset file here, which the worker's `--cwd` stands for (worker-cwd.ts); absent: unknown */
  base?: string;
}

export type Report =
  | { type: "started"; jobId: number; attempt: number; worker: string; pid: number }
  | { type: "log"; jobId: number; attempt: number; worker: string; stream: "out" | "err"; offset: number; data: string }
  | { type: "overrun"; jobId: number; attempt: number; worker: string; what: "time" | "output"; limit: number }
  | { type: "ended"; jobId: number; attempt: number; worker: string; outcome: Outcome };

export interface StopOrder {
  jobId: number;
  attempt: number;
  reason: string;
}

export interface WorkerInfo {
  name: string;
  host: string;
  pid: number;
  roles: string[];
  slots: number;
  /** a new one at every start of the worker */
  incarnation: string;
  /** counts heartbeats: the server times a worker's silence by its own clock, not the worker's */
  beat: number;
  /** wall time of the last heartbeat, for `pll workers` */
  at: number;
  running: { jobId: number; attempt: number }[];
}
