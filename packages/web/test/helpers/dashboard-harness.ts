import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const webDir = join(import.meta.dirname, "..", "..");
const repoRoot = join(webDir, "..", "..");
const cli = join(repoRoot, "packages", "cli", "bin", "assay.mjs");

export const chromiumPath = process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium";
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(path) : s.mtimeMs);
  }
  return newest;
}

/** Builds `dist/` with Vite when it is missing or older than the sources. */
export async function buildIfNeeded(): Promise<"built" | "fresh"> {
  const index = join(webDir, "dist", "index.html");
  const sources = Math.max(
    newestMtime(join(webDir, "src")),
    statSync(join(webDir, "index.html")).mtimeMs,
    statSync(join(webDir, "vite.config.ts")).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return "fresh";
  const { build } = await import("vite");
  await build({ configFile: join(webDir, "vite.config.ts"), logLevel: "warn" });
  return "built";
}

export interface ServerProcess {
  readonly url: string;
  readonly adminKey: string;
  readonly home: string;
  stop(): Promise<void>;
}

/** Runs the real `assay serve` as a child process on a free port with a fresh home, and waits until it listens. */
export async function startServerProcess(extraArgs: ReadonlyArray<string> = []): Promise<ServerProcess> {
  const home = await mkdtemp(join(tmpdir(), "assay-web-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, "serve", "--port", "0", "--home", home, ...extraArgs],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ASSAY_DATABASE_URL: "" },
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null && out.includes("API key")) {
        child.stdout?.off("data", onData);
        resolve(m[1]!);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`assay serve exited (${code}) before listening:\n${out}`)));
  });
  const adminKey = (JSON.parse(await readFile(join(home, "api-keys.json"), "utf8")) as { admin: string })
    .admin;
  return {
    url,
    adminKey,
    home,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * The dashboard's address: the server serves the built bundle at `/`. Fails with the server's answer when it
 * does not (no build, or a server without the dashboard).
 */
export async function dashboardUrl(serverUrl: string): Promise<string> {
  const res = await fetch(`${serverUrl}/`);
  const body = await res.text();
  if (!res.ok || !body.includes('id="root"'))
    throw new Error(
      `the server does not serve the dashboard at ${serverUrl}/ (${res.status}): ${body.slice(0, 300)}`,
    );
  return `${serverUrl}/`;
}
