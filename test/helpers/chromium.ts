// Test helper: Debian's headless `chromium`, driven over the DevTools protocol
// on a pipe (--remote-debugging-pipe: commands in on fd 3, answers and events
// out on fd 4, each a JSON message ended by NUL) — no npm dependency, no port.
// `withChromium` starts it in a process group of its own on a temporary
// profile and, however the test ends, kills that group by the browser's pid and
// waits for it to exit.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";

/** The chromium binary, or undefined when the machine has none. */
export function chromiumPath(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

type Params = Record<string, unknown>;

export interface Page {
  /** a DevTools command on this page's session */
  send<T = any>(method: string, params?: Params): Promise<T>;
  /** every URL the page asked for since it was opened */
  readonly requests: string[];
  /** exceptions the page's scripts threw, and console errors */
  readonly errors: string[];
  /** loads `url` and resolves once its load event has fired */
  navigate(url: string): Promise<void>;
  /** evaluates `expression` in the page (awaiting a promise) and returns its value as JSON */
  evaluate<T = any>(expression: string): Promise<T>;
  /** a PNG of the viewport */
  screenshot(): Promise<Buffer>;
}

export interface Browser {
  pid: number;
  newPage(width?: number, height?: number): Promise<Page>;
}

export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const bin = chromiumPath();
  if (!bin) throw new Error("no chromium on PATH (.ci/run installs Debian's chromium)");
  const profile = await mkdtemp(path.join(tmpdir(), "pll-chromium-"));
  const child = spawn(
    bin,
    [
      "--headless=new",
      "--remote-debugging-pipe",
      "--no-sandbox", // CI runs as root, where the sandbox refuses to start
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-4000)));
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; method: string }>();
  const listeners = new Set<(method: string, params: any, sessionId?: string) => void>();
  let buffered = Buffer.alloc(0);
  output.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
      const msg = JSON.parse(buffered.subarray(0, end).toString("utf8")) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown; sessionId?: string };
      buffered = buffered.subarray(end + 1);
      if (msg.id !== undefined) {
        const w = waiting.get(msg.id);
        waiting.delete(msg.id);
        if (msg.error) w?.reject(new Error(`${w.method}: ${msg.error.message}`));
        else w?.resolve(msg.result);
      } else if (msg.method) for (const l of listeners) l(msg.method, msg.params, msg.sessionId);
    }
  });
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error(`chromium exited during ${w.method}: ${stderr}`));
    waiting.clear();
  });
  const send = <R>(method: string, params: Params = {}, sessionId?: string): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject, method });
      input.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
    });

  const browser: Browser = {
    pid: child.pid!,
    async newPage(width = 1400, height = 1000) {
      const { targetId } = await send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
      const requests: string[] = [];
      const errors: string[] = [];
      let loaded: (() => void) | undefined;
      listeners.add((method, params, sid) => {
        if (sid !== sessionId) return;
        if (method === "Network.requestWillBeSent") requests.push(params.request.url);
        if (method === "Runtime.exceptionThrown") errors.push(params.exceptionDetails.exception?.description ?? params.exceptionDetails.text);
        if (method === "Runtime.consoleAPICalled" && params.type === "error") errors.push(params.args.map((a: { value?: unknown }) => String(a.value)).join(" "));
        if (method === "Page.loadEventFired") loaded?.();
      });
      const on = <R>(method: string, params?: Params) => send<R>(method, params, sessionId);
      await Promise.all([on("Page.enable"), on("Network.enable"), on("Runtime.enable")]);
      await on("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
      return {
        send: on,
        requests,
        errors,
        async navigate(url) {
          const load = new Promise<void>((resolve) => (loaded = resolve));
          const r = await on<{ errorText?: string }>("Page.navigate", { url });
          if (r.errorText) throw new Error(`navigate ${url}: ${r.errorText}`);
          await load;
        },
        async evaluate(expression) {
          const r = await on<{ result: { value: any }; exceptionDetails?: { text: string; exception?: { description?: string } } }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
          if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
          return r.result.value;
        },
        async screenshot() {
          const { data } = await on<{ data: string }>("Page.captureScreenshot", { format: "png" });
          return Buffer.from(data, "base64");
        },
      };
    },
  };
  try {
    return await fn(browser);
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL"); // the browser's whole group: its renderers and helpers too
    } catch {
      // already gone
    }
    await exited;
    await rm(profile, { recursive: true, force: true });
  }
}
