#!/usr/bin/env node
// The registry mirror this project installs from lacks some other-platform builds (e.g. @biomejs/cli-darwin-x64),
// so `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock as out of sync.
// This adds a lock entry for each missing optional dependency, marked optional with the os/cpu its name declares,
// so npm ci skips it on this platform, as it would with a complete registry. Run after `npm install`;
// `--check` (part of `npm run lint`) fails instead of writing when an entry is missing.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const lockPath = resolve(import.meta.dirname, "..", "package-lock.json");
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;
const osNames = [
  "android",
  "darwin",
  "linux",
  "win32",
  "freebsd",
  "openbsd",
  "netbsd",
  "sunos",
  "aix",
  "openharmony",
];
const cpuNames = [
  "x64",
  "arm64",
  "arm",
  "ia32",
  "ppc64",
  "s390x",
  "riscv64",
  "loong64",
  "mips64el",
  "wasm32",
];
let added = 0;

for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ""}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    const parts = name.split(/[-/]/);
    const os = osNames.filter((o) => parts.includes(o));
    const cpu = cpuNames.filter((c) => parts.includes(c));
    const version = String(range).replace(/^[\^~=]/, "");
    packages[`node_modules/${name}`] = {
      version,
      optional: true,
      ...(os.length > 0 ? { os } : {}),
      ...(cpu.length > 0 ? { cpu } : {}),
    };
    added++;
  }
}

if (process.argv.includes("--check")) {
  if (added > 0) {
    console.error(
      `package-lock.json lacks ${added} optional platform entries: run node scripts/complete-lockfile.mjs`,
    );
    process.exit(1);
  }
  console.log("complete-lockfile: ok");
  process.exit(0);
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
