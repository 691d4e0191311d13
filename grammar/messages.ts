// Parse errors worded for people: "expected X, found Y" with the labels the
// tokens carry (`>` , "a name", "the end of the line"), never token class names.
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";

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

export const parseErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    return `expected ${label(expected)}${context(previous)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, customUserDescription }) {
    const expected = customUserDescription ?? oneOf(expectedPathsPerAlt.flat().map((path) => label(path[0]!)));
    return `expected ${expected}${context(previous)}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, customUserDescription }) {
    const expected = customUserDescription ?? oneOf(expectedIterationPaths.map((path) => label(path[0]!)));
    return `expected ${expected}${context(previous)}, found ${describeToken(actual[0])}`;
  },
};
