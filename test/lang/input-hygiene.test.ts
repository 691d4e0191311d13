// What a .pll file may hold before the language reads it: a BOM is skipped, a
// binary file is one error, and no error writes raw control bytes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { compileFile, compileSource, formatDiagnostics } from "../../src/lang/index.js";
import { pllBin, withTempHome } from "../helpers/home.js";
import { errorOf, lines } from "./compile-fixture.js";

const execFileP = promisify(execFile);
const BOM = "\uFEFF";
/** C0 controls (newline apart), DEL and C1 controls: what must never reach a terminal raw. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

describe("a byte-order mark", () => {
  it("is skipped: the file compiles as without it", () => {
    const r = compileSource(`${BOM}jobset demo\na: $ echo a\n`, "bom.pll");
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.graph?.jobset, "demo");
  });

  it("does not count in positions: line 1 col 1 is the first real character", () => {
    assert.equal(errorOf(`${BOM}bogus $ x\n`), "1:1 `bogus` is not a modifier or keyword; a command starts with `$` (`$ bogus …`), a label ends with `:`");
  });

  it("is skipped in a file read from disk, and the caret lines up", () =>
    withTempHome(async (dir) => {
      const file = path.join(dir, "bom.pll");
      await writeFile(file, `${BOM}a: timeout 5x $ x\n`);
      const r = await compileFile(file);
      assert.equal(r.diagnostics.length, 1);
      const out = formatDiagnostics(r.diagnostics, r.source).split("\n");
      assert.equal(out[0], `${file}:1:12: error: invalid duration \`5x\` for \`timeout\`: use whole numbers with units ms, s, m, h, d or w, e.g. 30s, 5m, 1h30m, 2d`);
      assert.equal(out[1], "   1 | a: timeout 5x $ x");
      assert.equal(out[2], "     |            ^^");
    }));
});

describe("a binary file", () => {
  it("is one error, not a text file, for NUL bytes or invalid UTF-8", () =>
    withTempHome(async (dir) => {
      const nul = path.join(dir, "nul.pll");
      await writeFile(nul, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x00]));
      const bad = path.join(dir, "latin1.pll");
      await writeFile(bad, Buffer.from("a: $ echo caf\xe9\n", "latin1"));
      for (const file of [nul, bad]) {
        const r = await compileFile(file);
        assert.equal(r.graph, undefined);
        assert.equal(r.diagnostics.length, 1, formatDiagnostics(r.diagnostics, r.source));
        assert.match(r.diagnostics[0]!.message, /^not a text file: /);
      }
    }));

  it("given as text (stdin, the API) is one error too", () => {
    const r = compileSource("a: $ x\nb\0\0\0\x01\x02\n", "<stdin>");
    assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`), ["2:2 not a text file: it holds a NUL byte"]);
  });

  it("makes `pll check` print one line and exit 2", () =>
    withTempHome(async (dir) => {
      const bytes = Buffer.alloc(2000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37) % 256;
      await writeFile(path.join(dir, "blob.pll"), bytes);
      const r = await execFileP(pllBin, ["check", "blob.pll"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } }).then(
        (o) => ({ code: 0, ...o }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, "blob.pll: error: not a text file: it holds a NUL byte (byte 1)\n");
    }));
});

describe("control characters in errors", () => {
  it("are escaped in messages", () => {
    const [err] = compileSource('a: every 1h tz "\x1b[2J\x07" $ x\n', "t.pll").diagnostics;
    assert.ok(err);
    assert.doesNotMatch(err.message, RAW_CONTROL);
    assert.ok(err.message.includes("\\x1b[2J\\x07"), err.message);
  });

  it("never reach the terminal raw, in the message or the echoed line, and the caret still lines up", () => {
    const src = lines("a: $ x", 'b: every 1h tz "\x1b]0;pwned\x07" cwd \u009b31m after nope $ y');
    const out = formatDiagnostics(compileSource(src, "t\x1b.pll").diagnostics, src);
    assert.doesNotMatch(out, RAW_CONTROL);
    const rows = out.split("\n");
    const caret = rows.findIndex((r) => r.includes("unknown job or block `nope`")) + 2;
    assert.ok(rows[caret - 2]!.startsWith("t\\x1b.pll:2:"), rows[caret - 2]);
    const line = rows[caret - 1]!;
    assert.equal(rows[caret]!.indexOf("^"), line.indexOf("nope"));
  });
});
