// The queue a server dispatches `role` jobs through and its workers take
// them from (issue 15): a Redis URL, `redis://` or `rediss://` (TLS), from
// `--queue URL` or PLL_QUEUE. Whoever can write to that Redis can run
// commands on every worker, so a URL off loopback must carry a password (or
// an ACL user and password). `?ns=NAME` names the server's key space (default
// `pll`): every key pll writes starts with `pll:NAME:`, so that servers
// sharing one Redis never see each other's jobs.
import { UserError } from "../core/errors.js";
import { isLoopback } from "../server/auth.js";

export interface QueueConfig {
  /** the URL given to Redis, without pll's own `ns` parameter */
  url: string;
  /** every key's prefix: `pll:NS` */
  prefix: string;
  /** for messages: the URL without its password */
  shown: string;
}

/** Parses a queue URL; throws a usage error (one line) for one pll must refuse. */
export function parseQueueUrl(text: string, where: string): QueueConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError("usage", `${where}: not a URL: ${text.replace(/:[^:@/]*@/, ":***@")}`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new UserError("usage", `${where}: expected a redis:// or rediss:// URL, got ${url.protocol}//…`);
  const ns = url.searchParams.get("ns") ?? "pll";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(ns)) throw new UserError("usage", `${where}: ns must be 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(ns)}`);
  url.searchParams.delete("ns");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!url.password && !isLoopback(host)) {
    throw new UserError("usage", `${where}: refusing a Redis off loopback (${host}) without a password: whoever can write to the queue runs commands on the workers (redis://:PASSWORD@${host}:…)`);
  }
  const shown = new URL(url.href);
  if (shown.password) shown.password = "***";
  return { url: url.href, prefix: `pll:${ns}`, shown: shown.href };
}

/** `--queue URL`, else PLL_QUEUE, else none (role jobs then run on this machine). */
export function queueFrom(option: string | undefined): QueueConfig | undefined {
  if (option !== undefined) return parseQueueUrl(option, "--queue");
  const env = process.env.PLL_QUEUE;
  return env ? parseQueueUrl(env, "PLL_QUEUE") : undefined;
}

const ROLE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `a,b` → ["a","b"]; throws a usage error naming `where` for an empty or odd role. */
export function parseRoles(text: string, where: string): string[] {
  const roles = text.split(",").map((r) => r.trim());
  for (const r of roles) if (!ROLE.test(r)) throw new UserError("usage", `${where}: not a role name: ${JSON.stringify(r)}`);
  return roles;
}
