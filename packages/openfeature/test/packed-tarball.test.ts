import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspaces } from "../../../scripts/pack-workspace.js";
import { createFixturePayload } from "./payload-fixture.js";

// @assay/openfeature as someone outside the repository gets it: the packed tarballs of it and of @assay/sdk,
// installed with the OpenFeature SDKs (its peers) into a fresh project, used from Node and from a page in Chromium.
const packagesDir = resolve(import.meta.dirname, "..", "..");
const chromiumPath = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
const repoRoot = resolve(packagesDir, "..");
const version = (name: string): string =>
  JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")).version;

let work = "";
let project = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "assay-openfeature-pack-"));
  // prepack builds each package's dist/ first (the SDK before the provider, whose declarations import it).
  const tarballs = packWorkspaces(["sdk", "openfeature"], work);
  project = join(work, "consumer");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const peers = ["@openfeature/core", "@openfeature/server-sdk", "@openfeature/web-sdk"].map(
    (name) => `${name}@${version(name)}`,
  );
  execFileSync(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs, ...peers],
    { cwd: project, stdio: "pipe" },
  );
  writeFileSync(join(project, "payload.json"), JSON.stringify(createFixturePayload()));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed @assay/openfeature in a fresh project", () => {
  it("serves flags to @openfeature/server-sdk in plain Node", () => {
    const script = `
      import { readFileSync } from "node:fs";
      import { OpenFeature } from "@openfeature/server-sdk";
      import { createAssayServerProvider } from "@assay/openfeature/server";
      const payload = JSON.parse(readFileSync("payload.json", "utf8"));
      await OpenFeature.setProviderAndWait(createAssayServerProvider({ payload }));
      const client = OpenFeature.getClient();
      const details = await client.getBooleanDetails("new-checkout", false, { targetingKey: "u1", country: "DE" });
      const missing = await client.getBooleanDetails("nope", false);
      console.log(JSON.stringify({ value: details.value, reason: details.reason, missing: missing.errorCode }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(JSON.parse(out)).toEqual({ value: true, reason: "TARGETING_MATCH", missing: "FLAG_NOT_FOUND" });
  });

  it.skipIf(!existsSync(chromiumPath) && !process.env.CI)(
    "serves flags to @openfeature/web-sdk in a bundled page in Chromium",
    async () => {
      writeFileSync(
        join(project, "page.mjs"),
        `import { OpenFeature } from "@openfeature/web-sdk";
         import { createAssayWebProvider } from "@assay/openfeature/web";
         import payload from "./payload.json";
         await OpenFeature.setContext({ targetingKey: "u1", country: "DE" });
         await OpenFeature.setProviderAndWait(createAssayWebProvider({ payload }));
         const client = OpenFeature.getClient();
         const before = client.getBooleanValue("new-checkout", false);
         await OpenFeature.setContext({ targetingKey: "u1", country: "FR" });
         const after = client.getBooleanValue("new-checkout", true);
         document.body.dataset.result = JSON.stringify({ before, after });`,
      );
      const bundled = await build({
        entryPoints: [join(project, "page.mjs")],
        absWorkingDir: project,
        bundle: true,
        format: "esm",
        platform: "browser",
        target: ["es2022"],
        write: false,
      });
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu"],
      });
      try {
        const page = await browser.newPage();
        const pageErrors: string[] = [];
        page.on("pageerror", (e) => pageErrors.push(e.message));
        await page.setContent("<!doctype html><html><body></body></html>");
        await page.addScriptTag({ content: bundled.outputFiles[0]!.text, type: "module" });
        const read = "document.body.dataset.result";
        await page.waitForFunction(`${read} !== undefined`);
        expect(pageErrors).toEqual([]);
        expect(JSON.parse(String(await page.evaluate(read)))).toEqual({ before: true, after: false });
      } finally {
        await browser.close();
      }
    },
  );
});
