import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const bin = join(import.meta.dirname, "..", "..", "bin", "assay.mjs");

export interface ServerProcess {
  readonly url: string;
  /** The bootstrap admin key from `<home>/api-keys.json`. */
  readonly key: string;
  readonly home: string;
  readonly child: ChildProcess;
  /** Stops the server (SIGTERM: it compacts and closes) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs `assay serve --no-demo` as a child process on a free port and resolves once it listens, so a
 * simulation can drive it over real HTTP while it uses the other core.
 * @example const server = await spawnServer("/tmp/assay-home"); ...; await server.stop();
 */
export function spawnServer(home: string, extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const { PORT: _port, HOST: _host, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [bin, "serve", "--port", "0", "--home", home, "--no-demo", ...extraArgs],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...env, ASSAY_DATABASE_URL: "" },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null && out.includes("API key")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        readFile(join(home, "api-keys.json"), "utf8").then((text) => {
          resolve({
            url: m[1]!,
            key: (JSON.parse(text) as { admin: string }).admin,
            home,
            child,
            async stop() {
              if (child.exitCode === null) child.kill("SIGTERM");
              await exited;
            },
          });
        }, reject);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`assay serve exited (${code}) before listening:\n${out}`)));
  });
}
