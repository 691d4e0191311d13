// Where a role job runs on its worker (issue 15): the worker's `--cwd DIR`
// stands for the directory of the job's jobset file on the server. A job's
// cwd inside that directory runs at the same place under DIR (`cwd build`
// in /home/ann/proj/t.pll → DIR/build); a cwd outside it (`cwd /scratch`)
// is a path of the machine, the same on the worker. A missing directory
// fails the job as it would locally: it never runs somewhere else.
import path from "node:path";
import type { RunRecord } from "../core/types.js";

/** The directory a run's jobs' cwds are relative to: its file's, else (stdin, the shell) its submitter's PWD. */
export function jobsetDir(run: Pick<RunRecord, "file" | "env"> | undefined): string | undefined {
  if (!run) return undefined;
  if (path.isAbsolute(run.file)) return path.dirname(run.file);
  const pwd = run.env?.PWD;
  return pwd && path.isAbsolute(pwd) ? pwd : undefined;
}

/** The job's cwd on the worker whose `--cwd` is `workerDir`, given the jobset's directory `base` on the server. */
export function workerCwd(jobCwd: string, base: string | undefined, workerDir: string): string {
  if (base === undefined) return workerDir;
  const rel = path.relative(base, jobCwd);
  if (rel === "") return workerDir;
  if (rel.startsWith("..") && (rel === ".." || rel.startsWith(`..${path.sep}`))) return jobCwd;
  if (path.isAbsolute(rel)) return jobCwd;
  return path.join(workerDir, rel);
}
