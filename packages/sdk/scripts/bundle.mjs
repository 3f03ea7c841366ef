#!/usr/bin/env node
// Bundles the SDK for browsers (IIFE global `AssaySDK` and ESM, minified) and reports min + gzip sizes.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");
const out = join(root, "dist", "browser");
mkdirSync(out, { recursive: true });

const common = {
  entryPoints: [join(root, "src", "index.ts")],
  bundle: true,
  minify: true,
  platform: "browser",
  target: ["es2020"],
  write: false,
  legalComments: "none",
};
const targets = [
  { file: "assay-sdk.min.js", options: { format: "iife", globalName: "AssaySDK" } },
  { file: "assay-sdk.esm.min.js", options: { format: "esm" } },
];
const sizes = {};
for (const { file, options } of targets) {
  const result = await build({ ...common, ...options });
  const code = result.outputFiles[0].contents;
  writeFileSync(join(out, file), code);
  sizes[file] = { minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}
writeFileSync(join(out, "bundle-size.json"), `${JSON.stringify(sizes, null, 2)}\n`);
for (const [file, s] of Object.entries(sizes)) {
  console.log(
    `${file}: ${(s.minBytes / 1024).toFixed(1)} KiB min, ${(s.gzipBytes / 1024).toFixed(1)} KiB min+gzip`,
  );
}
