// Flag and experiment evaluations per second, Assay vs @growthbook/growthbook, same payload and user contexts.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { GrowthBookClient } from "@growthbook/growthbook";
import { build } from "esbuild";
import { createAssayClient } from "../src/index.js";
import { createBenchPayloads, createUsers } from "./bench-payload.js";

const USERS = Number(process.env.ASSAY_BENCH_USERS ?? 1_000_000);
const REPEATS = 3;
const LATENCY_SAMPLES = Math.min(200_000, USERS);
const out = process.env.ASSAY_BENCH_OUT ?? resolve(import.meta.dirname, "../../../bench-results");

const { payload, growthbookFeatures, flagKeys, defaults, experimentFlagKeys, experimentKeys } =
  createBenchPayloads();
const users = createUsers(USERS, 20261123);
const gbContexts = users.map((attributes) => ({ attributes }));

const assay = createAssayClient({ payload, onError: (e) => console.error(e.message) });
const gb = new GrowthBookClient({});
gb.initSync({ payload: { features: growthbookFeatures as never } });

const flagCount = flagKeys.length;
const expCount = experimentFlagKeys.length;
let sink = 0;
const consume = (v: unknown) => {
  sink += v === true || v === "B" || v === "new" || v === "treatment" ? 1 : 0;
};

// Both libraries must agree on everything that does not depend on their (different) hash functions.
for (let i = 0; i < 20_000; i++) {
  const k = i % flagCount;
  if (k % 5 === 1 || k % 5 === 2 || k % 5 === 3) continue;
  const a = assay.getFlag(flagKeys[k]!, defaults[k]!, users[i]!);
  const g = gb.getFeatureValue(flagKeys[k]!, defaults[k]!, gbContexts[i]!);
  if (a !== g) throw new Error(`disagreement on ${flagKeys[k]} for ${users[i]!.identity_id}: ${a} vs ${g}`);
}

type Runner = () => void;
const runners: Record<string, Runner> = {
  "assay flags": () => {
    for (let i = 0; i < USERS; i++)
      consume(assay.getFlag(flagKeys[i % flagCount]!, defaults[i % flagCount]!, users[i]!));
  },
  "growthbook flags": () => {
    for (let i = 0; i < USERS; i++) {
      consume(gb.getFeatureValue(flagKeys[i % flagCount]!, defaults[i % flagCount]!, gbContexts[i]!));
    }
  },
  "assay experiment flags": () => {
    for (let i = 0; i < USERS; i++) consume(assay.getFlag(experimentFlagKeys[i % expCount]!, "A", users[i]!));
  },
  "growthbook experiment flags": () => {
    for (let i = 0; i < USERS; i++)
      consume(gb.getFeatureValue(experimentFlagKeys[i % expCount]!, "A", gbContexts[i]!));
  },
  "assay getVariant": () => {
    for (let i = 0; i < USERS; i++) consume(assay.getVariant(experimentKeys[i % expCount]!, users[i]!));
  },
};

const seconds: Record<string, number[]> = {};
for (let r = 0; r < REPEATS; r++) {
  for (const [name, run] of Object.entries(runners)) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = process.hrtime.bigint();
    run();
    const t1 = process.hrtime.bigint();
    seconds[name] = [...(seconds[name] ?? []), Number(t1 - t0) / 1e9];
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perSecond = Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, USERS / median(v)]));

function latency(evaluate: (i: number) => unknown): { p50: number; p99: number; p999: number } {
  const samples = new Float64Array(LATENCY_SAMPLES);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    consume(evaluate(i));
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(LATENCY_SAMPLES - 1, Math.floor(q * LATENCY_SAMPLES))]!;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}
const timerOverhead = latency(() => 0);
const latencyNs = {
  "assay flags": latency((i) => assay.getFlag(flagKeys[i % flagCount]!, defaults[i % flagCount]!, users[i]!)),
  "assay experiment flags": latency((i) => assay.getFlag(experimentFlagKeys[i % expCount]!, "A", users[i]!)),
  "growthbook flags": latency((i) =>
    gb.getFeatureValue(flagKeys[i % flagCount]!, defaults[i % flagCount]!, gbContexts[i]!),
  ),
  "timer overhead": timerOverhead,
};

// The size a browser application pays: the published ESM build (dist/, what `npm pack` ships), bundled and minified.
const sdkRoot = resolve(import.meta.dirname, "..");
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  {
    cwd: sdkRoot,
    stdio: "inherit",
  },
);
const bundle = await build({
  entryPoints: [resolve(sdkRoot, "dist/index.js")],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["es2020"],
  write: false,
  legalComments: "none",
});
const code = bundle.outputFiles[0]!.contents;
const bundleBytes = { min: code.length, minGzip: gzipSync(code, { level: 9 }).length };

const ratios = {
  flags: perSecond["assay flags"]! / perSecond["growthbook flags"]!,
  experiments: perSecond["assay experiment flags"]! / perSecond["growthbook experiment flags"]!,
};
const result = {
  benchmark: "sdk: flag and experiment evaluations, Assay vs @growthbook/growthbook",
  node: process.version,
  users: USERS,
  flags: flagCount,
  repeats: REPEATS,
  evaluationsPerSecond: perSecond,
  ratioVsGrowthbook: ratios,
  latencyNs,
  bundleBytes,
  targets: { ratioAtLeast: 3, p99UnderNs: 5000 },
  meets: {
    ratio: ratios.flags >= 3 && ratios.experiments >= 3,
    p99: latencyNs["assay flags"].p99 < 5000 && latencyNs["assay experiment flags"].p99 < 5000,
  },
  sink,
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "sdk.json"), `${JSON.stringify(result, null, 2)}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const md = `# SDK benchmark

Node ${process.version}; ${USERS.toLocaleString("en-US")} user contexts (seeded), ${flagCount}-flag payload
(packages/sdk/bench/bench-payload.ts: targeting rules, rollouts, experiments, semver, prerequisite + regex),
the same payload semantics and user objects for both libraries; medians of ${REPEATS} runs on a shared, noisy machine.

| evaluation | Assay / s | GrowthBook / s | ratio |
|---|---:|---:|---:|
| flags (100 flags, one per user, cycling) | ${fmt(perSecond["assay flags"]!)} | ${fmt(perSecond["growthbook flags"]!)} | ${ratios.flags.toFixed(2)}× |
| experiment-linked flags (20 experiments) | ${fmt(perSecond["assay experiment flags"]!)} | ${fmt(perSecond["growthbook experiment flags"]!)} | ${ratios.experiments.toFixed(2)}× |
| Assay \`getVariant\` | ${fmt(perSecond["assay getVariant"]!)} | | |

Latency per evaluation (ns, ${LATENCY_SAMPLES.toLocaleString("en-US")} individually timed calls, timer overhead included):

| | p50 | p99 | p99.9 |
|---|---:|---:|---:|
${Object.entries(latencyNs)
  .map(([k, v]) => `| ${k} | ${fmt(v.p50)} | ${fmt(v.p99)} | ${fmt(v.p999)} |`)
  .join("\n")}

Targets: ≥ 3× GrowthBook's throughput: **${result.meets.ratio ? "met" : "not met"}**; p99 < 5 µs: **${result.meets.p99 ? "met" : "not met"}**.

Browser bundle (the built ESM in dist/, bundled by esbuild, minified): ${(bundleBytes.min / 1024).toFixed(1)} KiB, **${(bundleBytes.minGzip / 1024).toFixed(1)} KiB min + gzip**; no runtime dependencies.
`;
writeFileSync(join(out, "sdk.md"), md);
console.log(md);
