import { describe, expect, it } from "vitest";
import {
  createTrackingPlanCache,
  publishTrackingPlan,
  trackingPlanSchema,
} from "../src/collector/tracking-plan.js";
import { createPgliteDatabase, migrate } from "../src/index.js";

describe("tracking plan cache", () => {
  it("reads the registry once per TTL, shows its own publishes at once and another writer's after the TTL", async () => {
    const db = await createPgliteDatabase();
    await migrate(db);
    let queries = 0;
    const counting = {
      query: ((sql: string, params?: ReadonlyArray<unknown>) => {
        queries++;
        return db.query(sql, params);
      }) as typeof db.query,
      exec: db.exec,
    };
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const plans = createTrackingPlanCache(counting, 1000);
      const first = await plans.get("growth");
      expect(first.version).toBe(1);
      const before = queries;
      for (let i = 0; i < 50; i++) await plans.get("growth");
      expect(queries).toBe(before);
      const mine = await plans.publish(
        "growth",
        trackingPlanSchema.parse({ events: { page_view: {} } }),
        "ada",
      );
      expect((await plans.get("growth")).version).toBe(mine.version);
      // Another server publishes straight into the registry: seen once the TTL has passed.
      const theirs = await publishTrackingPlan(
        db,
        "growth",
        trackingPlanSchema.parse({ events: { signup: {} } }),
        "other-server",
      );
      expect((await plans.get("growth")).version).toBe(mine.version);
      now += 1001;
      const fresh = await plans.get("growth");
      expect(fresh.version).toBe(theirs.version);
      expect(Object.keys(fresh.plan.events)).toEqual(["signup"]);
    } finally {
      Date.now = realNow;
      await db.close();
    }
  }, 60_000);
});
