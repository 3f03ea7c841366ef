import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Three tiers (docs/testing in README "Tests"): `npm run test:unit` is the inner loop, `npm test` runs all three.
// - unit: pure code — no server, database (embedded DuckDB included), browser or child process; < 60 s on 2 cores.
//   Every test of stats, sdk, openfeature, decisions and web is unit unless listed below, as are the pure files of
//   the heavier packages listed in `pureFiles`.
// - integration: PGlite, PostgreSQL, ClickHouse, embedded DuckDB, the app through inject, CLI child processes: every
//   test of pipeline, server and cli unless listed elsewhere. PostgreSQL and ClickHouse start ONCE per run
//   (scripts/test-services-setup.ts) — or come from ASSAY_TEST_PG_URL / ASSAY_TEST_CLICKHOUSE_URL — and each suite
//   takes its own database on them (scripts/test-services.ts).
// - e2e: a real server process end to end, browsers, packed tarballs, simulations.
const e2e = [
  "packages/web/test/*-browser.test.ts",
  "packages/web/test/dashboard-screenshots.test.ts",
  "packages/*/test/packed-tarball.test.ts",
  "packages/server/test/demo-first-hour.test.ts",
  "packages/server/test/demo-seed.test.ts",
  "packages/server/test/fuzz-routes.test.ts",
  "packages/server/test/durability.test.ts",
  "packages/server/test/chaos-compaction.test.ts",
  "packages/server/test/decisions-e2e.test.ts",
  "packages/cli/test/end-to-end.test.ts",
  "packages/cli/test/end-to-end-faults.test.ts",
  "packages/cli/test/readme-first-experiment.test.ts",
  "packages/stats/test/aa-simulation.test.ts",
  "packages/decisions/test/guarantees-*.test.ts",
];
// Files of the light packages that start a child process or an HTTP server: integration.
const lightButSlow = ["packages/sdk/test/event-client.test.ts", "packages/decisions/test/replay.test.ts"];
const heavyPackages = ["packages/{pipeline,server,cli}/test/**/*.test.ts", ...lightButSlow];
const pureFiles = [
  "packages/pipeline/test/compile-models.test.ts",
  "packages/pipeline/test/config.test.ts",
  "packages/server/test/assign-fast-path.test.ts",
  "packages/server/test/bounded-dedupe.test.ts",
  "packages/server/test/event-fast-path.test.ts",
  "packages/server/test/event-id-window.test.ts",
  "packages/server/test/scheduler.test.ts",
  "packages/server/test/sdk-payload.test.ts",
];

// Workspace packages export built files to the outside world and their TypeScript sources under the "source"
// condition; tests run against the sources, so they never need a build first.
export default defineConfig({
  resolve: { conditions: ["source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "./scripts/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/{stats,sdk,openfeature,decisions,web}/test/**/*.test.ts", ...pureFiles],
          exclude: [...e2e, ...lightButSlow],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: heavyPackages,
          exclude: [...e2e, ...pureFiles],
          globalSetup: ["./scripts/test-services-setup.ts"],
        },
      },
      { extends: true, test: { name: "e2e", include: e2e } },
    ],
  },
});
