// The two spawner programs — native (spawner.c) and Perl — driven directly
// through the Spawner class: both must start a job the same way (group,
// stdin, logs, cwd, environment, signal dispositions), report the same
// events, write the same status log, fail the same way, and outlive the
// engine to record the ends of their jobs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { findNative, findPerl, findSpawner, NATIVE_SPAWNER, PERL_SPAWNER, perlProgram, Spawner, type SpawnerProgram } from "../../src/exec/spawner.js";
import { waitFor, withTempHome } from "../helpers/home.js";

interface Ended {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawner with its events collected. */
function open(program: SpawnerProgram) {
  const started = new Map<number, number>();
  const ended = new Map<number, Ended>();
  const failed = new Map<number, string>();
  let lost = false;
  const spawner = new Spawner(program, {
    started: (id, pid) => started.set(id, pid),
    exited: (id, pid, code, signal) => ended.set(id, { pid, code, signal }),
    failed: (id, message) => failed.set(id, message),
    lost: () => (lost = true),
  });
  return { spawner, started, ended, failed, lost: () => lost };
}

const pgidOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[2]);

test("the native spawner is built by npm run build (CI has a C compiler)", { skip: !process.env.CI && !findNative() ? "no native spawner built here" : false }, () => {
  assert.ok(existsSync(NATIVE_SPAWNER), `${NATIVE_SPAWNER} exists`);
});

test("the Perl spawner is a file the build puts beside spawner.js, and it compiles", () => {
  assert.ok(existsSync(PERL_SPAWNER), `${PERL_SPAWNER} exists`);
  const perl = findPerl();
  assert.ok(perl, "perl is there (the Perl spawner's tests need it)");
  execFileSync(perl, ["-c", PERL_SPAWNER], { stdio: "pipe" }); // throws with perl's message if it does not compile
});

test("a host with neither spawner: pll refuses to start, in one line", () => {
  const nowhere = { native: "/nonexistent/pll-spawner", script: PERL_SPAWNER, perls: ["/nonexistent/perl"] };
  for (const choice of ["auto", "native", "perl"] as const) {
    assert.throws(() => findSpawner(choice, nowhere), (err: Error) => {
      assert.equal(err.name, "UserError");
      assert.ok(!err.message.includes("\n"), err.message);
      return true;
    });
  }
  assert.match((() => { try { findSpawner("auto", nowhere); } catch (e) { return (e as Error).message; } return ""; })(), /neither/);
  // With perl there but no native spawner, "auto" falls back to Perl; "native" does not.
  const perlOnly = { ...nowhere, perls: [findPerl()!] };
  assert.deepEqual(findSpawner("auto", perlOnly), perlProgram(findPerl()!, PERL_SPAWNER));
  assert.throws(() => findSpawner("native", perlOnly), /no native spawner was built/);
});

// Named, the native spawner must be there (a test for it must fail, not quietly run the Perl one).
const programs: [string, () => SpawnerProgram][] = [
  ["native", () => findSpawner("native")],
  ["perl", () => findSpawner("perl")],
];

for (const [name, find] of programs) {
  describe(`the ${name} spawner`, () => {
    let program: SpawnerProgram | undefined;
    // A missing program fails every test below with findSpawner's line.
    before(() => {
      program = find();
    });
    test("a job: /bin/sh -c in its own process group, stdin empty, output appended to its logs, cwd and variables set, status log written", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        const logs = path.join(dir, "logs");
        mkdirSync(logs);
        const work = path.join(dir, "work dir");
        mkdirSync(work);
        writeFileSync(path.join(logs, "1.out"), "earlier\n");
        const cmd = `echo "pwd=$(pwd)"; echo "v=$PLL_TEST_V home=$HOME"; cat; read -r _ _ _ _ pgid sid _ </proc/$$/stat; echo "pgid=$pgid pid=$$"; echo "sid=$sid" >&2; echo to-err >&2; exit 3`;
        s.spawner.launch({ jobId: 1, attempt: 2, cwd: work, out: path.join(logs, "1.out"), err: path.join(logs, "1.err"), status: path.join(logs, "status"), command: cmd, env: { PLL_TEST_V: "a=b c", HOME: "/nowhere" } });
        await waitFor(() => s.ended.get(1), "the job to end");
        s.spawner.close();
        const pid = s.started.get(1)!;
        assert.deepEqual(s.ended.get(1), { pid, code: 3, signal: null });
        assert.equal(readFileSync(path.join(logs, "1.out"), "utf8"), `earlier\npwd=${work}\nv=a=b c home=/nowhere\npgid=${pid} pid=${pid}\n`);
        // Not in the session of the terminal pll was started from (Ctrl-C there must not reach jobs directly).
        const [sidLine, ...errRest] = readFileSync(path.join(logs, "1.err"), "utf8").split("\n");
        const ourSid = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[3];
        assert.notEqual(sidLine, `sid=${ourSid}`);
        assert.equal(errRest.join("\n"), "to-err\n");
        const status = readFileSync(path.join(logs, "status"), "utf8").split("\n");
        assert.equal(status[0], `start 1 2 ${pid}`);
        assert.match(status[1]!, new RegExp(`^exit 1 2 3 (\\d{13})$`));
        const at = Number(status[1]!.split(" ")[4]);
        assert.ok(Math.abs(at - Date.now()) < 60_000, "the exit time is ms since the epoch");
      });
    });

    test("a signalled job: code 128+n and the signal; its group is its own, so a group kill reaches its children", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        s.spawner.launch({ jobId: 7, attempt: 1, cwd: dir, out: path.join(dir, "o"), err: path.join(dir, "e"), status: path.join(dir, "status"), command: "sleep 30 & sleep 30; wait", env: {} });
        const pid = await waitFor(() => s.started.get(7), "the job to start");
        assert.equal(pgidOf(pid), pid);
        process.kill(-pid, "SIGTERM");
        const end = await waitFor(() => s.ended.get(7), "the job to end");
        s.spawner.close();
        assert.equal(end.code, 128 + 15);
        assert.equal(end.signal, "SIGTERM");
      });
    });

    test("signals the spawner ignores are at their defaults in the job", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        // SIGPIPE is ignored in the spawner; a job writing to a closed pipe must die of it, as in a terminal.
        s.spawner.launch({ jobId: 2, attempt: 1, cwd: dir, out: path.join(dir, "o"), err: path.join(dir, "e"), status: path.join(dir, "status"), command: "sh -c 'kill -PIPE $$; sleep 5'; echo $?", env: {} });
        await waitFor(() => s.ended.get(2), "the job to end");
        s.spawner.close();
        assert.equal(readFileSync(path.join(dir, "o"), "utf8"), `${128 + 13}\n`);
      });
    });

    test("a missing cwd: a line on the job's stderr and exit 127; an unwritable log: exit 126", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        const gone = path.join(dir, "no-such-dir");
        s.spawner.launch({ jobId: 3, attempt: 1, cwd: gone, out: path.join(dir, "3.out"), err: path.join(dir, "3.err"), status: path.join(dir, "status"), command: "echo never", env: {} });
        s.spawner.launch({ jobId: 4, attempt: 1, cwd: dir, out: path.join(dir, "no-dir", "4.out"), err: path.join(dir, "4.err"), status: path.join(dir, "status"), command: "echo never", env: {} });
        await waitFor(() => s.ended.get(3) && s.ended.get(4), "both jobs to end");
        s.spawner.close();
        assert.equal(s.ended.get(3)!.code, 127);
        assert.equal(readFileSync(path.join(dir, "3.out"), "utf8"), "");
        assert.match(readFileSync(path.join(dir, "3.err"), "utf8"), new RegExp(`^pll: cannot enter ${gone}: No such file or directory\\n$`));
        assert.equal(s.ended.get(4)!.code, 126);
      });
    });

    test("many jobs in one write, with long commands and many variables, all start and end once", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        const env = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`PLL_T${i}`, "v".repeat(100)]));
        const long = `: ${"x".repeat(70_000)}; echo $PLL_T199 | wc -c`;
        for (let id = 1; id <= 300; id++)
          s.spawner.launch({ jobId: id, attempt: 1, cwd: dir, out: path.join(dir, `${id}.out`), err: path.join(dir, `${id}.err`), status: path.join(dir, "status"), command: id === 150 ? long : "true", env });
        await waitFor(() => s.ended.size === 300, "300 jobs to end", 60_000);
        s.spawner.close();
        assert.ok([...s.ended.values()].every((e) => e.code === 0));
        assert.equal(readFileSync(path.join(dir, "150.out"), "utf8"), "101\n");
        const lines = readFileSync(path.join(dir, "status"), "utf8").trim().split("\n");
        assert.equal(lines.filter((l) => l.startsWith("start ")).length, 300);
        assert.equal(lines.filter((l) => l.startsWith("exit ")).length, 300);
      });
    });

    test("300 small jobs in one write (one turn of the loop, many kilobytes of replies): each start and exit reported once, with its pid", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        for (let id = 1; id <= 300; id++)
          s.spawner.launch({ jobId: id, attempt: 1, cwd: dir, out: path.join(dir, `${id}.out`), err: path.join(dir, `${id}.err`), status: path.join(dir, "status"), command: "true", env: {} });
        await waitFor(() => s.ended.size === 300 && s.started.size === 300, "300 jobs to start and end", 60_000);
        s.spawner.close();
        for (const [id, e] of s.ended) {
          assert.equal(e.code, 0);
          assert.equal(s.started.get(id), e.pid, `job ${id}: the pid that started is the pid that exited`);
        }
      });
    });

    test("a job has no descriptor open but 0, 1 and 2; 5,000 variables reach it; a command too long to exec: 127 and a line on its stderr", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        const env = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`PLL_V${i}`, String(i)]));
        s.spawner.launch({ jobId: 1, attempt: 1, cwd: dir, out: path.join(dir, "1.out"), err: path.join(dir, "1.err"), status: path.join(dir, "status"), command: "ls /proc/$$/fd; echo $PLL_V4999", env });
        s.spawner.launch({ jobId: 2, attempt: 1, cwd: dir, out: path.join(dir, "2.out"), err: path.join(dir, "2.err"), status: path.join(dir, "status"), command: `: ${"y".repeat(200_000)}`, env: {} });
        await waitFor(() => s.ended.get(1) && s.ended.get(2), "both jobs to end");
        s.spawner.close();
        assert.equal(s.ended.get(1)!.code, 0, readFileSync(path.join(dir, "1.err"), "utf8"));
        const lines = readFileSync(path.join(dir, "1.out"), "utf8").trim().split("\n");
        const last = lines.pop();
        assert.deepEqual(lines.map(Number).sort((a, b) => a - b), [0, 1, 2], "the shell's open descriptors");
        assert.equal(last, "4999");
        assert.equal(s.ended.get(2)!.code, 127);
        assert.match(readFileSync(path.join(dir, "2.err"), "utf8"), /\S/, "the failed exec says why");
      });
    });

    test("a job stuck opening its log (a FIFO nobody reads, a hung mount) holds up only itself", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        const fifo = path.join(dir, "stuck.out");
        execFileSync("mkfifo", [fifo]);
        s.spawner.launch({ jobId: 1, attempt: 1, cwd: dir, out: fifo, err: path.join(dir, "1.err"), status: path.join(dir, "status"), command: "echo through", env: {} });
        s.spawner.launch({ jobId: 2, attempt: 1, cwd: dir, out: path.join(dir, "2.out"), err: path.join(dir, "2.err"), status: path.join(dir, "status"), command: "echo other", env: {} });
        let reader: number | undefined;
        try {
          await waitFor(() => s.ended.get(2), "the other job to run and end meanwhile");
          assert.equal(s.ended.has(1), false);
          reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
          await waitFor(() => s.ended.get(1), "the stuck job to go on once its log is open");
        } finally {
          // Whatever failed, a reader releases the stuck job (and a spawner stuck with it), so nothing is left behind.
          reader ??= openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
          await waitFor(() => s.ended.get(1), "the stuck job to end").catch(() => {});
          closeSync(reader);
          s.spawner.close();
        }
        assert.equal(s.ended.get(1)!.code, 0);
      });
    });

    test("with its engine gone (stdin closed), it still records the end of a running job, then exits", async () => {
      await withTempHome(async (dir) => {
        const s = open(program!);
        const go = path.join(dir, "go");
        s.spawner.launch({ jobId: 9, attempt: 1, cwd: dir, out: path.join(dir, "o"), err: path.join(dir, "e"), status: path.join(dir, "status"), command: `while [ ! -e ${go} ] && [ -d ${dir} ]; do sleep 0.02; done; exit 5`, env: {} });
        // (It also stops once the temporary home is gone: a failing test must not leave it looping.)
        const pid = await waitFor(() => s.started.get(9), "the job to start");
        s.spawner.close();
        writeFileSync(go, "");
        // The job's own process writes its start line (so the file may come a moment after "started"); the spawner its exit.
        const status = () => readFileSync(path.join(dir, "status"), { encoding: "utf8", flag: "a+" });
        const line = await waitFor(() => /^exit 9 1 5 \d+$/m.exec(status())?.[0], "the exit to be recorded");
        assert.ok(line);
        await waitFor(() => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        }, "the job to be gone");
        assert.equal(s.lost(), false);
      });
    });
  });
}
