import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/assay.mjs");
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });

let code = "";
beforeAll(() => {
  code = mkdtempSync(join(tmpdir(), "assay-refs-"));
  const put = (path: string, text: string) => {
    mkdirSync(join(code, path, ".."), { recursive: true });
    writeFileSync(join(code, path), text);
  };
  put(
    "src/checkout.ts",
    'import { assay } from "./assay";\n\nif (assay.isEnabled("new_checkout")) {\n  render();\n}\n',
  );
  put(
    "src/banner.tsx",
    'const copy = assay.getFlag("banner_copy", "Hi");\nconst other = "new_checkout_v2";\n',
  );
  put("node_modules/lib/index.js", 'isEnabled("new_checkout");\n');
  put("dist/app.js", 'isEnabled("new_checkout");\n');
  put(".git/HEAD", "new_checkout\n");
  writeFileSync(
    join(code, "image.bin"),
    Buffer.from([0, 110, 101, 119, 95, 99, 104, 101, 99, 107, 111, 117, 116]),
  );
  writeFileSync(
    `${code}-flags.json`,
    JSON.stringify({ flags: [{ key: "new_checkout" }, { key: "banner_copy" }, { key: "gone" }] }),
  );
});
afterAll(() => {
  rmSync(code, { recursive: true, force: true });
  rmSync(`${code}-flags.json`, { force: true });
});

describe("assay flags refs (a real child process)", () => {
  it("lists file:line of a key as a whole token, skipping node_modules, .git, dist and binary files", () => {
    const res = run("flags", "refs", code, "new_checkout");
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout.trim().split("\n")).toEqual([
      'src/checkout.ts:3: new_checkout: if (assay.isEnabled("new_checkout")) {',
    ]);
  });

  it("reads every key of GET /api/flags output and names the ones found nowhere", () => {
    const res = run("flags", "refs", code, "--flags", `${code}-flags.json`, "--json");
    expect(res.status).toBe(0);
    expect(res.stderr).toBe("not found: gone\n");
    const refs = res.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(
      refs.map((r: { file: string; line: number; key: string }) => `${r.file}:${r.line}:${r.key}`),
    ).toEqual(["src/banner.tsx:1:banner_copy", "src/checkout.ts:3:new_checkout"]);
  });

  it("exits 1 when no key is found, and fails with a message for a missing folder", () => {
    const none = run("flags", "refs", join(code, "src"), "gone");
    expect(none.status).toBe(1);
    expect(none.stdout).toBe("");
    const missing = run("flags", "refs", join(code, "nope"), "x");
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/not a folder/);
  });
});
