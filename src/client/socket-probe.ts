// Whether a live server answers on a unix socket (a stale socket file refuses), and which.
// node:http is loaded only by serverPid: `pll run` probes the socket on its way to starting jobs.
import net from "node:net";

const PROBE_TIMEOUT_MS = 5000;

export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** The pid of the server answering on the socket (GET /health), or undefined. */
export async function serverPid(socketPath: string): Promise<number | undefined> {
  const { default: http } = await import("node:http");
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: "/health", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        try {
          resolve((JSON.parse(body) as { pid?: number }).pid);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on("error", () => resolve(undefined));
    // A wedged server is as good as none here.
    req.setTimeout(PROBE_TIMEOUT_MS, () => req.destroy());
  });
}
