// Where a job's files live: $PLL_HOME/logs/<runId>/<jobId>.{out,err,status,hooks}.
import path from "node:path";

export const runLogDir = (logsDir: string, runId: number) => path.join(logsDir, String(runId));
export const logPaths = (logsDir: string, runId: number, jobId: number) => {
  const base = path.join(runLogDir(logsDir, runId), String(jobId));
  return { out: `${base}.out`, err: `${base}.err` };
};
/** `logOut` minus `.out`, plus another extension: the status and hook logs sit beside the output. */
export const sibling = (logOut: string, ext: string) => logOut.replace(/\.out$/, `.${ext}`);
