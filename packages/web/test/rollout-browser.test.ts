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
import { createCaller } from "./helpers/demo-data.js";

const hasChromium = existsSync(chromiumPath);
const shots = join(webDir, "..", "..", "screenshots");

interface RolloutView {
  status: string;
  current_step: number;
  stop_reason: { code: string } | null;
}

// Issue 19 part 3: a flag page shows its rollout schedule, the current step and the stop reason, against a real
// `assay serve` whose rollout scheduler ticks every 300 ms (ASSAY_ROLLOUT_TICK_MS).
describe.skipIf(!hasChromium && !process.env.CI)(
  "guarded rollouts on the flag page in headless Chromium",
  () => {
    let server: ServerProcess;
    let browser: Browser;

    beforeAll(async () => {
      process.env.ASSAY_ROLLOUT_TICK_MS = "300";
      [, server] = await Promise.all([
        buildIfNeeded(),
        startServerProcess(),
        mkdir(shots, { recursive: true }),
      ]);
      delete process.env.ASSAY_ROLLOUT_TICK_MS;
      browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    }, 480_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    }, 120_000);

    const waitFor = async (
      call: ReturnType<typeof createCaller>,
      key: string,
      done: (r: RolloutView) => boolean,
    ) => {
      const started = Date.now();
      for (;;) {
        const r = (await call("GET", `/api/flags/${key}/rollout`)) as RolloutView;
        if (done(r)) return r;
        if (Date.now() - started > 30_000) throw new Error(`rollout of ${key} stuck: ${JSON.stringify(r)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    it("shows a running schedule at its current step, and a stopped one with its reason", async () => {
      const call = createCaller(server.url, server.adminKey);
      for (const key of ["ramp_search", "ramp_banner"])
        await call("PUT", `/api/flags/${key}?environment=production`, {
          type: "boolean",
          default_value: false,
          enabled: false,
          rollout_percentage: 0,
          variation_value: true,
        });
      const now = Date.now();
      const step = (seconds: number, percentage: number) => ({
        percentage,
        at: new Date(now + seconds * 1000).toISOString(),
      });
      // Two steps soon, two far away: the ramp stops at 25 % and waits.
      await call("POST", "/api/flags/ramp_search/rollout", {
        steps: [step(4, 5), step(5, 25), step(86_400, 50), step(2 * 86_400, 100)],
        guardrails: [{ metric_key: "refund_rate", direction: "decrease", threshold: 0.1 }],
      });
      await call("POST", "/api/flags/ramp_banner/rollout", {
        steps: [step(4, 10), step(8, 50), step(86_400, 100)],
      });
      await waitFor(call, "ramp_search", (r) => r.current_step === 1);
      await waitFor(call, "ramp_banner", (r) => r.current_step === 0);
      // Killed during its ramp: the kill switch wins and the next step stops the schedule.
      await call("POST", "/api/flags/ramp_banner/kill?environment=production");
      const stopped = await waitFor(call, "ramp_banner", (r) => r.status === "stopped");
      process.stderr.write("rollout browser test: schedules in place\n");
      expect(stopped.stop_reason?.code).toBe("flag_killed");

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript((k) => localStorage.setItem("assay.apiKey", k), server.adminKey);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${await dashboardUrl(server.url)}#/flags/ramp_search`);
      const schedule = page.locator('.rollout-schedule[data-rollout-status="running"]');
      await schedule.waitFor();
      expect(await schedule.textContent()).toContain("step 2 of 4 (25%)");
      expect(await schedule.locator('tr[aria-current="step"]').getAttribute("data-step")).toBe("1");
      expect(await schedule.locator('tr[data-step="0"]').textContent()).toContain("done");
      expect(await schedule.locator('tr[data-step="2"]').textContent()).toContain("pending");
      expect(await schedule.textContent()).toContain("refund_rate");
      await page.screenshot({ path: join(shots, "flag-rollout-running.png"), fullPage: true });

      await page.goto(`${await dashboardUrl(server.url)}#/flags/ramp_banner`);
      const stop = page.locator(
        '.rollout-schedule[data-rollout-status="stopped"] [data-stop-reason="flag_killed"]',
      );
      await stop.waitFor();
      expect(await stop.textContent()).toContain("the kill switch wins");
      expect(await page.locator('.rollout-schedule tr[data-step="1"]').textContent()).toContain(
        "not applied",
      );
      await page.screenshot({ path: join(shots, "flag-rollout-stopped.png"), fullPage: true });

      // Another environment has no schedule.
      await page.getByLabel("Environment").selectOption("staging");
      await page.getByText("No rollout schedule in staging.").waitFor();
      expect(errors).toEqual([]);
      await context.close();
    }, 300_000);
  },
);
