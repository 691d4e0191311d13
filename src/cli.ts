// argv → the module that serves that verb. Every entry exports
// `main(args: string[]): Promise<number>` and returns the exit code:
// 0 success, 1 a job or command failed, 2 usage or parse error, 3 server unreachable.

type Entry = () => Promise<{ main(args: string[]): Promise<number> }>;

const verbs: Record<string, Entry> = {
  check: () => import("./cmd/check.js"),
  graph: () => import("./cmd/graph.js"),
  run: () => import("./cmd/run.js"),
  serve: () => import("./cmd/serve.js"),
  start: () => import("./cmd/serve.js"),
  stop: () => import("./cmd/serve.js"),
  shell: () => import("./cmd/shell.js"),
};

async function main(argv: string[]): Promise<number> {
  const verb = argv[0];
  const entry = verb !== undefined ? verbs[verb] : undefined;
  // serve/start/stop share one module and need to know which verb they are.
  if (entry) return (await entry()).main(verb === "start" || verb === "stop" || verb === "serve" ? argv : argv.slice(1));
  // Everything else is a command of the one command language (pjc, retry, tail, help…).
  return (await import("./cmd/command.js")).main(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not a user mistake: say so plainly, with the stack for the report.
    process.stderr.write(`pll: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
