// Connections to the queue's Redis (loaded only where one is used: ioredis is no part of a plain start).
import { Redis } from "ioredis";
import type { QueueConfig } from "./queue-url.js";

/**
 * A connection that retries for ever (BullMQ's workers need it so), kept in `conns` to be closed
 * by its owner: BullMQ leaves the connections it is given open. Errors go to `trouble`.
 */
export function connectQueue(queue: QueueConfig, conns: Redis[], trouble: () => void): Redis {
  const r = new Redis(queue.url, { maxRetriesPerRequest: null });
  r.on("error", trouble);
  conns.push(r);
  return r;
}
