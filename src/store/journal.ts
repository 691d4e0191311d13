// The store's write-ahead journal: every write is one line appended to a
// file with a synchronous write(2) before the engine acts on it, and the lines
// are folded into LevelDB later, many writes in one batch.
//
// Why: a tick of a busy run records one or two job transitions. As its own
// LevelDB batch each cost ≈ 54 µs of the main thread plus a trip through
// libuv's thread pool (≈ 140 µs of pool CPU with its wake-ups) — on 2,000
// trivial jobs, ≈ 0.3 CPU-seconds that the jobs themselves needed. A journal
// line costs one write(2). A line is not fsynced (nor was LevelDB's log): a
// write survives the process being killed, not the machine losing power. A
// fold is synced before its file goes, so power loss cannot take both.
//
// Format: one JSON array per write, `[[key, value], [key]]` (a one-element
// pair deletes), each line complete and ending in "\n". Generations: writes
// go to `<db>.wal-<n>`; a fold switches to generation n+1, batches n's last
// value per key into LevelDB and then removes file n. Opening replays every
// generation left, in order, before anything reads the store. A line that a
// crash cut short is the last of its file and is skipped (it was never
// acknowledged, so nothing acted on it).
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/** key → JSON text of the value, or null for a deletion */
export type Entries = Map<string, string | null>;

const PREFIX = ".wal-";

/** The journal file of generation `gen` of the store at `dbPath`. */
export const journalFileName = (dbPath: string, gen: number) => `${dbPath}${PREFIX}${gen}`;

export function journalFiles(dbPath: string): { gen: number; file: string }[] {
  const dir = path.dirname(dbPath);
  const stem = path.basename(dbPath) + PREFIX;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(stem) && /^\d+$/.test(n.slice(stem.length)))
    .map((n) => ({ gen: Number(n.slice(stem.length)), file: path.join(dir, n) }))
    .sort((a, b) => a.gen - b.gen);
}

/** The entries of one journal file in order, later lines overriding earlier ones; a torn last line is skipped. */
export function readJournal(file: string, into: Entries): void {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const last = lines.pop(); // "" after a complete last line, else the torn rest of one
  if (last) process.emitWarning(`pll: skipped an unfinished last write in ${file} (${last.length} bytes)`);
  for (const line of lines) {
    if (!line) continue;
    let pairs: unknown;
    try {
      pairs = JSON.parse(line);
    } catch {
      // Only a failed write can leave this (truncated back when possible): it was never acknowledged.
      process.emitWarning(`pll: skipped an unreadable write in ${file}`);
      continue;
    }
    if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && typeof p[0] === "string" && p.length <= 2)) {
      process.emitWarning(`pll: skipped a write of an unknown shape in ${file}`);
      continue;
    }
    for (const pair of pairs as [string, unknown?][]) into.set(pair[0], pair.length > 1 ? JSON.stringify(pair[1]) : null);
  }
}

/** Encodes one write as a journal line. Values are JSON text already. */
export function journalLine(entries: [string, string | null][]): string {
  let s = "[";
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    if (i) s += ",";
    s += v === null ? `[${JSON.stringify(k)}]` : `[${JSON.stringify(k)},${v}]`;
  }
  return s + "]\n";
}

/** The file being appended to: one generation. */
export class JournalFile {
  private fd: number;
  /** bytes of complete lines in the file */
  size = 0;
  /** a failed append left part of a line that could not be cut off: append no more here */
  torn = false;

  readonly file: string;

  constructor(
    dbPath: string,
    readonly gen: number,
  ) {
    this.file = journalFileName(dbPath, gen);
    this.fd = openSync(this.file, "a");
  }

  /** Appends a line; on failure the file is cut back to its last complete line, or marked torn. */
  append(line: string): void {
    const bytes = Buffer.byteLength(line, "utf8");
    try {
      // The string goes down as it is (no Buffer per write); a short write, rare on a file, finishes from a Buffer.
      let off = writeSync(this.fd, line);
      if (off < bytes) {
        const buf = Buffer.from(line, "utf8");
        while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      }
    } catch (err) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        this.torn = true;
      }
      throw err;
    }
    this.size += bytes;
  }

  /** Closes the file; an error here is not worth failing a write for (what was written is kept or replayed). */
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // EBADF/EIO on a file being given up: nothing to do
    }
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}
