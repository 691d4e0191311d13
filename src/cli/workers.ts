// `pll workers`: see src/remote/worker-cli.ts.
export { WORKERS_USAGE as USAGE, workersMain as main } from "../remote/worker-cli.js";
