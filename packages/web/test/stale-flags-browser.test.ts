import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staleText } from "../src/components/stale-flag-badge.js";
import {
  buildIfNeeded,
  chromiumArgs,
  chromiumPath,
  dashboardUrl,
  type ServerProcess,
  startServerProcess,
  webDir,
} from "./helpers/dashboard-harness.js";
import { createCaller } from "./helpers/demo-data.js";

const hasChromium = existsSync(chromiumPath);
const shots = join(webDir, "..", "..", "screenshots");

describe("staleText", () => {
  it("says why a flag is stale", () => {
    expect(staleText({ since: "2026-01-02T10:00:00Z", reason: "not_changed" })).toMatch(
      /^not changed since /,
    );
    expect(staleText({ since: "2026-01-02T10:00:00Z", reason: "not_evaluated" })).toMatch(
      /^not evaluated since /,
    );
  });
});

// A real `assay serve` whose stale threshold is 0 days (ASSAY_STALE_FLAG_DAYS), so a flag made a moment ago is stale.
describe.skipIf(!hasChromium && !process.env.CI)("the flag list's stale badge in headless Chromium", () => {
  let server: ServerProcess;
  let browser: Browser;
  const saved = process.env.ASSAY_STALE_FLAG_DAYS;

  beforeAll(async () => {
    process.env.ASSAY_STALE_FLAG_DAYS = "0";
    try {
      [, server] = await Promise.all([
        buildIfNeeded(),
        startServerProcess(),
        mkdir(shots, { recursive: true }),
      ]);
    } finally {
      if (saved === undefined) delete process.env.ASSAY_STALE_FLAG_DAYS;
      else process.env.ASSAY_STALE_FLAG_DAYS = saved;
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 120_000);

  it("shows 'stale' with the reason in its tooltip on the flag the API marks stale", async () => {
    const call = createCaller(server.url, server.adminKey);
    await call("PUT", "/api/flags/old_banner", { type: "boolean", default_value: false, enabled: true });
    const listed = (await call("GET", "/api/flags")) as { flags: Array<{ key: string; stale: unknown }> };
    const stale = listed.flags.find((f) => f.key === "old_banner")?.stale;
    expect(stale).toMatchObject({ reason: "not_changed" });
    const fresh = (await call("GET", "/api/flags?stale_after_days=30")) as {
      flags: Array<{ stale: unknown }>;
    };
    expect(fresh.flags.every((f) => f.stale === null)).toBe(true);

    const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
    await context.addInitScript((key) => localStorage.setItem("assay.apiKey", key), server.adminKey);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${await dashboardUrl(server.url)}#/flags`);
    const badge = page.locator('tr[data-flag="old_banner"] .badge', { hasText: "stale" });
    await badge.waitFor();
    expect(await badge.getAttribute("title")).toMatch(/^not changed since .*candidate for removal$/);
    await page.screenshot({ path: join(shots, "flags-stale.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
