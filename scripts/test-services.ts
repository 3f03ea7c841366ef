// The PostgreSQL server and ClickHouse cluster the integration tests share: started once per run by
// test-services-setup.ts (vitest globalSetup) or reused from ASSAY_TEST_PG_URL / ASSAY_TEST_CLICKHOUSE_URL.
// Each suite gets its own database on them (`testPostgres("suite")`, `testClickHouse("suite")`), dropped by `stop`,
// so suites running at the same time never see each other's tables.
import pg from "pg";
import { inject } from "vitest";
import { startClickHouseCluster } from "./clickhouse-cluster.js";
import { startPostgresTestServer } from "./postgres-test-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The shared PostgreSQL server (its `postgres` database); null when none could be started. */
    assayTestPgUrl: string | null;
    /** The shared ClickHouse cluster (`clickhouse://h1:p1,h2:p2/assay?cluster=assay`); null when none. */
    assayTestClickHouseUrl: string | null;
  }
}

/** A suite's own database on a shared server. */
export interface TestDatabase {
  readonly url: string;
  /** Drops the suite's database (and, when the suite had to start its own server, stops it). */
  stop(): Promise<void>;
}

/** A database name unique to this suite and run: `assay_t_<suite>_<random>`. */
function databaseName(suite: string): string {
  const safe = suite
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 30);
  return `assay_t_${safe}_${Math.random().toString(36).slice(2, 8)}`;
}

/** The shared server's URL from the global setup; undefined when this run has none (a config without it). */
function provided(key: "assayTestPgUrl" | "assayTestClickHouseUrl"): string | null | undefined {
  try {
    return inject(key);
  } catch {
    return undefined;
  }
}

/**
 * A fresh PostgreSQL database for `suite` on the run's shared server; undefined when PostgreSQL is not installed
 * and no ASSAY_TEST_PG_URL is set (the suite then fails under CI=true and may skip locally, saying so).
 * @example const pg = await testPostgres("warehouse-erasure"); const db = await createPgDatabase(pg.url);
 */
export async function testPostgres(suite: string): Promise<TestDatabase | undefined> {
  let server = provided("assayTestPgUrl");
  let own: { stop(): Promise<void> } | undefined;
  if (server === undefined) {
    const started = await startPostgresTestServer();
    if (started === undefined) return undefined;
    own = started;
    server = started.url;
  }
  if (server === null) return undefined;
  const name = databaseName(suite);
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // The name is ours (letters, digits, underscores), so it can stand in the statement as an identifier.
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  url.search = "";
  return {
    url: url.toString(),
    async stop() {
      try {
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await own?.stop();
      }
    },
  };
}

/**
 * A database name of its own for `suite` on the run's shared ClickHouse cluster (the engine creates it, and its
 * `<name>_*` per-shard parts, on first use); `stop` drops every database of the suite on every shard. Undefined when
 * ClickHouse is not installed and no ASSAY_TEST_CLICKHOUSE_URL is set.
 * @example const ch = await testClickHouse("engines"); const engine = await openEngine({ kind: "clickhouse", url: ch.url });
 */
export async function testClickHouse(suite: string): Promise<TestDatabase | undefined> {
  let server = provided("assayTestClickHouseUrl");
  let own: { stop(): Promise<void> } | undefined;
  if (server === undefined) {
    const started = await startClickHouseCluster(2);
    if (started === undefined) return undefined;
    own = started;
    server = started.url;
  }
  if (server === null) return undefined;
  const name = databaseName(suite);
  const match = /^clickhouse:\/\/([^/?]+)\/[^?]*(\?.*)?$/.exec(server);
  if (match === null) throw new Error(`not a clickhouse:// URL: ${server}`);
  const hosts = match[1]!.split(",");
  return {
    url: `clickhouse://${match[1]}/${name}${match[2] ?? ""}`,
    async stop() {
      try {
        for (const host of hosts) {
          const base = `http://${host}/`;
          const listed = await fetch(
            `${base}?query=${encodeURIComponent(`SELECT name FROM system.databases WHERE startsWith(name, '${name}')`)}`,
          );
          for (const db of (await listed.text()).split("\n").filter((d) => d !== "")) {
            await fetch(base, { method: "POST", body: `DROP DATABASE IF EXISTS \`${db}\` SYNC` });
          }
        }
      } finally {
        await own?.stop();
      }
    },
  };
}
