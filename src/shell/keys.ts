// What each key does, by mode. In the command bar (the default) keys edit
// the line; Esc switches to the table, where single keys act on the
// selected job (j/k move, r, x, c, w, +, -, /, ?, q) and only `:` goes back to
// the command bar — so a word typed in the table never fires keys it happens
// to spell. Destructive keys (x kill, c cancel) ask y/N in the status line.
// Ctrl-C stops what runs in the shell and never leaves it: `q` does.
import type { ShellModel } from "./model.js";
import { scrollPane } from "./panes.js";
import type { UiState } from "./render.js";

export interface KeyPress {
  name?: string;
  full?: string;
  ctrl?: boolean;
  meta?: boolean;
}

/** The effects keys ask for; the app carries them out. */
export interface KeyActions {
  submit(line: string): void;
  applyFilter(text: string): void;
  complete(): void;
  showLog(): void;
  selectionMoved(): void;
  retrySelected(): void;
  /** asks (ui.confirm) before killing the selected job */
  killSelected(): void;
  /** asks (ui.confirm) before cancelling the selected job */
  cancelSelected(): void;
  /** Ctrl-C: stop what runs (a `tail -f`, a `wait`), else clear the line; never leaves */
  interrupt(): void;
  /** `report` of the selected job's run: writes the page and prints its path */
  reportSelected(): void;
  /** `w`: the log pane shows the workers, or (shown) the selected job's log again */
  toggleWorkers(): void;
  changePjc(delta: number): void;
  showHelp(): void;
  leave(): void;
  pageRows(): number;
  /** rows of text the log pane shows */
  paneRows(): number;
}

const TABLE_MOVES: Record<string, (model: ShellModel, page: number) => void> = {
  up: (m) => m.move(-1),
  down: (m) => m.move(1),
  k: (m) => m.move(-1),
  j: (m) => m.move(1),
  pageup: (m, p) => m.move(-p),
  pagedown: (m, p) => m.move(p),
  home: (m) => m.moveTo("first"),
  end: (m) => m.moveTo("last"),
  g: (m) => m.moveTo("first"),
  G: (m) => m.moveTo("last"),
};

/** Said when a key does nothing where it was pressed. */
const KEYS_HINT = "`:` types a command, `?` lists the keys";

export function handleKey(ch: string | undefined, key: KeyPress, model: ShellModel, ui: UiState, act: KeyActions): void {
  const name = key.name ?? "";
  // blessed reports Enter twice (as "enter" and "return"): act on one.
  if (name === "return") return;
  // A question in the status line takes the next key: y does it, anything else (Ctrl-C too) does not.
  if (ui.confirm) return answer(ch, model, ui);
  if (key.full === "C-c") return act.interrupt();
  // PgUp/PgDn scroll the table whatever has the focus (but the log pane's own, when it has it).
  if ((name === "pageup" || name === "pagedown") && ui.mode !== "log") {
    TABLE_MOVES[name]!(model, act.pageRows());
    return act.selectionMoved();
  }
  // Esc then a key typed quickly arrives as Meta+key: treat it as exactly that, Esc then the key.
  if (key.meta && ui.mode !== "table" && name.length === 1) {
    ui.mode = "table";
    return tableKey(name, name, model, ui, act);
  }
  if (ui.mode === "table") return tableKey(ch, name, model, ui, act);
  if (ui.mode === "log") return logKey(ch, name, model, ui, act);
  return lineKey(ch, key, ui, act);
}

function answer(ch: string | undefined, model: ShellModel, ui: UiState): void {
  const { yes, no } = ui.confirm!;
  ui.confirm = undefined;
  if (ch === "y" || ch === "Y") yes();
  else model.notify("info", no);
}

function tableKey(ch: string | undefined, name: string, model: ShellModel, ui: UiState, act: KeyActions): void {
  const move = name === "pageup" || name === "pagedown" ? undefined : TABLE_MOVES[ch && ch.length === 1 ? ch : name];
  if (move) {
    move(model, act.pageRows());
    return act.selectionMoved();
  }
  if (name === "enter") return act.showLog();
  if (name === "tab") {
    ui.mode = "log";
    return;
  }
  if (name === "escape" || ch === ":") {
    ui.mode = "command";
    return;
  }
  switch (ch) {
    case "r":
      return act.retrySelected();
    case "x":
      return act.killSelected();
    case "c":
      return act.cancelSelected();
    case "R":
      return act.reportSelected();
    case "w":
      return act.toggleWorkers();
    case "+":
    case "=":
      return act.changePjc(1);
    case "-":
      return act.changePjc(-1);
    case "/":
      ui.mode = "filter";
      ui.line.clear();
      return;
    case "?":
      return act.showHelp();
    case "q":
      return act.leave();
  }
  unbound(ch, model);
}

/** A character that is no key here: say which keys there are (it is not typed into the command bar). */
function unbound(ch: string | undefined, model: ShellModel): void {
  if (ch && ch >= " " && ch !== "\x7f") model.notify("info", `\`${ch}\` does nothing here: ${KEYS_HINT}`);
}

const PANE_SCROLLS: Record<string, (rows: number) => number | "start" | "end"> = {
  up: () => -1,
  down: () => 1,
  k: () => -1,
  j: () => 1,
  pageup: (rows) => -rows,
  pagedown: (rows) => rows,
  home: () => "start",
  end: () => "end",
};

function logKey(ch: string | undefined, name: string, model: ShellModel, ui: UiState, act: KeyActions): void {
  const scroll = PANE_SCROLLS[name];
  if (scroll) return scrollPane(ui.pane, scroll(act.paneRows()), act.paneRows());
  if (name === "tab" || name === "escape") {
    ui.mode = "table";
    return;
  }
  if (ch === ":") {
    ui.mode = "command";
    return;
  }
  unbound(ch, model);
}

function lineKey(ch: string | undefined, key: KeyPress, ui: UiState, act: KeyActions): void {
  const line = ui.line;
  switch (key.full ?? key.name) {
    case "enter":
    case "linefeed": {
      const text = line.text;
      if (ui.mode === "filter") {
        line.clear();
        ui.mode = "table";
        return act.applyFilter(text);
      }
      return act.submit(line.submit());
    }
    case "escape":
      if (ui.mode === "filter") line.clear();
      ui.mode = "table";
      return;
    case "tab":
      return ui.mode === "command" ? act.complete() : undefined;
    case "up":
      return ui.mode === "command" ? line.up() : undefined;
    case "down":
      return ui.mode === "command" ? line.down() : undefined;
    case "left":
      return line.left();
    case "right":
      return line.right();
    case "home":
    case "C-a":
      return line.home();
    case "end":
    case "C-e":
      return line.end();
    case "backspace":
      return line.backspace();
    case "delete":
      return line.deleteForward();
    case "C-w":
      return line.deleteWord();
    case "C-u":
      return line.clear();
    case "C-l":
      return;
  }
  if (ch && !key.ctrl && !key.meta && ch >= " " && ch !== "\x7f") line.insert(ch);
}
