// A small tmpfs of its own for a test that needs a full disk: mounted on a
// fresh temporary directory, unmounted and removed afterwards even when the
// test fails. Mounting needs root (CI runs as root); elsewhere the test is
// skipped with that reason rather than faked.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
export function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "mounting a small tmpfs needs root";
  return undefined;
}

export async function withTmpfs<T>(bytes: number, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "pll-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir]);
    try {
      return await fn(dir);
    } finally {
      execFileSync("umount", ["-l", dir]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fills the file system holding `dir` to the last byte; returns the filler's path (remove it to free the space). */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, "filler");
  execFileSync("sh", ["-c", `cat /dev/zero > '${filler}' 2>/dev/null; true`]);
  return filler;
}
