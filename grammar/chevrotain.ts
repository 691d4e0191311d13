// Chevrotain's runtime, loaded from its single-file ES bundle.
// The package's main entry pulls in lodash-es file by file (≈650 modules,
// ≈180 ms at every `pll` start); the bundle it ships beside it is the same
// library in one file (≈11 ms). Its package "exports" do not name the bundle,
// so it is found next to the resolved entry; the main entry is the fallback.
// Every value import of Chevrotain goes through here, so one copy is in use.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

type Chevrotain = typeof import("chevrotain");

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve("chevrotain"); // …/chevrotain/lib/src/api.js
    const bundle = path.join(path.dirname(entry), "..", "chevrotain.mjs");
    return (await import(pathToFileURL(bundle).href)) as Chevrotain;
  } catch {
    return import("chevrotain");
  }
}

const chevrotain = await load();
export const { createToken, Lexer, CstParser, EOF, createTokenInstance, createSyntaxDiagramsCode, generateCstDts } = chevrotain;
