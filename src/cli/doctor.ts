// `pll doctor [--repair]`: checks the home's store — does it open, can every
// record be read, do its counters stand above every number the logs used —
// and with --repair mends what it can: a copy of the store is kept first
// (db.broken-<time>, with its journal files), LevelDB's own repair rebuilds
// its index from whatever tables and logs are left, and the counters are set
// above everything the logs hold, so no number (and no log file) is ever
// handed out twice. Records LevelDB could not save stay lost; the copy keeps
// the bytes for anyone who wants to dig.
import { cpSync, existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Level } from "level";
import { homePaths, pllHome } from "../home.js";
import { countersAbove, countersBehindLogs } from "../store/integrity.js";
import { journalFiles } from "../store/journal.js";
import { isLockedError } from "../store/store-lock.js";
import { Store } from "../store/store.js";
import { StoreError } from "../store/store-error.js";
import { UserError } from "../core/errors.js";

export const USAGE = `usage: pll doctor [--repair]
  checks the store in $PLL_HOME: it opens, every record reads, and its counters are above every run
  and job number the logs hold; exit 0 if so, 1 with what is wrong
  --repair  stop the server first; keeps a copy of the store (db.broken-TIME), rebuilds it with
            LevelDB's repair, and sets the counters above what the logs hold (no number is reused)`;

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function main(args: string[]): Promise<number> {
  let repair: boolean;
  try {
    const { values } = parseArgs({ args, options: { repair: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    repair = values.repair ?? false;
  } catch (err) {
    process.stderr.write(`pll doctor: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const home = pllHome();
  const paths = homePaths(home);
  if (!existsSync(paths.db)) {
    say(`pll doctor: no store in ${home} yet: nothing to check`);
    return 0;
  }
  return repair ? mend(paths) : check(paths);
}

async function check(paths: ReturnType<typeof homePaths>): Promise<number> {
  let store: Store;
  try {
    store = await Store.open(paths.db);
  } catch (err) {
    if (err instanceof UserError && err.kind === "locked") {
      say(`pll doctor: ${err.message}`);
      say("  it opened, so it reads; stop it (pll stop) to check it through");
      return 1;
    }
    return damaged(err);
  }
  try {
    const contents = await store.load();
    const behind = countersBehindLogs(contents.counters, paths.logs);
    if (behind) {
      say(`pll doctor: the store ${paths.db} ${behind}`);
      say("  repair it with `pll doctor --repair` (a copy is kept; no number will be reused)");
      return 1;
    }
    say(`pll doctor: the store ${paths.db} is sound: ${contents.runs.length} runs, ${contents.jobs.length} jobs, ${contents.schedules.length} schedules; next run ${contents.counters.nextRunId}, next job ${contents.counters.nextJobId}`);
    if (contents.prune) say(`  a prune of ${contents.prune.runs.length} runs was cut short; the next server (or pll run) finishes it before anything else`);
    return 0;
  } catch (err) {
    return damaged(err);
  } finally {
    await store.close();
  }
}

function damaged(err: unknown): number {
  if (!(err instanceof StoreError)) throw err;
  say(`pll doctor: ${err.message.replace(/ — nothing was changed.*$/, "")}`);
  say("  repair it with `pll doctor --repair` (stop the server first; a copy of the store is kept)");
  return 1;
}

async function mend(paths: ReturnType<typeof homePaths>): Promise<number> {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
  const copy = `${paths.db}.broken-${stamp}`;
  // Refuses while a server holds it: LevelDB's lock, taken by opening it.
  const probe = new Level(paths.db, { createIfMissing: false });
  try {
    await probe.open();
    await probe.close();
  } catch (err) {
    if (isLockedError(err)) {
      process.stderr.write(`pll doctor: the store ${paths.db} is in use (a server or a \`pll run\`): stop it first (pll stop)\n`);
      return 1;
    }
    // Damaged: exactly why we are here.
  }
  cpSync(paths.db, copy, { recursive: true });
  for (const f of journalFiles(paths.db)) cpSync(f.file, path.join(copy, path.basename(f.file)));
  say(`pll doctor: kept a copy of the store in ${copy}`);
  try {
    // `level` is classic-level on Node, whose static repair() its typings leave out.
    await (Level as unknown as { repair(location: string): Promise<void> }).repair(paths.db);
  } catch (err) {
    process.stderr.write(`pll doctor: LevelDB's repair failed: ${(err as Error).message}; the copy is in ${copy}\n`);
    return 1;
  }
  const store = await Store.open(paths.db, { reindex: true });
  try {
    const contents = await store.load();
    const fromRecords = {
      nextRunId: Math.max(contents.counters.nextRunId, ...contents.runs.map((r) => r.id + 1)),
      nextJobId: Math.max(contents.counters.nextJobId, ...contents.jobs.map((j) => j.id + 1)),
    };
    const counters = countersAbove(fromRecords, paths.logs);
    await store.write({ counters });
    say(`pll doctor: repaired: ${contents.runs.length} runs and ${contents.jobs.length} jobs read back; next run ${counters.nextRunId}, next job ${counters.nextJobId}`);
    return 0;
  } finally {
    await store.close();
  }
}
