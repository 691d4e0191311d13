// What each key does, by mode. In the command bar (the default) keys edit
// the line; Esc switches to the table, where single keys act on the
// selected job (r, k, +, -, /, ?, q) and any other character goes back to
// the command bar — so typing a command never fires a table key by accident,
// except the few table keys themselves.
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
  killSelected(): void;
  /** `report` of the selected job's run: writes the page and prints its path */
  reportSelected(): void;
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
  pageup: (m, p) => m.move(-p),
  pagedown: (m, p) => m.move(p),
  home: (m) => m.moveTo("first"),
  end: (m) => m.moveTo("last"),
};

export function handleKey(ch: string | undefined, key: KeyPress, model: ShellModel, ui: UiState, act: KeyActions): void {
  const name = key.name ?? "";
  // blessed reports Enter twice (as "enter" and "return"): act on one.
  if (name === "return") return;
  if (key.full === "C-c" || key.full === "C-d") return act.leave();
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
  if (ui.mode === "log") return logKey(ch, name, ui, act);
  return lineKey(ch, key, ui, act);
}

function tableKey(ch: string | undefined, name: string, model: ShellModel, ui: UiState, act: KeyActions): void {
  const move = name === "up" || name === "down" || name === "home" || name === "end" ? TABLE_MOVES[name] : undefined;
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
    case "k":
      return act.killSelected();
    case "R":
      return act.reportSelected();
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
  startTyping(ch, ui);
}

/** Any other character starts a command. */
function startTyping(ch: string | undefined, ui: UiState): void {
  if (ch && ch >= " " && ch !== "\x7f") {
    ui.mode = "command";
    ui.line.insert(ch);
  }
}

const PANE_SCROLLS: Record<string, (rows: number) => number | "start" | "end"> = {
  up: () => -1,
  down: () => 1,
  pageup: (rows) => -rows,
  pagedown: (rows) => rows,
  home: () => "start",
  end: () => "end",
};

function logKey(ch: string | undefined, name: string, ui: UiState, act: KeyActions): void {
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
  startTyping(ch, ui);
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
