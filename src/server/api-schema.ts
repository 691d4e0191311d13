// The control API's request bodies and query strings as zod schemas, checked
// at the server's edge. Loaded on the first request that needs one (through
// routing.ts `validate`): zod is about 40 ms of module loading, which neither
// the clients nor a `pll run` that nobody queries should pay. The response
// shapes, shared with the clients, are in api-types.ts.
import { z } from "zod";
import { JOBSET_NAME, JOBSET_NAME_RULE } from "../lang/jobset-name.js";
import { jobStates } from "./api-types.js";

const env = z.record(z.string(), z.string());
/** A path on the server's host: relative to what? The server's cwd is nobody's business, so only absolute ones. */
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith("/"), { message: "must be an absolute path (starting with /)" })
  .refine((p) => !p.includes("\0"), { message: "must not contain a NUL byte" });
/** The rule of `jobset NAME` in a .pll file. */
const jobsetName = z
  .string()
  .min(1)
  .max(200)
  .regex(JOBSET_NAME, { message: `is not a jobset name (${JOBSET_NAME_RULE})` });

/** POST /runs — a `.pll` file's text (plus where it came from), or just a path the server reads. */
export const submitRunBody = z
  .strictObject({
    source: z.string().optional(),
    path: absPath.optional(),
    cwd: absPath.optional(),
    env: env.optional(),
    /** `pll run --halt-on-failure`: the engine cancels the run's pending jobs when one fails */
    haltOnFailure: z.boolean().optional(),
    /** `pll run --pjc N`: this run's own pjc, over the file's */
    pjc: z.number().int().min(1).max(100_000).optional(),
  })
  .refine((b) => b.source !== undefined || b.path !== undefined, { message: "give `source` or `path`" });

/** POST /runs/ID/rerun — which part of the run to run again, and whether to compile its file anew. */
export const rerunBody = z.strictObject({
  failed: z.boolean().optional(),
  from: z.string().min(1).max(1000).optional(),
  reload: z.boolean().optional(),
  env: env.optional(),
});

/** POST /jobs — one job line, exactly as typed (`priority high after 12 $ ./x.sh`). */
export const submitLineBody = z.strictObject({
  line: z.string().min(1).max(64 * 1024),
  cwd: absPath.optional(),
  env: env.optional(),
  jobset: jobsetName.optional(),
});

export const priorityBody = z.strictObject({
  priority: z.union([z.enum(["high", "normal", "low"]), z.number().int().min(-1_000_000).max(1_000_000)]),
});

export const pjcBody = z.strictObject({
  /** null clears the limit: no global cap, or none for the jobset */
  pjc: z.number().int().min(1).max(100_000).nullable(),
  jobset: jobsetName.optional(),
});

export const capacityBody = z.strictObject({
  /** null = unlimited */
  capacity: z.number().int().min(0).max(1_000_000_000).nullable(),
});

export const pauseBody = z.strictObject({
  jobset: jobsetName.optional(),
});

/** Where a reference's set is taken from (see references.ts): a run `r5`, a jobset's latest run, or all history. */
const scopeFields = {
  run: z.string().min(1).max(20).optional(),
  jobset: jobsetName.optional(),
  all: z.enum(["0", "1", "true", "false"]).optional(),
};

/** POST /jobs/REF/ACTION query string: the scope of REF. */
export const scopeQuery = z.strictObject(scopeFields);

/** POST /prune — by age (a duration: "7d"), else by each jobset's retention; of one jobset, else all. */
export const pruneBody = z.strictObject({
  olderThan: z.string().min(1).max(100).optional(),
  jobset: jobsetName.optional(),
  dryRun: z.boolean().optional(),
});

/** GET /jobs query string. */
export const jobQuery = z.strictObject({
  ...scopeFields,
  runId: z.coerce.number().int().positive().optional(),
  state: z.enum(jobStates).optional(),
  afterId: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  /** a user reference (references.ts): "12", "#12", "r5", a name, a jobset, "failed", "all", a state — in the scope of run/jobset/all */
  ref: z.string().min(1).optional(),
  /** only the newest N matching jobs (still oldest first); not with afterId/limit */
  last: z.coerce.number().int().min(1).max(10_000).optional(),
  /** also answer `counts` per state and `total` of every matching job */
  counts: z.enum(["0", "1", "true", "false"]).optional(),
});

/** GET /runs query string: newest first; `limit` a page of at most N, `before` (a `next`) the page after. */
export const runQuery = z.strictObject({
  jobset: jobsetName.optional(),
  state: z.enum(["running", "success", "failed", "cancelled"]).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
  before: z.coerce.number().int().min(1).optional(),
});

/** GET /jobs/:id/log query string. */
export const logQuery = z.strictObject({
  follow: z.enum(["0", "1", "true", "false"]).optional(),
  /** last N lines of each stream; absent = everything */
  tail: z.coerce.number().int().min(0).max(1_000_000).optional(),
  stream: z.enum(["out", "err", "both"]).optional(),
  /** text: stderr lines prefixed "! "; ndjson: {stream, line} per line */
  format: z.enum(["text", "ndjson"]).optional(),
});
