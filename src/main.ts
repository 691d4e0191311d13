// The CLI's entry as an ES module: what bin/pll runs when there is no start-up
// snapshot to run from (see src/snapshot/), and what `pll serve` runs in the background.
import { runCli, setV8Flags } from "./cli/verbs.js";

setV8Flags();
runCli(process.argv.slice(2));
