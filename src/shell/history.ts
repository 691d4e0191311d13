// Command history kept across sessions: one line per entry in $PLL_HOME/history,
// read and appended without following a link (src/home-check.ts).
import { closeSync, writeSync } from "node:fs";
import { openHomeFile, readHomeFile } from "../home-check.js";

const KEPT = 1000;

export async function loadHistory(file: string): Promise<string[]> {
  try {
    const lines = (readHomeFile(file) ?? "").split("\n").filter((l) => l.trim() !== "");
    return lines.slice(-KEPT);
  } catch {
    // Unreadable, or not a file pll would have made: start empty rather than refuse to open the shell.
    return [];
  }
}

export async function appendHistory(file: string, line: string): Promise<void> {
  const { fd } = openHomeFile(file, "append");
  try {
    writeSync(fd, line.replace(/\n/g, " ") + "\n");
  } finally {
    closeSync(fd);
  }
}
