// While the full screen is up, stderr must not reach the terminal.
import { closeSync, writeSync } from "node:fs";
import { openHomeFile } from "../home-check.js";

/**
 * Anything written to stderr while the screen is up (terminfo warnings on
 * TERM=screen*, listener errors) would scribble over the UI: it goes to a log
 * file in the home instead, opened as pll opens its files there (never through
 * a link). Returns the function that puts stderr back.
 */
export function divertStderr(file: string): () => void {
  const original = process.stderr.write;
  let fd: number | undefined;
  try {
    fd = openHomeFile(file, "append").fd;
  } catch {
    // Without the log, diagnostics are dropped: better than breaking the screen.
  }
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    try {
      if (fd !== undefined) writeSync(fd, typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    } catch {
      // Losing a diagnostic is better than breaking the screen.
    }
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stderr.write;
  return () => {
    process.stderr.write = original;
    if (fd !== undefined) closeSync(fd);
  };
}
