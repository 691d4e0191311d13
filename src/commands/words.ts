// Splitting a command line into words the way a shell user expects
// ('single', "double" with \-escapes, backslash), and telling job lines apart:
// a job line has a word starting with `$` (`$ make`, `priority high $ ./x.sh`),
// which no command takes, so `retry 2 $ flaky.sh` is a job, not `retry`.
import { UsageError } from "./types.js";

export function isJobLine(line: string): boolean {
  return /(^|\s)\$/.test(line);
}

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unterminated ${quote === '"' ? "double" : "single"} quote`);
  if (inWord) words.push(word);
  return words;
}

/**
 * Quotes a word so that both splitWords and a POSIX shell give it back as one word,
 * unchanged (CLI argv → one line; a job line's arguments → its shell command).
 */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-][\w@%+=:,./#-]*$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The CLI's argv of a job line → the line, keeping argument boundaries: the words
 * before the first one with a `$` word (modifiers: `priority high`) as they are, that
 * one as written (`'$ make test'`, or `$` alone), and each argument after it quoted
 * for the shell (`pll '$' printf '[%s]\n' "a  b"` runs printf with two arguments).
 */
export function jobLineOfArgs(argv: string[]): string {
  const at = argv.findIndex(isJobLine);
  return [...argv.slice(0, at + 1), ...argv.slice(at + 1).map(quoteWord)].join(" ");
}
