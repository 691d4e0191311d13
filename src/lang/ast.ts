// The .pll syntax tree: what was written, with positions, before any meaning
// is given to it (durations, scopes and names are checked in later passes).
import type { Span } from "./diagnostics.js";

export interface Word {
  text: string;
  span: Span;
  /** written in quotes (so never a keyword, a number or a glob) */
  quoted?: boolean;
}

type Simple<K extends string> = { kind: K; span: Span; value: Word };

export type Modifier =
  | Simple<"priority" | "every" | "cron" | "at" | "tz" | "overlap" | "catchup" | "pjc" | "batch" | "timeout" | "fresh" | "units" | "role" | "cwd">
  | { kind: "after"; span: Span; refs: Word[] }
  | { kind: "retry"; span: Span; value: Word; backoff?: Word }
  | { kind: "expect"; span: Span; what: Word; value: Word }
  | { kind: "env"; span: Span; name: Word; value: Word }
  | { kind: "for"; span: Span; name: Word; values: Word[] }
  | { kind: "keep"; span: Span; value: Word; unit?: Word };

export type ModifierKind = Modifier["kind"];

export interface CommandNode {
  text: string;
  /** the command text */
  span: Span;
  /** the `$` */
  dollar: Span;
}

export interface BlockNode {
  kind: "seq" | "par";
  /** the `seq`/`par` keyword or the `<` */
  span: Span;
  /** modifiers written after `seq`/`par` (`par batch 5 <`); they belong to the block like those before it */
  mods: Modifier[];
  lines: Line[];
}

export type Line =
  | { type: "jobset"; name: Word; span: Span }
  | { type: "hook"; event: Word; command: CommandNode; span: Span }
  | { type: "setting"; mods: Modifier[]; span: Span }
  | { type: "item"; label?: Word; mods: Modifier[]; body: { command: CommandNode } | { block: BlockNode }; span: Span };

export type ItemLine = Extract<Line, { type: "item" }>;
