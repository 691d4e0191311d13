// Where a job's files live: $PLL_HOME/logs/<runId>/<jobId>.{out,err,hooks},
// and one status log per run (`logs/<runId>/status`) where the launcher
// records each attempt's start and exit — one file per run rather than per
// job, because creating files is the dearest part of starting a tiny job.
import path from "node:path";

export const runLogDir = (logsDir: string, runId: number) => path.join(logsDir, String(runId));
export const logPaths = (logsDir: string, runId: number, jobId: number) => {
  const base = path.join(runLogDir(logsDir, runId), String(jobId));
  return { out: `${base}.out`, err: `${base}.err` };
};
/** `logOut` minus `.out`, plus another extension: the hook log sits beside the output. */
export const sibling = (logOut: string, ext: string) => logOut.replace(/\.out$/, `.${ext}`);
/** The status log of the run a job's output belongs to. */
export const statusLogOf = (logOut: string) => path.join(path.dirname(logOut), "status");
