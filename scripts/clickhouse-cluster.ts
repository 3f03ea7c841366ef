// Starts a throw-away ClickHouse cluster on loopback for tests and benchmarks: N `clickhouse-server`
// processes (Debian's package, 18.16 or newer), each with its own temp data folder, joined by a
// `remote_servers` entry named `assay` (one shard per process, no ZooKeeper). As root (CI), the servers
// run as the `clickhouse` user (else `nobody`) through setpriv. Run directly, it prints the URL:
//   node --import tsx scripts/clickhouse-cluster.ts [shards]
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, serveUntilSignal, serviceUser } from "./test-server-support.js";

export interface ClickHouseTestCluster {
  /** `clickhouse://127.0.0.1:P1,127.0.0.1:P2/assay?cluster=assay` (HTTP ports, shard order). */
  readonly url: string;
  /** One HTTP base URL per shard. */
  readonly httpUrls: ReadonlyArray<string>;
  /** Each shard's error log (removed by `stop`). */
  readonly errorLogs: ReadonlyArray<string>;
  stop(): Promise<void>;
}

/** The clickhouse-server binary, or undefined when ClickHouse is not installed. */
export function findClickHouseServer(): string | undefined {
  for (const candidate of ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"]) {
    if (existsSync(candidate)) return candidate;
  }
  const onPath = spawnSync("sh", ["-c", "command -v clickhouse-server || command -v clickhouse"], {
    encoding: "utf8",
  });
  return onPath.status === 0 && onPath.stdout.trim() !== "" ? onPath.stdout.trim() : undefined;
}

function configXml(
  dir: string,
  http: number,
  tcp: number,
  shards: ReadonlyArray<{ tcp: number }>,
  memoryBytes: number,
) {
  const shardXml = shards
    .map((s) => `<shard><replica><host>127.0.0.1</host><port>${s.tcp}</port></replica></shard>`)
    .join("");
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers><assay>${shardXml}</assay></remote_servers>
  <merge_tree><max_suspicious_broken_parts>5</max_suspicious_broken_parts></merge_tree>
  <max_memory_usage_for_all_queries>${memoryBytes}</max_memory_usage_for_all_queries>
</yandex>
`;
}

const usersXml = (profile: Readonly<Record<string, string | number>>) => `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>2</max_threads><log_queries>0</log_queries>${Object.entries(profile)
    .map(([key, value]) => `<${key}>${value}</${key}>`)
    .join("")}</default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function waitUntilUp(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`clickhouse-server exited with ${child.exitCode} (see ${logFile})`);
    }
    try {
      const response = await fetch(`${url}/?query=SELECT%201`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`clickhouse-server at ${url} did not come up in 30 s (see ${logFile})`);
}

/**
 * Starts `shards` ClickHouse servers on free loopback ports as one `assay` cluster; `stop` kills them and
 * removes their folders. Returns undefined when clickhouse-server is not installed.
 * @example const ch = await startClickHouseCluster(2); const engine = await createClickHouseEngine({ url: ch.url });
 */
export async function startClickHouseCluster(
  shards = 2,
  options: { memoryBytes?: number; profile?: Readonly<Record<string, string | number>> } = {},
): Promise<ClickHouseTestCluster | undefined> {
  const binary = findClickHouseServer();
  if (binary === undefined) return undefined;
  const user = serviceUser(["clickhouse", "nobody"]);
  const root = mkdtempSync(join(tmpdir(), "assay-ch-"));
  const ports: { http: number; tcp: number }[] = [];
  for (let i = 0; i < shards; i++) ports.push({ http: await freePort(), tcp: await freePort() });
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const [i, port] of ports.entries()) {
      const dir = join(root, `shard${i + 1}`);
      for (const sub of ["", "data", "tmp", "user_files", "format_schemas"])
        mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(
        join(dir, "config.xml"),
        configXml(dir, port.http, port.tcp, ports, options.memoryBytes ?? 1_500_000_000),
      );
      writeFileSync(join(dir, "users.xml"), usersXml(options.profile ?? {}));
      if (user !== undefined) {
        spawnSync("chown", ["-R", `${user.uid}:${user.gid}`, root]);
        chownSync(root, user.uid, user.gid);
      }
      const args = binary.endsWith("clickhouse")
        ? ["server", `--config-file=${join(dir, "config.xml")}`]
        : [`--config-file=${join(dir, "config.xml")}`];
      // setpriv execs the server in place (runuser forks), so the child pid is the server and can be killed.
      const command =
        user === undefined
          ? [binary, ...args]
          : [
              "setpriv",
              `--reuid=${user.uid}`,
              `--regid=${user.gid}`,
              "--clear-groups",
              "--",
              binary,
              ...args,
            ];
      const child = spawn(command[0]!, command.slice(1), { cwd: dir, stdio: "ignore" });
      children.push(child);
    }
    await Promise.all(
      ports.map((port, i) =>
        waitUntilUp(`http://127.0.0.1:${port.http}`, children[i]!, join(root, `shard${i + 1}`, "error.log")),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const hosts = ports.map((p) => `127.0.0.1:${p.http}`).join(",");
  return {
    url: `clickhouse://${hosts}/assay?cluster=assay`,
    httpUrls: ports.map((p) => `http://127.0.0.1:${p.http}`),
    errorLogs: ports.map((_, i) => join(root, `shard${i + 1}`, "error.log")),
    stop,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serveUntilSignal(
    await startClickHouseCluster(Number(process.argv[2] ?? 2)),
    "clickhouse-cluster: clickhouse-server not found (install it, e.g. scripts/install-services.sh)",
  );
}
