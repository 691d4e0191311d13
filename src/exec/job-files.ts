// Where a job's files live: $PLL_HOME/logs/<runId>/<jobId>.{out,err,hooks},
// and one status log per run (`logs/<runId>/status`) where the launcher
// records each attempt's start and exit — one file per run rather than per
// job, because creating files is the dearest part of starting a tiny job.
import path from "node:path";

export const runLogDir = (logsDir: string, runId: number) => path.join(logsDir, String(runId));
/** The log files of a job in its run's log directory (`runLogDir`, computed once per run: path.join is not free). */
export const logPaths = (runDir: string, jobId: number) => ({ out: `${runDir}/${jobId}.out`, err: `${runDir}/${jobId}.err` });
/** `logOut` minus `.out`, plus another extension: the hook log sits beside the output. */
export const sibling = (logOut: string, ext: string) => logOut.replace(/\.out$/, `.${ext}`);
/** The status log of the run a job's output belongs to. */
export const statusLogOf = (logOut: string) => `${logOut.slice(0, logOut.lastIndexOf("/"))}/status`;
