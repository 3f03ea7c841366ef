import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { dashboardDistDir } from "../src/http/dashboard-static.js";
import {
  createPgliteDatabase,
  createServerContext,
  type Database,
  type ServerContext,
} from "../src/index.js";

describe("the dashboard at /", () => {
  let dir: string;
  let db: Database;
  let context: ServerContext;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-dashboard-"));
    db = await createPgliteDatabase();
    context = await createServerContext({ db, walDir: join(dir, "wal"), lakeDir: join(dir, "lake") });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await context.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("resolves the web workspace's dist folder", () => {
    expect(dashboardDistDir()).toBe(join(import.meta.dirname, "..", "..", "web", "dist"));
  });

  it("serves index.html and hashed assets from a build, and keeps /api answers in JSON", async () => {
    const dist = join(dir, "dist");
    await mkdir(join(dist, "assets"), { recursive: true });
    await writeFile(join(dist, "index.html"), '<!doctype html><div id="root"></div>');
    await writeFile(join(dist, "assets", "app-abc123.js"), "console.log(1)");
    const app = await createApp({ context, dashboardDir: dist });
    apps.push(app);
    const index = await app.inject({ method: "GET", url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-type"]).toContain("text/html");
    expect(index.body).toContain('id="root"');
    expect(index.headers["cache-control"]).toBe("no-cache");
    const asset = await app.inject({ method: "GET", url: "/assets/app-abc123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toContain("immutable");
    const unknownApi = await app.inject({ method: "GET", url: "/api/nope" });
    expect(unknownApi.statusCode).toBe(404);
    expect(unknownApi.json().error.code).toBe("not_found");
    expect((await app.inject({ method: "GET", url: "/health" })).json().status).toBe("ok");
  });

  it("says how to build the dashboard when there is no build", async () => {
    const app = await createApp({ context, dashboardDir: join(dir, "no-such-dist") });
    apps.push(app);
    const res = await app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain("npm run build -w packages/web");
  });
});
