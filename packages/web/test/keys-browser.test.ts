import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildIfNeeded,
  chromiumArgs,
  chromiumPath,
  dashboardUrl,
  type ServerProcess,
  startServerProcess,
  webDir,
} from "./helpers/dashboard-harness.js";

const hasChromium = existsSync(chromiumPath);
const shots = join(webDir, "..", "..", "screenshots");

// Key management on a real `assay serve`: an admin creates a key (its secret shown once) and revokes it.
describe.skipIf(!hasChromium && !process.env.CI)("the keys page in headless Chromium", () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    [, server] = await Promise.all([
      buildIfNeeded(),
      startServerProcess(),
      mkdir(shots, { recursive: true }),
    ]);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  }, 480_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 120_000);

  it("creates a team key whose shown secret works, then revokes it and the server refuses it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((key) => localStorage.setItem("assay.apiKey", key), server.adminKey);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${await dashboardUrl(server.url)}#/keys`);
    await page.locator("table.keys-table").waitFor();
    // The owner key that opened the page is listed and cannot be revoked from here.
    const ownerRow = page.locator('tr[data-revoked="false"]', { hasText: "owner" });
    expect(await ownerRow.count()).toBeGreaterThan(0);

    await page.getByLabel("Role").selectOption("editor");
    await page.getByLabel("Key name").fill("ci-bot");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.locator("[data-secret]").textContent())?.trim() ?? "";
    expect(secret).toMatch(/^assay_[0-9a-f]{12}_/);
    const asNewKey = () =>
      fetch(`${server.url}/api/experiments`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await asNewKey()).status).toBe(200);
    const row = page.locator("tr", { hasText: "ci-bot" });
    await row.locator(".badge", { hasText: "active" }).waitFor();
    await page.screenshot({ path: join(shots, "keys.png"), fullPage: true });

    await page.getByRole("button", { name: "Revoke ci-bot" }).click();
    await page.getByRole("button", { name: "Revoke key" }).click();
    await page.locator('tr[data-revoked="true"]', { hasText: "ci-bot" }).waitFor();
    expect(await page.getByRole("status").first().textContent()).toMatch(/ci-bot revoked/);
    expect((await asNewKey()).status).toBe(401);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
