import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Lake } from "../collector/lake.js";
import type { Queryable } from "../db/database.js";
import { type Principal, requireRole } from "../registry/auth.js";
import { type RetentionPolicy, retentionPolicyFromEnv, runRetention } from "./retention.js";

/**
 * `POST /api/admin/retention` (run now), `GET /api/admin/retention` (policy and recent runs), and the schedule:
 * every `ASSAY_RETENTION_INTERVAL_HOURS` (default 24; 0 turns it off), stopped when the app closes.
 * @example registerRetention(app, { db, lake: context.lake, auth });
 */
export function registerRetention(
  app: FastifyInstance,
  options: {
    db: Queryable;
    lake: Lake;
    auth: (request: FastifyRequest) => Promise<Principal>;
    policy?: RetentionPolicy;
    intervalHours?: number;
  },
): void {
  const policy = options.policy ?? retentionPolicyFromEnv(process.env);
  const run = () => runRetention({ db: options.db, lake: options.lake, policy });
  app.post("/api/admin/retention", async (request) => {
    requireRole(await options.auth(request), "admin");
    return run();
  });
  app.get("/api/admin/retention", async (request) => {
    requireRole(await options.auth(request), "admin");
    const { rows } = await options.db.query<{ run_id: number; ran_at: Date; removed: unknown }>(
      "select run_id, ran_at, removed from retention_run order by run_id desc limit 20",
    );
    return { policy, runs: rows };
  });
  const hours = options.intervalHours ?? Number(process.env.ASSAY_RETENTION_INTERVAL_HOURS ?? 24);
  if (!(hours > 0)) return;
  const timer = setInterval(() => {
    run().catch((error: unknown) => app.log.error({ err: error }, "retention run failed"));
  }, hours * 3_600_000);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));
}
