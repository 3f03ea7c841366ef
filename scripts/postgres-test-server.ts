// Starts a throw-away PostgreSQL server from the machine's binaries (initdb/pg_ctl), for tests.
// As root (CI), PostgreSQL refuses to run, so the cluster is created and run as the `postgres`
// (else `nobody`) user through runuser. Run directly, it prints the URL and stops on Ctrl-C:
//   node --import tsx scripts/postgres-test-server.ts
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, serveUntilSignal, serviceUser } from "./test-server-support.js";

export interface PostgresTestServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** The folder holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim() !== "") return join(onPath.stdout.trim(), "..");
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, "bin");
    if (existsSync(join(bin, "initdb"))) return bin;
  }
  return undefined;
}

/**
 * Creates a cluster in a temporary folder and starts it on a free loopback port; `stop` removes it.
 * Returns undefined when PostgreSQL's binaries are not installed.
 * @example const pg = await startPostgresTestServer(); const db = await createPgDatabase(pg.url);
 */
export async function startPostgresTestServer(
  options: { settings?: Readonly<Record<string, string>> } = {},
): Promise<PostgresTestServer | undefined> {
  const bin = findPostgresBin();
  if (bin === undefined) return undefined;
  const user = serviceUser(["postgres", "nobody"], { create: "assaypg" });
  const dir = mkdtempSync(join(tmpdir(), "assay-pg-"));
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const run = (command: string, args: string[]): void => {
    const full =
      user === undefined
        ? [join(bin, command), ...args]
        : ["runuser", "-u", user.name, "--", join(bin, command), ...args];
    const result = spawnSync(full[0]!, full.slice(1), { encoding: "utf8" });
    if (result.status !== 0) {
      throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
    }
  };
  const data = join(dir, "data");
  run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "server.log"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off${Object.entries(
      options.settings ?? {},
    )
      .map(([key, value]) => ` -c ${key}=${value}`)
      .join("")}`,
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serveUntilSignal(
    await startPostgresTestServer(),
    "postgres-test-server: initdb not found (install postgresql, e.g. scripts/install-services.sh)",
  );
}
