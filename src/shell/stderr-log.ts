// While the full screen is up, stderr must not reach the terminal.
import { appendFileSync } from "node:fs";

/**
 * Anything written to stderr while the screen is up (terminfo warnings on
 * TERM=screen*, listener errors) would scribble over the UI: it goes to a log
 * file in the home instead. Returns the function that puts stderr back.
 */
export function divertStderr(file: string): () => void {
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    try {
      appendFileSync(file, chunk);
    } catch {
      // Losing a diagnostic is better than breaking the screen.
    }
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stderr.write;
  return () => {
    process.stderr.write = original;
  };
}
