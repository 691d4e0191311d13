// TCP access control: the bearer token (given, or generated once into
// $PLL_HOME/token with mode 0600), its constant-time check, and which listen
// addresses count as loopback. The unix socket needs none of this: its
// directory and mode already restrict it to the user.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, readFileSync, type Stats, unlinkSync, writeSync } from "node:fs";
import { isIP } from "node:net";
import { HomeError } from "../home.js";
import { openHomeFile } from "../home-check.js";

/**
 * The token to require: the given one (PLL_TOKEN or --token), else the saved
 * one, else a new one saved with mode 0600. A token file is trusted only as pll
 * would have made it (`readTokenFile`); anything else throws a HomeError.
 */
export function loadOrCreateToken(tokenFile: string, given?: string): { token: string; created: boolean } {
  if (given !== undefined && given.trim() !== "") return { token: given.trim(), created: false };
  const saved = readTokenFile(tokenFile);
  if (saved !== undefined && saved !== "") return { token: saved, created: false };
  if (saved === "") unlinkSync(tokenFile); // ours, but empty (a full disk): make it anew
  const token = randomBytes(32).toString("hex");
  // Exclusively: a file that appeared meanwhile is not ours to overwrite (EEXIST).
  const { fd } = openHomeFile(tokenFile, "create", `the token file ${tokenFile}`);
  try {
    writeSync(fd, token + "\n");
  } finally {
    closeSync(fd);
  }
  return { token, created: true };
}

/**
 * The saved token, trimmed; undefined when there is no file. A file that is a
 * link, not a regular file, not yours or open to others was not made by pll:
 * whoever planted it would know the token, so it is refused (HomeError).
 */
export function readTokenFile(tokenFile: string): string | undefined {
  const what = `the token file ${tokenFile}`;
  let opened: { fd: number; stat: Stats };
  try {
    opened = openHomeFile(tokenFile, "read", what); // checks the type and the owner
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const { mode } = opened.stat;
    if (mode & 0o077) {
      throw new HomeError(tokenFile, "EUNSAFE", `refusing ${what}: readable or writable by others (mode 0${(mode & 0o7777).toString(8)}); chmod 600 it, or remove it for a new one`);
    }
    return readFileSync(opened.fd, "utf8").trim();
  } finally {
    closeSync(opened.fd);
  }
}

/**
 * Compares `Authorization: Bearer …` with the token in constant time. Both sides
 * are hashed first so that neither their lengths nor their prefixes leak.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  const given = m?.[1] ?? "";
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b) && m !== null;
}

/** "127.0.0.1:8080" / "[::1]:8080" / "localhost:8080" → host and port; a value error otherwise. */
export function parseListen(spec: string): { host: string; port: number } | { error: string } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec.trim());
  if (!m) return { error: `--listen expects HOST:PORT (e.g. 127.0.0.1:7070), got '${spec}'` };
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65535) return { error: `--listen: port ${port} is out of range` };
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1" || /^::ffff:127\./i.test(host);
  return false;
}
