import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandLine } from "../../src/shell/command-line.js";
import { handleKey, type KeyActions, type KeyPress } from "../../src/shell/keys.js";
import { ShellModel } from "../../src/shell/model.js";
import type { UiState } from "../../src/shell/render.js";

function setup() {
  const calls: string[] = [];
  const model = new ShellModel();
  const ui: UiState = { server: "", pane: { title: "", lines: [] }, mode: "command", line: new CommandLine(), pending: 0 };
  const record = (name: string) => (...args: unknown[]) => void calls.push([name, ...args].join(" "));
  const act: KeyActions = {
    submit: record("submit"), applyFilter: record("filter"), complete: record("complete"), showLog: record("log"),
    selectionMoved: record("moved"), retrySelected: record("retry"), killSelected: record("kill"), cancelSelected: record("cancel"), reportSelected: record("report"),
    toggleWorkers: record("workers"),
    interrupt: record("interrupt"), changePjc: record("pjc"),
    showHelp: record("help"), leave: record("leave"), pageRows: () => 5, paneRows: () => 3,
  };
  /** Feeds keys the way blessed reports them: printable characters, or named keys in <angle brackets>. */
  const press = (...keys: string[]) => {
    for (const k of keys) {
      if (k.startsWith("<M-")) {
        const name = k.slice(3, -1);
        handleKey(undefined, { name, full: `M-${name}`, meta: true }, model, ui, act);
      } else if (k.startsWith("<")) {
        const name = k.slice(1, -1);
        handleKey(undefined, { name, full: name } satisfies KeyPress, model, ui, act);
      } else for (const ch of k) handleKey(ch, { name: ch, full: ch }, model, ui, act);
    }
  };
  return { calls, ui, press, model };
}

test("typing a command never fires table keys, Enter submits it", () => {
  const { calls, press } = setup();
  press("retry 3 kill q", "<enter>", "<return>");
  assert.deepEqual(calls, ["submit retry 3 kill q"]);
});

test("after Esc, single keys act on the table; other characters are not typed, `:` goes back to the command bar", () => {
  const { calls, ui, press } = setup();
  press("<escape>", "r", "x", "c", "R", "w", "+", "-", "?", "<down>", "<enter>");
  assert.deepEqual(calls, ["retry", "kill", "cancel", "report", "workers", "pjc 1", "pjc -1", "help", "moved", "log"]);
  press("p");
  assert.equal(ui.mode, "table");
  assert.equal(ui.line.text, "");
  press(":", "pjc 6", "<enter>");
  assert.equal(calls.at(-1), "submit pjc 6");
});

test("j and k move the selection in the table (as ↓ and ↑ do)", () => {
  const { calls, ui, press } = setup();
  press("<escape>", "j", "k", "<up>", "<down>");
  assert.deepEqual(calls, ["moved", "moved", "moved", "moved"]);
  assert.equal(ui.mode, "table");
});

test("a question in the status line takes the next key: y does it, any other key does not", () => {
  const { calls, ui, press, model } = setup();
  let done = 0;
  const ask = () => (ui.confirm = { question: "kill #3 x?", yes: () => void done++, no: "#3 x not killed" });
  ask();
  press("n");
  assert.equal(done, 0);
  assert.equal(model.notices.at(-1)?.message, "#3 x not killed");
  ask();
  press("<C-c>");
  assert.deepEqual([done, calls], [0, []], "Ctrl-C answers no, and stops nothing else");
  ask();
  press("y");
  assert.equal(done, 1);
  assert.equal(ui.confirm, undefined);
});

test("/ opens the filter prompt; Enter applies it and returns to the table", () => {
  const { calls, ui, press } = setup();
  press("<escape>", "/", "errored", "<enter>");
  assert.deepEqual(calls, ["filter errored"]);
  assert.equal(ui.mode, "table");
});

test("Ctrl-C interrupts (never leaves); q in the table leaves", () => {
  const { calls, press } = setup();
  press("<C-c>", "<escape>", "<C-c>", "q");
  assert.deepEqual(calls, ["interrupt", "interrupt", "leave"]);
});

test("Esc and a key typed fast (reported as Meta+key) act as Esc, then the key", () => {
  const { calls, ui, press } = setup();
  press("<escape>", ":");
  assert.equal(ui.mode, "command");
  press("<M-r>");
  assert.deepEqual(calls, ["retry"]);
  assert.equal(ui.mode, "table");
});

test("↑ in the command bar recalls history, Tab asks for completion", () => {
  const { calls, ui, press } = setup();
  press("pjc 2", "<enter>", "<up>");
  assert.equal(ui.line.text, "pjc 2");
  press("<tab>");
  assert.equal(calls.at(-1), "complete");
});

test("Tab from the table gives the keys to the log pane: arrows scroll it, End follows again, Esc goes back", () => {
  const { ui, press } = setup();
  ui.pane = { title: "log", anchor: "bottom", lines: ["1", "2", "3", "4", "5", "6"].map((text) => ({ text })) };
  press("<escape>", "<tab>");
  assert.equal(ui.mode, "log");
  press("<up>", "<up>");
  assert.equal(ui.pane.scroll, 2);
  press("<pagedown>");
  assert.equal(ui.pane.scroll, 0);
  press("<home>");
  assert.equal(ui.pane.scroll, 3);
  press("<end>", "<escape>");
  assert.deepEqual([ui.pane.scroll, ui.mode], [0, "table"]);
});
