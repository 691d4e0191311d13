// Parse errors worded for people: "expected X, found Y" with the labels the
// tokens carry (`>` , "a name", "the end of the line"), never token class names.
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";

export function describeToken(t: IToken | undefined): string {
  if (!t || t.tokenType === EOF) return "the end of the file";
  if (t.image === "" || /^\r?\n$/.test(t.image)) return "the end of the line";
  const image = t.image.length > 30 ? `${t.image.slice(0, 27)}…` : t.image;
  return `\`${image}\``;
}

const label = (t: TokenType): string => t.LABEL ?? t.name;

function oneOf(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/** What the rule was reading, for messages like "after `timeout`". */
function context(previous: IToken | undefined): string {
  if (!previous || previous.tokenType === EOF || previous.image === "" || /\n/.test(previous.image)) return "";
  return ` after ${describeToken(previous)}`;
}

/** What a modifier's value should look like, by rule: more useful than "a name or a number". */
const VALUE_OF: Record<string, string> = {
  priorityMod: "`high`, `normal`, `low` or a whole number",
  everyMod: "a duration (e.g. 30s, 5m, 1h30m)",
  timeoutMod: "a duration (e.g. 30s, 5m, 1h30m)",
  freshMod: "a duration (e.g. 30s, 5m, 1h30m)",
  cronMod: 'a quoted cron expression (e.g. "0 2 * * *")',
  atMod: 'a quoted date and time (e.g. "2026-12-01 02:00")',
  tzMod: 'a time zone (e.g. "Europe/Berlin")',
  overlapMod: "`skip`, `queue`, `allow` or `replace`",
  catchupMod: "`none`, `once` or `all`",
  pjcMod: "a whole number",
  batchMod: "a whole number",
  unitsMod: "a whole number",
  roleMod: "a role name",
  cwdMod: "a directory",
  keepMod: "a duration (e.g. 30d), a number of runs (e.g. 100 runs) or `forever`",
};

function expectedValue(ruleName: string, previous: IToken | undefined): string | undefined {
  const prev = previous?.image;
  if (ruleName === "retryMod") return prev === "backoff" ? "a duration (e.g. 30s)" : prev === "retry" ? "a whole number" : undefined;
  if (ruleName === "expectMod" && prev === "expect") return "`time < DURATION` or `output < SIZE`";
  if (ruleName === "expectMod" && prev === "<") return "a duration (e.g. 30m) or a size (e.g. 10MB)";
  if (ruleName === "envMod" && prev === "env") return "a variable name (`env NAME=value`)";
  if (ruleName === "envMod" && prev === "=") return "a value (`env NAME=value` or `env NAME = value`)";
  if (ruleName === "forMod" && prev === "for") return "a variable name (`for x in a b c`)";
  return VALUE_OF[ruleName];
}

export const parseErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    const what = expectedValue(ruleName, previous) ?? label(expected);
    return `expected ${what}${context(previous)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, customUserDescription, ruleName }) {
    const expected = expectedValue(ruleName, previous) ?? customUserDescription ?? oneOf(expectedPathsPerAlt.flat().map((path) => label(path[0]!)));
    return `expected ${expected}${context(previous)}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, customUserDescription, ruleName }) {
    const expected = expectedValue(ruleName, previous) ?? customUserDescription ?? oneOf(expectedIterationPaths.map((path) => label(path[0]!)));
    return `expected ${expected}${context(previous)}, found ${describeToken(actual[0])}`;
  },
};
