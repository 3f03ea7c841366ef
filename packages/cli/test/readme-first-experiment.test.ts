import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 18: the README's "Your first experiment" (and its SDK snippet) run as written. The code blocks are taken
// from README.md and run in order from the repository folder against `npm start`; the only changes are the
// server's address and home (a free port and a temporary folder instead of 127.0.0.1:3000 and .assay/: replaced
// in the text, and given as ASSAY_URL / ASSAY_HOME / PORT where a command relies on its defaults), so the test never
// touches a developer's own server or data.
const root = join(import.meta.dirname, "../../..");
const readme = readFileSync(join(root, "README.md"), "utf8");

interface Block {
  readonly lang: string;
  readonly code: string;
}

/** The fenced code blocks between a heading and the next heading of the same or a higher level. */
function blocksOf(heading: string): Block[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}"`);
  const level = heading.split(" ")[0]!;
  const rest = readme.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  const body = next < 0 ? rest : rest.slice(0, next);
  return [...body.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

function run(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", `set -euo pipefail\n${script}`], { cwd: root, env });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("README: Your first experiment, run as written", () => {
  const first = blocksOf("## Your first experiment");
  const sdk = blocksOf("### 2. Assign users: the SDK");
  let home: string;
  let server: ChildProcess | undefined;
  let url = "";
  const written: string[] = [];
  const env = () => ({ ...process.env, CI: "true" });
  const localize = (code: string) =>
    code
      .replaceAll("http://127.0.0.1:3000", url)
      .replaceAll("./.assay/", `${home}/`)
      .replaceAll(".assay/", `${home}/`);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "assay-readme-"));
    const start = first[0]!;
    expect(start.code.trim()).toBe("npm start");
    server = spawn("bash", ["-c", start.code], {
      cwd: root,
      env: { ...env(), PORT: "0", ASSAY_HOME: home, ASSAY_DATABASE_URL: "" },
      detached: true,
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      server!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m !== null && /^Ready:/m.test(out)) resolve(m[1]!);
      });
      server!.stderr!.on("data", (d: Buffer) => {
        out += d.toString();
      });
      server!.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
    });
  }, 240_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      process.kill(-server.pid, "SIGTERM");
      await exited;
    }
    for (const file of written) await rm(file, { force: true });
    // The server's last compaction may still be writing when its group exits: retry the removal.
    if (home !== undefined) await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }, 240_000);

  /** Saves each TypeScript block under the file name the next `npx tsx <file>` names (or its own first line). */
  const saveScripts = async (blocks: ReadonlyArray<Block>) => {
    for (const [i, b] of blocks.entries()) {
      if (b.lang !== "ts") continue;
      const named =
        /npx tsx (\S+\.mts)/.exec(b.code.split("\n")[0] ?? "")?.[1] ??
        /npx tsx (\S+\.mts)/.exec(blocks[i + 1]?.code ?? "")?.[1];
      expect(named, "a TypeScript block says how it is run").toBeDefined();
      const path = join(root, named!);
      written.push(path);
      await writeFile(path, localize(b.code));
    }
  };

  it("the SDK snippet assigns a demo user and sends its exposure with the key", async () => {
    await saveScripts(sdk);
    const snippet = sdk.find((b) => b.lang === "ts" && b.code.includes("createEventClient"))!;
    const command = /npx tsx \S+\.mts/.exec(snippet.code)![0];
    const { code, out } = await run(command, env(), 120_000);
    expect(out).not.toMatch(/assay: |events dropped/);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^"?(control|treatment)"?$/m);
  }, 180_000);

  it("creates the experiment, wires the SDK, sends traffic with assay simulate and shows the decision", async () => {
    await saveScripts(first);
    const script = first
      .slice(1)
      .filter((b) => b.lang === "sh")
      .map((b) => localize(b.code))
      .join("\n");
    const { code, out } = await run(script, { ...env(), ASSAY_URL: url, ASSAY_HOME: home }, 420_000);
    expect(code, out).toBe(0);
    expect(out).toMatch(/first-user sees (control|treatment)/);
    expect(out).not.toMatch(/events dropped/);
    // simulate's own checks pass and it reports the decision; the last block prints the stored decision.
    expect(out).toMatch(/decision/i);
    const last = out.trimEnd().split("\n").at(-1) ?? "";
    const decision = JSON.parse(last) as {
      experiment_key: string;
      status: string;
      evaluated_at: string | null;
    };
    expect(decision.experiment_key).toBe("first_checkout");
    expect(["ship", "roll_back", "keep_running", "inconclusive"]).toContain(decision.status);
    expect(decision.evaluated_at).not.toBeNull();
  }, 480_000);
});
