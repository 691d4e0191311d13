// Builds the start-up snapshot, dist/pll.blob, at the end of `npm run build`:
//   1. esbuild bundles src/snapshot/entry.ts (compiled, in dist/) and every
//      module it reaches into dist/pll-snapshot.cjs, a single CommonJS script
//      (a snapshot is built from one script, not from ES modules);
//   2. `node --build-snapshot` runs it and saves the heap in dist/pll.blob;
//   3. the blob is tried (`pll version` from it) before it replaces the last one;
//   4. dist/pll.blob.id records where the package is and which node built the
//      blob. bin/pll starts from the blob only when both still match: a blob
//      loads only in the node binary that made it, and it holds this
//      directory's paths.
// Why: on the 2-core bench VM a `pll` command spent ≈ 250 ms loading and
// evaluating its modules (the Chevrotain parser's self-analysis alone ≈ 50 ms)
// before doing anything; from the snapshot it starts with them loaded.
//
// Anything that goes wrong here is a note, not a failed build: bin/pll then
// runs dist/src/main.js as before, a little slower to start.
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Physical, as bin/pll finds it (`pwd -P`).
const root = realpathSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.."));
const dist = path.join(root, "dist");
const bundle = path.join(dist, "pll-snapshot.cjs");
const blob = path.join(dist, "pll.blob");
const idFile = path.join(dist, "pll.blob.id");

// Loaded from node_modules when used, not bundled: packages that require files by
// computed names (blessed), and one required lazily by path (cron-parser).
const EXTERNAL = ["blessed", "blessed-contrib", "cron-parser"];

/** The line bin/pll compares with dist/pll.blob.id: the package's directory, and the size and mtime of the node binary. */
const IDENTITY_SCRIPT = 'node=$(stat -L -c "%s %Y" "$2") && printf "%s %s\\n" "$1" "$node"';

function note(why: string): never {
  process.stderr.write(`pll: no start-up snapshot (${why}): pll starts from dist/src/main.js instead\n`);
  for (const f of [blob, idFile, `${blob}.tmp`]) rmSync(f, { force: true });
  process.exit(0);
}

async function bundleEntry(): Promise<void> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    note("esbuild is not installed");
  }
  const builtins = new Set(builtinModules);
  const chevrotainBundle = path.join(path.dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "chevrotain.mjs");
  const out = await esbuild.build({
    entryPoints: [path.join(dist, "src/snapshot/entry.js")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    external: EXTERNAL,
    define: { __PLL_ROOT__: JSON.stringify(root) },
    // A script started from a snapshot has no loader for import(): every one becomes a require().
    supported: { "dynamic-import": false },
    logLevel: "error",
    // Externals are required from the package's node_modules when first used: at build time a
    // snapshot may require only Node's own modules, so a module evaluated then gets a stand-in.
    banner: {
      js: [
        `var __pllRequire = (id) => require("node:module").createRequire(${JSON.stringify(path.join(root, "package.json"))})(id);`,
        `var __pllLazy = (id) => { let m; return new Proxy({}, { get: (_, k) => (m ??= __pllRequire(id))[k] }); };`,
        `var __pllExternal = (id) => (require("node:v8").startupSnapshot.isBuildingSnapshot() ? __pllLazy(id) : __pllRequire(id));`,
      ].join("\n"),
    },
    plugins: [
      {
        name: "pll-snapshot",
        setup(build) {
          // grammar/chevrotain.js picks Chevrotain's single-file bundle with a top-level await, which CommonJS cannot hold.
          build.onLoad({ filter: /[\\/]dist[\\/]grammar[\\/]chevrotain\.js$/ }, () => ({
            contents: `export * from ${JSON.stringify(chevrotainBundle)};`,
            loader: "js",
          }));
          // LevelDB's JavaScript is bundled (and evaluated in the snapshot); its native addon, which a
          // snapshot cannot hold, is loaded from node_modules at the first call into it.
          build.onLoad({ filter: /[\\/]node_modules[\\/]classic-level[\\/]binding\.js$/ }, (args) => ({
            contents: `module.exports = __pllLazy(${JSON.stringify(args.path)});`,
            loader: "js",
          }));
          // import.meta.url means the compiled module's own place in dist/, as it would without the bundle.
          build.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => ({
            contents: readFileSync(args.path, "utf8").replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
            loader: "js",
            resolveDir: path.dirname(args.path),
          }));
        },
      },
    ],
  });
  const text = out.outputFiles[0]!.text.replace(/\brequire\("([^"]+)"\)/g, (call, id: string) =>
    id.startsWith("node:") || builtins.has(id) ? call : `__pllExternal(${JSON.stringify(id)})`,
  );
  writeFileSync(bundle, text);
}

try {
  await bundleEntry();
} catch (err) {
  // esbuild without its platform binary (npm ci --omit=optional), or any bundling error.
  note(`bundling failed: ${(err as Error).message.split("\n")[0]}`);
}
// A blob loads only under the V8 flags it was built with, so it is built with none (NODE_OPTIONS
// may carry some: bin/pll does not use the blob while NODE_OPTIONS is set), and in a bare
// environment: nothing a module reads while loading (chalk: FORCE_COLOR, TERM) comes from the build's.
const bare = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const built = spawnSync(process.execPath, ["--snapshot-blob", `${blob}.tmp`, "--build-snapshot", bundle], { cwd: dist, encoding: "utf8", env: bare });
// Node warns about built-in modules it has not verified in snapshots (tty, child_process): pll's use of them is tested.
if (built.status !== 0) note(`building it failed:\n${built.stderr.trim()}`);
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
const tried = spawnSync(process.execPath, ["--snapshot-blob", `${blob}.tmp`, "--", "version"], { encoding: "utf8", env: bare });
if (tried.status !== 0 || tried.stdout !== `pll ${version}\n`) note(`it does not run: ${tried.stderr.trim() || tried.stdout.trim()}`);
const id = spawnSync("sh", ["-c", IDENTITY_SCRIPT, "sh", root, process.execPath], { encoding: "utf8" });
if (id.status !== 0) note("cannot stat the node binary");
renameSync(`${blob}.tmp`, blob);
writeFileSync(idFile, id.stdout);
