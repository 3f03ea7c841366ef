import { findPostgresBin } from "../../../../scripts/postgres-test-server.js";
import { testPostgres } from "../../../../scripts/test-services.js";
import { createPgDatabase } from "../../src/db/pg-database.js";
import { createPgliteDatabase } from "../../src/db/pglite-database.js";
import type { Database } from "../../src/index.js";

export interface Backend {
  readonly name: "pglite" | "postgres";
  /** False when PostgreSQL is not installed (then the suite skips locally and fails under CI=true). */
  readonly available: boolean;
  open(): Promise<{ db: Database; stop(): Promise<void> }>;
}

const postgresInstalled = Boolean(process.env.ASSAY_TEST_PG_URL) || findPostgresBin() !== undefined;
if (!postgresInstalled) {
  if (process.env.CI === "true") {
    throw new Error("PostgreSQL (initdb) is not installed; CI needs it: run scripts/install-services.sh");
  }
  console.warn("server tests: PostgreSQL (initdb) not found, the postgres backend is skipped");
}

/** The two registry backends every conformance suite runs against. */
export const backends: Backend[] = [
  {
    name: "pglite",
    available: true,
    async open() {
      const db = await createPgliteDatabase();
      return { db, stop: () => db.close() };
    },
  },
  {
    name: "postgres",
    available: postgresInstalled,
    async open() {
      const server = await testPostgres("registry_conformance");
      if (server === undefined) throw new Error("PostgreSQL is not installed");
      const db = await createPgDatabase(server.url);
      return {
        db,
        async stop() {
          await db.close();
          await server.stop();
        },
      };
    },
  },
];
