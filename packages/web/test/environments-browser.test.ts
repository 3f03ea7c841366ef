import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
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
import { createCaller } from "./helpers/demo-data.js";

const hasChromium = existsSync(chromiumPath);
const shots = join(webDir, "..", "..", "screenshots");

interface FlagState {
  key: string;
  environment: string;
  enabled: boolean;
  rollout_percentage: number;
}

// Issue 19: the environment switcher, the copy action and change requests in a real `assay serve` and Chromium.
describe.skipIf(!hasChromium && !process.env.CI)(
  "environments and change requests in headless Chromium",
  () => {
    let server: ServerProcess;
    let browser: Browser;
    let editorKey: string;

    beforeAll(async () => {
      [, server] = await Promise.all([
        buildIfNeeded(),
        startServerProcess(),
        mkdir(shots, { recursive: true }),
      ]);
      browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
      const call = createCaller(server.url, server.adminKey);
      editorKey = ((await call("POST", "/api/keys", { role: "editor", name: "erin" })) as { secret: string })
        .secret;
      await call("PUT", "/api/flags/checkout_v2?environment=staging", {
        type: "boolean",
        default_value: false,
        enabled: true,
        rollout_percentage: 40,
        overrides: [{ identity_id: "qa-lead", value: true }],
      });
      await call("PUT", "/api/flags/dark_mode?environment=production", {
        type: "boolean",
        default_value: false,
        enabled: true,
        rollout_percentage: 100,
      });
      await call("PATCH", "/api/environments/production", { requires_review: true });
    }, 480_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    }, 120_000);

    const openAs = async (key: string, hash: string): Promise<{ page: Page; errors: string[] }> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript((k) => localStorage.setItem("assay.apiKey", k), key);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${await dashboardUrl(server.url)}${hash}`);
      return { page, errors };
    };

    it("switches environments, copies staging to a reviewed production as a change request, and approves it as another editor", async () => {
      const call = createCaller(server.url, server.adminKey);
      const { page, errors } = await openAs(server.adminKey, "#/flags");
      const row = (key: string) => page.locator(`tr[data-flag="${key}"]`);

      // Production (the default): checkout_v2 is off there, dark_mode on; production says it requires review.
      await page.locator('table.flags-table[data-environment="production"]').waitFor();
      await row("checkout_v2").getByText("off", { exact: true }).waitFor();
      await row("dark_mode").getByText("on", { exact: true }).waitFor();
      await page.locator(".environment-switcher").getByText("requires review").waitFor();

      await page.getByLabel("Environment").selectOption("staging");
      await page.locator('table.flags-table[data-environment="staging"]').waitFor();
      await row("checkout_v2").getByText("on", { exact: true }).waitFor();
      expect(await row("checkout_v2").textContent()).toContain("40%");
      expect(await row("checkout_v2").textContent()).toContain("1 override");
      await page.screenshot({ path: join(shots, "flags-environments.png"), fullPage: true });

      // The flag page: every environment side by side; copy staging → production is one action.
      await row("checkout_v2").getByRole("link", { name: "checkout_v2" }).click();
      await page.getByRole("heading", { name: "In every environment" }).waitFor();
      await page.locator('tr[data-environment="production"]').getByText("off", { exact: true }).waitFor();
      await page.getByLabel("Copy from").selectOption("staging");
      await page.getByLabel("Copy to").selectOption("production");
      await page.getByRole("button", { name: "Copy staging → production" }).click();
      await page
        .getByRole("status")
        .getByText(/production requires review: proposed change request #\d+/)
        .waitFor();
      await page.locator("[data-change-request] tr[data-field='enabled']").waitFor();
      await page.screenshot({ path: join(shots, "flag-copy-proposed.png"), fullPage: true });
      // Nothing applied yet.
      expect(
        ((await call("GET", "/api/flags/checkout_v2?environment=production")) as FlagState).enabled,
      ).toBe(false);

      // The proposer cannot approve their own change.
      await page.getByRole("link", { name: "Change requests" }).first().click();
      await page.getByRole("heading", { name: "Change requests" }).waitFor();
      const card = page.locator("article.change-request").first();
      await card.locator("tr[data-field='rollout_percentage']").waitFor();
      expect(await card.locator("tr[data-field='rollout_percentage'] .diff-after").textContent()).toBe("40");
      await card.getByRole("button", { name: /^Approve/ }).click();
      await page
        .getByRole("alert")
        .getByText(/another editor must approve it/)
        .waitFor();
      await page.screenshot({ path: join(shots, "change-request-self-approval.png"), fullPage: true });
      expect(errors).toEqual([]);
      await page.context().close();

      // Another editor approves: applied at once.
      const second = await openAs(editorKey, "#/change-requests");
      const theirCard = second.page.locator("article.change-request").first();
      await theirCard.getByRole("button", { name: /^Approve/ }).click();
      await second.page
        .getByRole("status")
        .getByText(/approved: checkout_v2 is changed in production/)
        .waitFor();
      await second.page.getByText("No open change requests.").waitFor();
      await second.page.getByRole("radio", { name: "Applied" }).check();
      await second.page
        .locator("article.change-request")
        .first()
        .getByText("applied", { exact: true })
        .waitFor();
      await second.page.screenshot({ path: join(shots, "change-requests-applied.png"), fullPage: true });
      const production = (await call("GET", "/api/flags/checkout_v2?environment=production")) as FlagState & {
        overrides: unknown[];
      };
      expect(production).toMatchObject({ enabled: true, rollout_percentage: 40 });
      expect(production.overrides).toEqual([{ identity_id: "qa-lead", value: true }]);
      const audit = (await call("GET", "/api/audit?entity_type=flag&entity_key=checkout_v2")) as {
        entries: Array<{ action: string; actor: string }>;
      };
      expect(audit.entries[0]).toMatchObject({ action: "apply_change_request", actor: "erin" });
      expect(second.errors).toEqual([]);
      await second.page.context().close();
    });

    it("edits an unreviewed environment directly, proposes in a reviewed one and rejects the proposal", async () => {
      const call = createCaller(server.url, server.adminKey);
      const { page, errors } = await openAs(server.adminKey, "#/flags/dark_mode");
      await page.getByRole("heading", { name: "In every environment" }).waitFor();
      await page.getByLabel("Environment").selectOption("development");
      await page.getByRole("heading", { name: "Change development" }).waitFor();
      await page.getByLabel("Enabled").check();
      await page.getByLabel("Rollout %").fill("10");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("status").getByText("Saved dark_mode in development.").waitFor();
      expect(
        ((await call("GET", "/api/flags/dark_mode?environment=development")) as FlagState).rollout_percentage,
      ).toBe(10);

      await page.getByLabel("Environment").selectOption("production");
      await page.getByRole("heading", { name: "Propose a change in production" }).waitFor();
      await page.getByLabel("Rollout %").fill("50");
      await page.getByRole("button", { name: "Propose change" }).click();
      await page
        .getByRole("status")
        .getByText(/Proposed change request #\d+ for production/)
        .waitFor();
      expect(
        ((await call("GET", "/api/flags/dark_mode?environment=production")) as FlagState).rollout_percentage,
      ).toBe(100);
      await page.screenshot({ path: join(shots, "flag-page-environments.png"), fullPage: true });

      await page.getByRole("link", { name: "Change requests" }).first().click();
      const card = page.locator("article.change-request").first();
      await card.getByText("dark_mode").first().waitFor();
      await card.getByRole("button", { name: /^Reject/ }).click();
      await page
        .getByRole("status")
        .getByText(/rejected/)
        .waitFor();
      expect(errors).toEqual([]);
      await page.context().close();
    });
  },
);
