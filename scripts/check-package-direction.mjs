#!/usr/bin/env node
// Fails when a package imports a sibling it must not: dependencies point inward (stats, sdk <- openfeature, decisions, pipeline <- server, cli).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const allowed = {
  stats: [],
  sdk: [],
  openfeature: ["sdk"],
  decisions: ["stats"],
  pipeline: ["stats"],
  server: ["stats", "sdk", "decisions", "pipeline"],
  cli: ["stats", "sdk", "decisions", "pipeline", "server"],
  web: ["stats", "sdk"],
};
const root = resolve(import.meta.dirname, "..");
const problems = [];

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) yield path;
  }
}

const importPattern = /(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const [pkg, deps] of Object.entries(allowed)) {
  const dir = join(root, "packages", pkg);
  for (const sub of ["src", "test", "bench"]) {
    let exists = true;
    try {
      statSync(join(dir, sub));
    } catch {
      exists = false;
    }
    if (!exists) continue;
    for (const file of sourceFiles(join(dir, sub))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(importPattern)) {
        const spec = m[1] ?? m[2] ?? "";
        const rel = relative(root, file);
        const sibling = /^@assay\/([^/]+)/.exec(spec)?.[1];
        if (sibling && sibling !== pkg && !deps.includes(sibling)) {
          problems.push(`${rel}: @assay/${pkg} must not import @assay/${sibling}`);
        }
        if (spec.startsWith(".")) {
          const target = relative(join(root, "packages"), resolve(file, "..", spec));
          const targetPkg = target.split("/")[0];
          if (!target.startsWith("..") && targetPkg !== pkg) {
            problems.push(
              `${rel}: reaches into packages/${targetPkg} by a relative path; import @assay/${targetPkg}`,
            );
          }
        }
      }
    }
  }
}

// One lake reader, one quoting function: the server (its source, tests and benches) reads the Parquet lake only
// through @assay/pipeline's createLakeReader, and no file re-spells sqlString (pipeline/src/sql/sql-string.ts; ClickHouse's own
// backslash-escaping literal lives in its warehouse folder's sql-compiler.ts).
const quotingHome = new Set([
  "packages/pipeline/src/sql/sql-string.ts",
  "packages/pipeline/src/warehouses/clickhouse/sql-compiler.ts",
]);
const redeclaredQuoting = /replaceAll\(\s*["']'["']\s*,|replace\(\s*\/'\/g\s*,/;
for (const pkg of Object.keys(allowed)) {
  for (const sub of ["src", "test", "bench"]) {
    const dir = join(root, "packages", pkg, sub);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const file of sourceFiles(dir)) {
      const rel = relative(root, file);
      const text = readFileSync(file, "utf8");
      if (pkg === "server" && text.includes("read_parquet")) {
        problems.push(
          `${rel}: reads the lake with its own read_parquet SQL; use createLakeReader (@assay/pipeline)`,
        );
      }
      if (!quotingHome.has(rel) && redeclaredQuoting.test(text)) {
        problems.push(`${rel}: re-declares SQL quoting; use sqlString (@assay/pipeline) or a parameter`);
      }
    }
  }
}

const sdkManifest = JSON.parse(readFileSync(join(root, "packages/sdk/package.json"), "utf8"));
if (Object.keys(sdkManifest.dependencies ?? {}).length > 0) {
  problems.push("packages/sdk/package.json: the SDK must have no runtime dependencies");
}

if (problems.length > 0) {
  console.error(`package direction: ${problems.length} problem(s)\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("package direction: ok");
