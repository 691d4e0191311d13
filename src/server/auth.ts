// TCP access control: the bearer token (given, or generated once into
// $PLL_HOME/token with mode 0600), its constant-time check, and which listen
// addresses count as loopback. The unix socket needs none of this: its
// directory and mode already restrict it to the user.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";

/** The token to require: the given one, else the saved one, else a new one saved with mode 0600. */
export async function loadOrCreateToken(tokenFile: string, given?: string): Promise<{ token: string; created: boolean }> {
  if (given !== undefined && given.trim() !== "") return { token: given.trim(), created: false };
  try {
    const saved = (await readFile(tokenFile, "utf8")).trim();
    if (saved !== "") {
      await chmod(tokenFile, 0o600);
      return { token: saved, created: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const token = randomBytes(32).toString("hex");
  await writeFile(tokenFile, token + "\n", { mode: 0o600 });
  await chmod(tokenFile, 0o600);
  return { token, created: true };
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
