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

// Issue 18 item 5: the dashboard at a desktop (1400 px) and a phone (390 px) width, against `assay serve`'s demo:
// charts drawn at their card's width with the page's font size, no clipped tick labels, no page wider than the
// screen, labels not broken inside words. Screenshots of every page go to screenshots/ for a look by eye.
const hasChromium = existsSync(chromiumPath);
const shots = join(webDir, "..", "..", "screenshots");

interface Box {
  readonly left: number;
  readonly right: number;
}

/** Every chart's tick labels, as boxes, with the box of the SVG they are drawn in. */
async function tickBoxes(
  page: Page,
): Promise<Array<{ label: string; tick: Box; svg: Box; fontSize: string }>> {
  return page.evaluate(() =>
    [...document.querySelectorAll(".chart svg, .forest-plot svg")].flatMap((svg) => {
      const s = svg.getBoundingClientRect();
      return [...svg.querySelectorAll("text.tick")].map((t) => {
        const r = t.getBoundingClientRect();
        return {
          label: t.textContent ?? "",
          tick: { left: r.left, right: r.right },
          svg: { left: s.left, right: s.right },
          fontSize: getComputedStyle(t).fontSize,
        };
      });
    }),
  );
}

describe.skipIf(!hasChromium)("dashboard screenshots at 1400 px and 390 px", () => {
  let server: ServerProcess;
  let dashboard: string;
  let browser: Browser;

  beforeAll(async () => {
    const [, started] = await Promise.all([
      buildIfNeeded(),
      startServerProcess(),
      mkdir(shots, { recursive: true }),
    ]);
    server = started;
    dashboard = await dashboardUrl(server.url);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 240_000);

  for (const width of [1400, 390] as const) {
    it(`draws clean pages at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      await context.addInitScript((key) => localStorage.setItem("assay.apiKey", key), server.adminKey);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const shot = (name: string) =>
        page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
      const pageFits = async (what: string) => {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${what} is wider than the screen`).toBeLessThanOrEqual(0);
        if (width === 390) {
          // On a phone the tables are cards: no cell's text runs out of its card.
          const cut = await page.evaluate(() =>
            [...document.querySelectorAll(".experiments-table td, .flags-table td, .segments-table td")]
              .filter((td) => td.scrollWidth > td.clientWidth + 1)
              .map((td) => td.textContent ?? ""),
          );
          expect(cut, `${what}: cells wider than their card`).toEqual([]);
        }
      };

      await page.goto(`${dashboard}#/`);
      await page.getByRole("link", { name: "One-page checkout" }).waitFor();
      await pageFits("the list");
      if (width === 390) {
        // Card rows: the label floats left and is never broken inside a word ("Experimen t").
        const label = await page.evaluate(() => {
          const td = document.querySelector(".experiments-table td");
          if (td === null) return null;
          const style = getComputedStyle(td, "::before");
          return { float: style.float, wrap: style.overflowWrap, display: getComputedStyle(td).display };
        });
        expect(label).toEqual({ float: "left", wrap: "normal", display: "block" });
        // Badges stay inside their card.
        const badgeOverflow = await page.evaluate(() =>
          [...document.querySelectorAll(".experiments-table .badge")].some((b) => {
            const card = b.closest("tr")?.getBoundingClientRect();
            return card !== undefined && b.getBoundingClientRect().right > card.right + 0.5;
          }),
        );
        expect(badgeOverflow).toBe(false);
      }
      await shot("list");

      await page.goto(`${dashboard}#/experiments/exp_checkout`);
      await page.getByRole("heading", { name: "Results" }).waitFor();
      await page.locator(".chart svg").first().waitFor();
      await page.locator(".forest-plot svg").first().waitFor();
      await pageFits("an experiment");
      const ticks = await tickBoxes(page);
      expect(ticks.length).toBeGreaterThan(10);
      for (const t of ticks) {
        // Inside its chart (not clipped) and at the page's 12 px, whatever the width.
        expect(t.tick.left, `tick "${t.label}"`).toBeGreaterThanOrEqual(t.svg.left - 0.5);
        expect(t.tick.right, `tick "${t.label}"`).toBeLessThanOrEqual(t.svg.right + 0.5);
        expect(t.fontSize).toBe("12px");
        expect(t.label).not.toMatch(/^[−-]0(?:[.,]0+)?(?:\s|$)/);
      }
      // Forest plots span their card.
      const widths = await page.evaluate(() =>
        [...document.querySelectorAll(".forest-plot")].map((f) => ({
          plot: f.querySelector("svg")?.getBoundingClientRect().width ?? 0,
          card: (f.closest("article") ?? f.parentElement)?.getBoundingClientRect().width ?? 1,
        })),
      );
      expect(widths.length).toBeGreaterThan(0);
      for (const w of widths) expect(w.plot / w.card).toBeGreaterThan(0.85);
      // Counts have whole-number ticks: the invalid-exposures chart is all zero in the demo.
      const countTicks = await page.evaluate(() =>
        [...(document.querySelectorAll(".chart-grid .chart")[1]?.querySelectorAll("text.tick") ?? [])]
          .map((t) => t.textContent ?? "")
          .filter((t) => !/[A-Za-z]/.test(t)),
      );
      expect(countTicks).toEqual(["0", "1"]);
      await shot("experiment");

      await page.getByLabel("Drill down by").selectOption("country");
      await page.locator(".segment-metric .forest-plot svg").first().waitFor();
      await pageFits("the drill-down");
      for (const t of await tickBoxes(page)) {
        expect(t.tick.right, `tick "${t.label}"`).toBeLessThanOrEqual(t.svg.right + 0.5);
      }
      await page
        .locator('section[aria-labelledby="segments-title"]')
        .screenshot({ path: join(shots, `drill-down-${width}.png`) });

      await page.goto(`${dashboard}#/flags`);
      await page.getByRole("heading", { name: "Feature flags" }).waitFor();
      await page.locator(".flags-table tbody tr").first().waitFor();
      await pageFits("the flags");
      // A flag saved off (not killed) offers no Restore.
      await page.getByText("off as saved").first().waitFor();
      expect(await page.getByRole("button", { name: "Restore gift_cards" }).count()).toBe(0);
      await shot("flags");

      await page.goto(`${dashboard}#/new`);
      await page.getByRole("button", { name: "Create draft" }).waitFor();
      await pageFits("the form");
      await shot("form");
      expect(errors).toEqual([]);
      await context.close();
    }, 180_000);
  }
});
