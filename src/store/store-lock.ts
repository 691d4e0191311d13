// Who holds the store: a pid file beside the db, so that a second process
// gets one clear line naming the holder instead of LevelDB's lock error.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { UserError } from "../core/errors.js";

export const lockFileOf = (dbPath: string) => `${dbPath}.pid`;

export function writeHolder(dbPath: string): void {
  const what = process.argv.slice(1).map((a) => a.replace(/^.*\/(bin|dist)\//, "")).join(" ");
  // Written whole and renamed into place: a reader never sees it empty or half-written.
  const tmp = `${lockFileOf(dbPath)}.${process.pid}`;
  writeFileSync(tmp, `${process.pid} ${what}\n`);
  renameSync(tmp, lockFileOf(dbPath));
}

export function clearHolder(dbPath: string): void {
  try {
    if (readFileSync(lockFileOf(dbPath), "utf8").startsWith(`${process.pid} `)) rmSync(lockFileOf(dbPath));
  } catch {
    // already gone: nothing to clear
  }
}

/** True for LevelDB's "another process holds the lock" failure. */
export function isLockedError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === "LEVEL_DATABASE_NOT_OPEN" && e.cause?.code === "LEVEL_LOCKED";
}

export function lockedError(dbPath: string): UserError {
  let holder = "another process";
  try {
    const [pid, ...what] = readFileSync(lockFileOf(dbPath), "utf8").trim().split(" ");
    // An empty or half-written file (its holder is writing it right now) names nobody.
    if (pid !== undefined && /^\d+$/.test(pid)) holder = `process ${pid}${what.length ? ` (${what.join(" ")})` : ""}`;
  } catch {
    // no pid file: an older or foreign holder
  }
  return new UserError("locked", `the pll store ${dbPath} is in use by ${holder}; stop it or use another PLL_HOME`);
}
