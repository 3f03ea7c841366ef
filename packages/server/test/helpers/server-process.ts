import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const cli = join(import.meta.dirname, "..", "..", "..", "cli", "bin", "assay.mjs");

export interface ServerProcess {
  readonly url: string;
  readonly key: string;
  readonly child: ChildProcess;
}

/** Runs `assay serve` as a real child process on a free port and waits until it listens. */
export function spawnServer(home: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", "--home", home, "--no-demo"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ASSAY_DATABASE_URL: "" },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null && out.includes("API key")) {
        child.stdout?.off("data", onData);
        readFile(join(home, "api-keys.json"), "utf8").then(
          (text) => resolve({ url: m[1]!, key: (JSON.parse(text) as { admin: string }).admin, child }),
          reject,
        );
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}
