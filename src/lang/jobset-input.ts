// A jobset FILE argument, read one way by check, graph, run and load:
// `-` is stdin; a regular file is a file, whose jobs run in its directory; anything
// else — `<(gen.sh)` (/dev/fd/63), /dev/stdin, a FIFO — is read as text, and its jobs
// run in the caller's directory (a pipe's directory, /proc/PID/fd or /dev, means
// nothing). One that cannot be read is a usage error (exit 2), said the same way by all.
import { constants, fstatSync, type Stats } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../core/errors.js";

export interface JobsetInput {
  /** what messages name it by: the path as given, or `<stdin>` for `-` (the jobset is then named `stdin`) */
  label: string;
  /** the absolute path; none for `-` */
  path?: string;
  /** a regular file, which a server on this host can read itself */
  regular: boolean;
  /** where its jobs run unless the file says `cwd` */
  cwd: string;
  /** its bytes (stdin's, for `-`) */
  read(): Promise<Uint8Array>;
}

/** `arg` as given on a command line run in `cwd`; `stdin`: whether `-` may read this process's stdin. */
export async function jobsetInput(arg: string, cwd: string, opts: { stdin?: boolean } = {}): Promise<JobsetInput> {
  if (arg === "-") {
    if (opts.stdin === false) throw new UserError("usage", "`-` (stdin) loads only from the command line (`pll load -`): name a file");
    return { label: "<stdin>", regular: false, cwd, read: readStdin };
  }
  const file = path.resolve(cwd, arg);
  const cannot = (err: unknown) => new UserError("usage", `can't read ${arg}: ${why(err)}`);
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error(), { code: "EISDIR" });
    if (info.isFile()) await access(file, constants.R_OK);
    const regular = info.isFile();
    // Our own stdin by another name (/dev/stdin, /dev/fd/0) is read as stdin: when it is a socket, it cannot be opened.
    const ours = !regular && opts.stdin !== false && isStdin(info);
    return {
      label: arg,
      path: file,
      regular,
      cwd: regular ? path.dirname(file) : cwd,
      read: ours ? readStdin : () => readFile(file).catch((err: unknown) => Promise.reject(cannot(err))),
    };
  } catch (err) {
    throw cannot(err);
  }
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return code ?? (err as Error).message;
}

function isStdin(info: Stats): boolean {
  try {
    const fd0 = fstatSync(0);
    return fd0.dev === info.dev && fd0.ino === info.ino;
  } catch {
    return false;
  }
}

/** All of this process's stdin. */
export async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
