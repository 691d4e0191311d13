// Job lines typed in the shell: one job (one per `for` value), the client's cwd; the client's env is the run's
// (src/exec/job-env.ts), so a job's own `env` holds only its line's settings.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileJobLine } from "../../src/lang/index.js";

const opts = { cwd: "/home/ana/project", env: { HOME: "/home/ana", PATH: "/usr/bin" } };

function one(line: string, o: Parameters<typeof compileJobLine>[1] = opts) {
  const r = compileJobLine(line, o);
  assert.ok(r.graph, `errors: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  assert.equal(r.graph.jobs.length, 1);
  return { job: r.graph.jobs[0]!, graph: r.graph, afterRefs: r.afterRefs };
}

describe("shell job lines", () => {
  it("makes one job in the client's directory, its own env only its line's settings", () => {
    const { job, graph } = one("$ make test");
    assert.equal(job.command, "make test");
    assert.equal(job.name, "make");
    assert.equal(job.cwd, "/home/ana/project");
    assert.deepEqual(job.env, {});
    assert.equal(graph.jobset, "shell");
    assert.equal(graph.file, "<shell>");
    assert.equal(job.afterIds, undefined);
  });

  it("takes the jobset from the caller", () => {
    assert.equal(one("$ x", { ...opts, jobset: "adhoc" }).graph.jobset, "adhoc");
  });

  it("reads priority and job numbers to wait for", () => {
    const { job } = one("priority high after 12 $ ./x.sh");
    assert.equal(job.priority, 10);
    assert.deepEqual(job.afterIds, [12]);
    assert.equal(job.name, "x.sh");
  });

  it("returns names of existing jobs for the server to resolve", () => {
    const { job, afterRefs } = one("after #3, build, 4 $ ./deploy.sh");
    assert.deepEqual(job.afterIds, [3, 4]);
    assert.deepEqual(afterRefs, ["build"]);
    assert.deepEqual(job.deps, []);
  });

  it("reads retry, timeout, env and cwd modifiers", () => {
    const { job } = one("retry 2 timeout 5m env MODE=ci cwd sub $ ./flaky.sh");
    assert.deepEqual(job.retry, { count: 2, backoffMs: 0 });
    assert.equal(job.timeoutMs, 300_000);
    assert.deepEqual(job.env, { MODE: "ci" });
    assert.equal(job.cwd, "/home/ana/project/sub");
  });

  it("uses a label as the name", () => {
    assert.equal(one("build: $ make").job.name, "build");
  });

  it("makes one job per `for` value", () => {
    const r = compileJobLine("for f in a.txt b.txt $ gzip $f", opts);
    assert.deepEqual(r.graph?.jobs.map((j) => [j.name, j.env.f]), [["gzip.a.txt", "a.txt"], ["gzip.b.txt", "b.txt"]]);
  });

  it("may carry a schedule", () => {
    assert.equal(one("every 5m $ ./health.sh").graph.schedules[0]?.name, "shell/health.sh");
  });

  it("refuses a line that is not a job, with a position", () => {
    for (const line of ["pjc 6", "jobset x", "on failure $ x", "seq <"]) {
      const r = compileJobLine(line, opts);
      assert.equal(r.graph, undefined, line);
      assert.ok(r.diagnostics.length > 0 && r.diagnostics.every((d) => d.line === 1 && d.col >= 1 && d.file === "<shell>"), line);
    }
    assert.equal(compileJobLine("pjc 6", opts).diagnostics[0]?.message, "a job line is modifiers, then `$` and a command (e.g. `priority high $ make test`)");
  });

  it("reports mistakes like a file does", () => {
    const r = compileJobLine("priorty high $ x", opts);
    assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`), ["1:1 unknown modifier `priorty` — did you mean `priority`?"]);
  });
});
