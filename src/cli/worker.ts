// `pll worker`: see src/remote/worker-cli.ts.
export { WORKER_USAGE as USAGE, workerMain as main } from "../remote/worker-cli.js";
