// The command bar's editing state: text, cursor, history browsing and Tab
// completion. Pure, so keys can be tested without a terminal.

export class CommandLine {
  text = "";
  cursor = 0;
  /** index into history while browsing with ↑/↓; history.length = the line being typed */
  private browsing: number;
  private draft = "";

  constructor(readonly history: string[] = []) {
    this.browsing = history.length;
  }

  insert(chars: string): void {
    this.text = this.text.slice(0, this.cursor) + chars + this.text.slice(this.cursor);
    this.cursor += chars.length;
  }

  backspace(): void {
    if (this.cursor === 0) return;
    this.text = this.text.slice(0, this.cursor - 1) + this.text.slice(this.cursor);
    this.cursor--;
  }

  deleteForward(): void {
    this.text = this.text.slice(0, this.cursor) + this.text.slice(this.cursor + 1);
  }

  /** Ctrl-W: the word before the cursor. */
  deleteWord(): void {
    const before = this.text.slice(0, this.cursor).replace(/\S+\s*$/, "");
    this.text = before + this.text.slice(this.cursor);
    this.cursor = before.length;
  }

  clear(): void {
    this.set("");
  }

  set(text: string): void {
    this.text = text;
    this.cursor = text.length;
  }

  left(): void {
    this.cursor = Math.max(0, this.cursor - 1);
  }

  right(): void {
    this.cursor = Math.min(this.text.length, this.cursor + 1);
  }

  home(): void {
    this.cursor = 0;
  }

  end(): void {
    this.cursor = this.text.length;
  }

  /** ↑: the previous history entry; the line being typed is kept to come back to. */
  up(): void {
    if (this.browsing === 0) return;
    if (this.browsing === this.history.length) this.draft = this.text;
    this.set(this.history[--this.browsing]!);
  }

  down(): void {
    if (this.browsing >= this.history.length) return;
    this.browsing++;
    this.set(this.browsing === this.history.length ? this.draft : this.history[this.browsing]!);
  }

  /** Enter: returns the line and records it (blank lines and repeats of the last entry are not recorded). */
  submit(): string {
    const line = this.text.trim();
    if (line && this.history.at(-1) !== line) this.history.push(line);
    this.browsing = this.history.length;
    this.draft = "";
    this.clear();
    return line;
  }

  /**
   * Tab: apply completion candidates for the text before the cursor. Candidates
   * may be whole lines or just the last word; one candidate is taken, several
   * are extended to their common prefix and returned to be listed.
   */
  complete(candidates: string[]): string[] {
    if (candidates.length === 0) return [];
    const before = this.text.slice(0, this.cursor);
    const wordStart = before.search(/\S*$/);
    const head = before.slice(0, wordStart);
    // A whole-line candidate repeats the words before the cursor; a word candidate does not.
    const lines = candidates.map((c) => (c.startsWith(head) ? c : head + c));
    const prefix = commonPrefix(lines);
    if (prefix.length > before.length) {
      const after = this.text.slice(this.cursor);
      const completed = lines.length === 1 && !prefix.endsWith(" ") && after === "" ? prefix + " " : prefix;
      this.text = completed + after;
      this.cursor = completed.length;
    }
    return lines.length > 1 ? lines.map((l) => l.slice(wordStart)) : [];
  }
}

export function commonPrefix(items: string[]): string {
  if (items.length === 0) return "";
  let prefix = items[0]!;
  for (const item of items) while (!item.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
