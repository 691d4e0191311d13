// Test helpers: a temporary PLL_HOME per test, always removed afterwards.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repo root (tests run from dist/test/…, sources live beside dist/). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The pll executable. */
export const pllBin = path.join(repoRoot, "bin", "pll");

/** Run `fn` with a fresh temporary directory; removes it afterwards even when `fn` throws. */
export async function withTempHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(path.join(tmpdir(), "pll-test-"));
  try {
    return await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Poll `check` until it returns a truthy value or the deadline passes (no bare sleeps in tests). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Stops the background server serving `home`, if its pid file names one that runs: for the
 * `finally` of a test whose commands may have started one (autostart) before failing, when
 * the test never learnt its pid. Waits until it is gone: it writes its store as it stops.
 */
export async function stopServerOf(home: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(home, "server.pid"), "utf8").trim());
  } catch {
    return; // none started, or it stopped and removed the file
  }
  const running = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  };
  if (!(pid > 0) || !running()) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // gone meanwhile
  }
  await waitFor(() => !running(), `server ${pid} to stop`);
}
