// Command history kept across sessions: one line per entry in $PLL_HOME/history.
import { appendFile, readFile } from "node:fs/promises";

const KEPT = 1000;

export async function loadHistory(file: string): Promise<string[]> {
  try {
    const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "");
    return lines.slice(-KEPT);
  } catch {
    // No history yet (or unreadable): start empty rather than refuse to open the shell.
    return [];
  }
}

export async function appendHistory(file: string, line: string): Promise<void> {
  await appendFile(file, line.replace(/\n/g, " ") + "\n", { mode: 0o600 });
}
