import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspaces } from "../../../scripts/pack-workspace.js";

// What someone outside this repository gets: `npm pack` of @assay/sdk, installed into a fresh project in a temp
// folder (offline: the SDK has no dependencies), used from plain Node and from a bundled page in Chromium.
const chromiumPath = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const payload = {
  version: 1,
  environment: "test",
  generatedAt: "2026-11-23T12:00:00Z",
  layers: [],
  segments: [],
  experiments: [
    {
      key: "pricing",
      status: "running",
      variants: [
        { key: "control", weight: 50, isControl: true, value: "A" },
        { key: "treatment", weight: 50, isControl: false, value: "B" },
      ],
      salt: "2026-11",
      seed: 0,
      iteration: 1,
      coverage: 100,
      targeting: {},
    },
  ],
  flags: [
    {
      key: "new-checkout",
      type: "boolean",
      defaultValue: false,
      enabled: true,
      killSwitch: false,
      rules: [{ condition: { attribute: "country", op: "eq", value: "DE" }, value: true }],
      rollout: null,
      prerequisites: [],
      overrides: [],
    },
  ],
};

const usage = `
import { createAssayClient, getBucket } from "@assay/sdk";
const payload = ${JSON.stringify(payload)};
const errors = [];
const assay = createAssayClient({ payload, onError: (e) => errors.push(e.code) });
export const result = {
  variant: assay.getVariant("pricing", { identity_id: "user-1" }),
  bucket: getBucket("user-1", "pricing", "2026-11", 0),
  de: assay.isEnabled("new-checkout", { identity_id: "user-1", country: "DE" }),
  fr: assay.isEnabled("new-checkout", { identity_id: "user-1", country: "FR" }),
  errors,
};
`;

let work = "";
let project = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "assay-sdk-pack-"));
  // prepack builds dist/ (tsc + the browser bundles) before the tarball is made.
  const [tarball = "no tarball"] = packWorkspaces(["sdk"], work);
  project = join(work, "consumer");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }),
  );
  execFileSync(npm, ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], {
    cwd: project,
    stdio: "pipe",
  });
  writeFileSync(join(project, "usage.mjs"), usage);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed @assay/sdk in a fresh project", () => {
  it("ships built JavaScript and declarations, no TypeScript entry points", () => {
    const installed = join(project, "node_modules", "@assay", "sdk");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.exports["."].import).toBe("./dist/index.js");
    expect(manifest.exports["."].types).toBe("./dist/index.d.ts");
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(existsSync(join(installed, "dist", "index.js"))).toBe(true);
    expect(existsSync(join(installed, "dist", "index.d.ts"))).toBe(true);
    expect(readdirSync(join(installed, "dist")).some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toBe(
      false,
    );
  });

  it("is imported and used from plain Node (no TypeScript loader)", () => {
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const { result } = await import("./usage.mjs"); console.log(JSON.stringify(result));',
      ],
      { cwd: project, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
    );
    const result = JSON.parse(out);
    expect(["control", "treatment"]).toContain(result.variant);
    expect(result.variant).toBe(result.bucket < 5000 ? "control" : "treatment");
    expect(result.de).toBe(true);
    expect(result.fr).toBe(false);
    expect(result.errors).toEqual([]);
  });

  it.skipIf(!existsSync(chromiumPath) && !process.env.CI)(
    "is bundled by esbuild and runs in Chromium",
    async () => {
      writeFileSync(
        join(project, "page.mjs"),
        'import { result } from "./usage.mjs";\ndocument.body.dataset.result = JSON.stringify(result);\n',
      );
      const bundled = await build({
        entryPoints: [join(project, "page.mjs")],
        absWorkingDir: project,
        bundle: true,
        minify: true,
        format: "esm",
        platform: "browser",
        write: false,
      });
      const script = bundled.outputFiles[0]!.text;
      expect(script).not.toContain("node:");
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ["--headless", "--no-sandbox", "--disable-gpu"],
      });
      try {
        const page = await browser.newPage();
        const pageErrors: string[] = [];
        page.on("pageerror", (e) => pageErrors.push(e.message));
        await page.setContent("<!doctype html><html><body></body></html>");
        await page.addScriptTag({ content: script, type: "module" });
        const read = "document.body.dataset.result";
        await page.waitForFunction(`${read} !== undefined`);
        const result = JSON.parse(String(await page.evaluate(read)));
        expect(pageErrors).toEqual([]);
        expect(result.variant).toBe(result.bucket < 5000 ? "control" : "treatment");
        expect(result.de).toBe(true);
        expect(result.fr).toBe(false);
      } finally {
        await browser.close();
      }
    },
  );
});
