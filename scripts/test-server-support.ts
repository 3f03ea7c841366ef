// What the throw-away test servers (postgres-test-server.ts, clickhouse-cluster.ts) share: a free loopback port,
// the unprivileged user to run a server as when we are root, and the run-directly entry point.
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:net";

export interface ServiceUser {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

/**
 * A loopback TCP port that was free a moment ago (the OS picks it).
 * @example const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function lookupUser(name: string): ServiceUser | undefined {
  const id = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  return id.status === 0
    ? { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()), name }
    : undefined;
}

/**
 * When this process is root (CI), the first of `candidates` that exists, since database servers refuse to (or should
 * not) run as root; with `create`, that system user is added when none exists. Undefined when not root, or when no
 * candidate exists and there is nothing to create.
 * @example const user = serviceUser(["postgres", "nobody"], { create: "assaypg" });
 */
export function serviceUser(
  candidates: ReadonlyArray<string>,
  options: { create?: string } = {},
): ServiceUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of candidates) {
    const user = lookupUser(name);
    if (user !== undefined) return user;
  }
  if (options.create === undefined) return undefined;
  if (lookupUser(options.create) === undefined) {
    execFileSync("useradd", ["--system", "--no-create-home", options.create]);
  }
  return lookupUser(options.create);
}

/**
 * For a script run directly: prints the started server's URL and stops it on Ctrl-C or SIGTERM; when it could not
 * start (`undefined`), prints `missing` and exits 1.
 * @example if (import.meta.url === `file://${process.argv[1]}`) serveUntilSignal(await startX(), "x: not installed");
 */
export function serveUntilSignal(
  server: { readonly url: string; stop(): Promise<void> } | undefined,
  missing: string,
): void {
  if (server === undefined) {
    console.error(missing);
    process.exit(1);
  }
  console.log(server.url);
  // A daemonised server (pg_ctl) holds nothing open here: keep this process until a signal stops both.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  const stop = () => {
    clearInterval(keepAlive);
    void server.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
