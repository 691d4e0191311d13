// Whether pll may use a home, decided as ssh decides for ~/.ssh. Someone who can
// change the home, or what leads to it, can make pll — perhaps root's — write
// where they like, or hand it their token. So the home must be yours and
// writable by nobody else; every directory and link on the way to it yours or
// root's, a directory others may write to only with the sticky bit (/tmp); and
// pll's own files and directories in it yours and not links (db/ and logs/ may
// be links to directories that pass the same test). Once that holds, nobody
// but you and root can change the home, so checking before use is enough; the
// files pll writes there are still opened without following links, for
// anything planted before the home became yours.
import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import path from "node:path";
import { HomeError, homePaths } from "./home.js";

export interface HomeCheck {
  /** create the home (0700), and any missing directory on the way; else a missing home → false */
  create?: boolean;
  /** about to host an engine: make the home 0700, create db/ and logs/ (0700), and look inside them */
  engine?: boolean;
}

const uid = () => process.getuid!();
/** The sticky bit: in such a directory only an entry's owner may remove or rename it (not in Node's fs.constants). */
const S_ISVTX = 0o1000;
const modeOf = (st: Stats) => `0${(st.mode & 0o7777).toString(8)}`;
const LINK = "is a symbolic link, and pll does not write through links in its home; remove it";
/** What pll writes directly in a home; other names are left alone. */
const isPllFile = (name: string) => /^(server\.log|server\.pid|spawner\.pid|token|history|shell\.log|pll\.sock|db\.pid|db\.wal-\d+)$/.test(name);

/**
 * Checks (and with `create`, makes) the home; throws a HomeError whose message
 * names the path, what is wrong and how to fix it. False when the home does not
 * exist and `create` is off: no server can be running there.
 */
export function checkHome(home: string, opts: HomeCheck = {}): boolean {
  checkSocketFits(home);
  const refuse = (why: string): never => {
    throw new HomeError(home, "EUNSAFE", `refusing PLL_HOME ${home}: ${why}`);
  };
  const real = resolveTrusted(home, home, opts.create === true || opts.engine === true, refuse);
  if (real === undefined) return false;
  const its = real === home ? "" : `its target ${real} is `;
  const st = lstatSync(real);
  if (!st.isDirectory()) throw new HomeError(home, "ENOTDIR");
  if (st.uid !== uid()) refuse(`${its}owned by uid ${st.uid}, not you (uid ${uid()}); use a directory you own (chown it, or set PLL_HOME)`);
  if (st.mode & 0o022) refuse(`${its}writable by others (mode ${modeOf(st)}); chmod 700 ${real}`);

  for (const name of readdirSync(real)) {
    if (!isPllFile(name)) continue;
    const file = path.join(home, name);
    const f = lstatIfThere(file);
    if (f === undefined) continue;
    if (f.uid !== uid()) refuse(`${file} is owned by uid ${f.uid}, not you (uid ${uid()}); remove it`);
    if (f.isSymbolicLink()) refuse(`${file} ${LINK}`);
  }
  // Checked before any is made: a refused home is left as it was found.
  const missing = ["db", "logs"].filter((name) => !checkSubdir(home, name, opts.engine === true, refuse));
  if (opts.engine) {
    for (const name of missing) {
      mkdirOnce(path.join(home, name), home);
      checkSubdir(home, name, true, refuse);
    }
    // The socket lives here: a server's home is private, as one it creates is.
    if (st.mode & 0o077) chmodSync(real, 0o700);
  }
  return true;
}

/**
 * A unix socket's path holds at most 107 bytes (sun_path, with its NUL). A longer one made
 * the server fail to listen with a misleading EADDRINUSE, after it had made its home and
 * store: so a home whose socket cannot fit is refused before anything is made.
 */
export const SOCKET_PATH_MAX = 107;

function checkSocketFits(home: string): void {
  const socket = homePaths(home).socket;
  const bytes = Buffer.byteLength(socket);
  if (bytes > SOCKET_PATH_MAX) {
    throw new HomeError(home, "ENAMETOOLONG", `PLL_HOME ${home} is too long: its socket ${socket} would be ${bytes} bytes, and a unix socket's path holds at most ${SOCKET_PATH_MAX}; use a shorter PLL_HOME`);
  }
}

/** db/ or logs/ in the home: false if missing, else it must be a directory of yours that only you can change. */
function checkSubdir(home: string, name: string, lookInside: boolean, refuse: (why: string) => never): boolean {
  const dir = path.join(home, name);
  if (lstatIfThere(dir) === undefined) return false;
  const realDir = resolveTrusted(dir, home, false, refuse);
  if (realDir === undefined) return false; // a link to nothing
  const shown = realDir === dir ? dir : `${dir} (a link to ${realDir})`;
  const d = lstatSync(realDir);
  if (!d.isDirectory()) refuse(`${shown} is not a directory; remove it`);
  if (d.uid !== uid()) refuse(`${shown} is owned by uid ${d.uid}, not you (uid ${uid()}); remove it (pll makes a new one)`);
  if (d.mode & 0o022) refuse(`${shown} is writable by others (mode ${modeOf(d)}); chmod 700 ${realDir}`);
  if (lookInside) checkInside(name, dir, realDir, refuse);
  return true;
}

/**
 * db/: LevelDB's few files, each yours and none a link. logs/: no run directory
 * a link (a run directory's owner is checked where a run first writes to it:
 * `makeOwnDir`; a home may hold thousands, too many to stat on every start).
 */
function checkInside(name: string, dir: string, realDir: string, refuse: (why: string) => never): void {
  for (const entry of readdirSync(realDir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (name === "logs") {
      if (entry.isSymbolicLink()) refuse(`${p} ${LINK}`);
      continue;
    }
    const st = lstatIfThere(p);
    if (st === undefined) continue; // LevelDB removed it meanwhile
    if (st.uid !== uid()) refuse(`${p} is owned by uid ${st.uid}, not you (uid ${uid()}); remove it`);
    if (st.isSymbolicLink()) refuse(`${p} ${LINK}`);
  }
}

/**
 * Follows `p` from / one name at a time, as the kernel would, checking each
 * directory it looks in (yours or root's — checked as a name on the way — and
 * not writable by others unless sticky) and each link it follows (yours or
 * root's); with `create`, makes missing directories 0700. Returns the real path
 * (its type, owner and mode are the caller's to judge), or undefined if missing.
 * Not `mkdir -p` with `{ recursive: true }`: that never returns on some paths
 * in Node 20 (/proc/nope).
 */
function resolveTrusted(p: string, home: string, create: boolean, refuse: (why: string) => never): string | undefined {
  const pending = path.resolve(p).split(path.sep).filter(Boolean);
  let at: string = path.sep;
  let atStat = lstatSync(at);
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === ".") continue;
    if (name === "..") {
      at = path.dirname(at);
      atStat = lstatSync(at);
      continue;
    }
    if (atStat.mode & 0o022 && !(atStat.mode & S_ISVTX)) {
      refuse(`${at} is writable by others (mode ${modeOf(atStat)}) without the sticky bit, so they could swap the home for theirs; use a home in a directory only you (or root) can change`);
    }
    const next = path.join(at, name);
    let st = lstatIfThere(next, home);
    if (st === undefined) {
      if (!create) return undefined;
      mkdirOnce(next, home);
      st = lstatSync(next);
    }
    const last = pending.length === 0 && !st.isSymbolicLink();
    if (!last && st.uid !== uid() && st.uid !== 0) {
      refuse(`${next} is owned by uid ${st.uid}, who could swap the home for theirs; use a home whose every directory and link is yours (or root's)`);
    }
    if (st.isSymbolicLink()) {
      if (++links > 40) throw new HomeError(home, "ELOOP");
      const target = readlinkSync(next);
      pending.unshift(...target.split(path.sep).filter(Boolean));
      if (path.isAbsolute(target)) {
        at = path.sep;
        atStat = lstatSync(at);
      }
      continue;
    }
    if (!last && !st.isDirectory()) throw new HomeError(home, "ENOTDIR");
    at = next;
    atStat = st;
  }
  return at;
}

function lstatIfThere(p: string, home?: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    if (code === "ENOENT") return undefined;
    if (home === undefined) throw err;
    throw new HomeError(home, code);
  }
}

/** mkdir 0700 without -p; one already there (a racing pll) is fine, its owner is checked after. */
function mkdirOnce(dir: string, home: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    if (code !== "EEXIST") throw new HomeError(home, code);
  }
}

/**
 * A directory of pll's inside a checked home (logs/<run>/): made 0700, or if it
 * is there, a directory of yours and not a link. For whoever writes there first.
 */
export function makeOwnDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const st = lstatSync(dir);
  const refuse = (why: string): never => {
    throw new HomeError(dir, "EUNSAFE", `refusing ${dir}: ${why}`);
  };
  if (st.isSymbolicLink()) refuse(LINK);
  if (!st.isDirectory()) refuse("not a directory; remove it");
  if (st.uid !== uid()) refuse(`owned by uid ${st.uid}, not you (uid ${uid()}); remove it`);
}

export type FileUse = "append" | "create" | "read";

const FLAGS: Record<FileUse, number> = {
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
  read: constants.O_RDONLY,
};

/**
 * Opens one of pll's files in a home without following a link (O_NOFOLLOW) or
 * waiting on a FIFO (O_NONBLOCK), and makes sure it is a regular file of yours
 * with a single name (a hard link would make it another file too). New files
 * are 0600. Throws a HomeError otherwise; ENOENT (read) and EEXIST (create)
 * are passed on as they are. `what` names the file in messages.
 */
export function openHomeFile(file: string, use: FileUse, what = file): { fd: number; stat: Stats } {
  const refuse = (why: string): never => {
    throw new HomeError(file, "EUNSAFE", `refusing ${what}: ${why}`);
  };
  let fd: number;
  try {
    fd = openSync(file, FLAGS[use] | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") refuse(`it ${LINK}`);
    if (code === "ENXIO") refuse("not a regular file; remove it"); // a FIFO nobody reads
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) refuse("not a regular file; remove it");
    if (stat.uid !== uid()) refuse(`owned by uid ${stat.uid}, not you (uid ${uid()}); remove it`);
    if (stat.nlink !== 1) refuse(`it has ${stat.nlink} names (hard links), so writing it would write another file too; remove it`);
    return { fd, stat };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The text of one of pll's files in a home, read as `openHomeFile` opens it; undefined if there is none. */
export function readHomeFile(file: string, what = file): string | undefined {
  let opened: { fd: number };
  try {
    opened = openHomeFile(file, "read", what);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return readFileSync(opened.fd, "utf8");
  } finally {
    closeSync(opened.fd);
  }
}
