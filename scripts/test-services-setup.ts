// vitest globalSetup of the integration project: starts one PostgreSQL server and one two-shard ClickHouse cluster
// for the whole run (or reuses ASSAY_TEST_PG_URL / ASSAY_TEST_CLICKHOUSE_URL) and hands their URLs to the suites
// (`inject`, through test-services.ts). A server whose binaries are missing is provided as null: the suites that
// need it fail under CI=true and skip locally, saying so.
import type { TestProject } from "vitest/node";
import { startClickHouseCluster } from "./clickhouse-cluster.js";
import { startPostgresTestServer } from "./postgres-test-server.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const started = await Promise.allSettled([
    process.env.ASSAY_TEST_PG_URL ||
      startPostgresTestServer().then((server) => {
        if (server === undefined) return null;
        stops.push(() => server.stop());
        return server.url;
      }),
    process.env.ASSAY_TEST_CLICKHOUSE_URL ||
      startClickHouseCluster(2).then((cluster) => {
        if (cluster === undefined) return null;
        stops.push(() => cluster.stop());
        return cluster.url;
      }),
  ]);
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(stops.map((stop) => stop()));
    throw failed.reason;
  }
  const [pgUrl, clickHouseUrl] = started.map((s) => (s.status === "fulfilled" ? s.value : null));
  project.provide("assayTestPgUrl", pgUrl ?? null);
  project.provide("assayTestClickHouseUrl", clickHouseUrl ?? null);
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
