// Times each engine function on sufficient statistics (median of repeated batches, µs per call) and the
// sequential-boundary solver for 10 looks (ms, target < 50). Writes $ASSAY_BENCH_OUT/stats.json and stats.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  adjustPValues,
  bayesBinomial,
  cupedTest,
  meanTest,
  minimumDetectableEffect,
  ratioTest,
  sampleSize,
  sequentialBounds,
  srmTest,
} from "../src/index.js";

interface Case {
  readonly name: string;
  readonly unit: "us" | "ms";
  readonly run: () => unknown;
  readonly target?: number;
}

const meanC = { n: 46014, sum: 1248044.67, sumSquares: 126777314.77 };
const meanT = { n: 9061, sum: 252852.65, sumSquares: 26750380.01 };
const ratioC = {
  n: 18169,
  sumNum: 143055.09,
  sumNumSquares: 6857549.03,
  sumDen: 48090,
  sumDenSquares: 157566,
  sumNumDen: 464292.11,
};
const ratioT = {
  n: 19649,
  sumNum: 170739.4,
  sumNumSquares: 8903598.37,
  sumDen: 52759,
  sumDenSquares: 174479,
  sumNumDen: 562185.66,
};
const cupedC = {
  n: 26705,
  sum: 533117.14,
  sumSquares: 14938101.62,
  sumX: 534779.67,
  sumXSquares: 16093502.26,
  sumXY: 14421033,
};
const cupedT = {
  n: 13926,
  sum: 287512.38,
  sumSquares: 8214443.21,
  sumX: 280066.25,
  sumXSquares: 8483179.12,
  sumXY: 7767302.14,
};
const tenLooks = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
const pValues = Array.from({ length: 20 }, (_, i) => (i + 1) / 40);

const cases: Case[] = [
  { name: "meanTest (Welch)", unit: "us", run: () => meanTest(meanC, meanT) },
  { name: "ratioTest (delta method)", unit: "us", run: () => ratioTest(ratioC, ratioT) },
  { name: "cupedTest", unit: "us", run: () => cupedTest(cupedC, cupedT) },
  { name: "srmTest (3 variants)", unit: "us", run: () => srmTest([33500, 33100, 33400], [1, 1, 1]) },
  { name: "sampleSize", unit: "us", run: () => sampleSize({ baselineRate: 0.1, mdeAbs: 0.005 }) },
  {
    name: "minimumDetectableEffect",
    unit: "us",
    run: () => minimumDetectableEffect({ baselineRate: 0.1, nPerVariant: 50_000 }),
  },
  { name: "adjustPValues holm (20)", unit: "us", run: () => adjustPValues("holm", pValues) },
  {
    name: "bayesBinomial (n ≈ 12k / 16k)",
    unit: "us",
    run: () =>
      bayesBinomial({ control: { n: 11835, conversions: 3743 }, treatment: { n: 15737, conversions: 3800 } }),
  },
  {
    name: "sequentialBounds Pocock-type, 10 looks",
    unit: "ms",
    target: 50,
    run: () => sequentialBounds({ method: "pocock_spending", alpha: 0.05, informationFractions: tenLooks }),
  },
  {
    name: "sequentialBounds O'Brien–Fleming-type, 10 looks",
    unit: "ms",
    target: 50,
    run: () =>
      sequentialBounds({ method: "obrien_fleming_spending", alpha: 0.05, informationFractions: tenLooks }),
  },
];

let sink: unknown;

/** Median time per call over `batches` batches, each long enough (≥ ~20 ms) to be measurable. */
function measure(run: () => unknown): { median: number; min: number; calls: number } {
  const t0 = performance.now();
  let calibration = 0;
  while (performance.now() - t0 < 20) {
    sink = run();
    calibration++;
  }
  const perBatch = Math.max(1, calibration);
  const samples: number[] = [];
  for (let b = 0; b < 15; b++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) sink = run();
    samples.push((performance.now() - start) / perBatch);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[7] ?? Number.NaN, min: samples[0] ?? Number.NaN, calls: perBatch * 15 };
}

const rows = cases.map((c) => {
  const { median, min, calls } = measure(c.run);
  const scale = c.unit === "us" ? 1000 : 1;
  return {
    name: c.name,
    unit: c.unit,
    median: Number((median * scale).toPrecision(4)),
    min: Number((min * scale).toPrecision(4)),
    calls,
    ...(c.target === undefined ? {} : { target: c.target, meetsTarget: median * scale < c.target }),
  };
});
if (sink === undefined) throw new Error("benchmark produced nothing");

const out = resolve(process.env.ASSAY_BENCH_OUT ?? join(import.meta.dirname, "../../../bench-results"));
mkdirSync(out, { recursive: true });
const meta = {
  package: "@assay/stats",
  node: process.version,
  date: new Date().toISOString(),
  note: "shared, noisy machine",
};
writeFileSync(join(out, "stats.json"), `${JSON.stringify({ ...meta, results: rows }, null, 2)}\n`);
const table = [
  "# @assay/stats benchmark",
  "",
  `Node ${process.version}, ${meta.date}. Median of 15 batches; the machine is shared and noisy.`,
  "",
  "| function | median | min | unit | target |",
  "|---|---:|---:|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.median} | ${r.min} | ${r.unit === "us" ? "µs/call" : "ms/call"} | ${
        "target" in r ? `< ${r.target} ms: ${r.meetsTarget ? "met" : "NOT met"}` : ""
      } |`,
  ),
  "",
];
writeFileSync(join(out, "stats.md"), table.join("\n"));
console.log(table.join("\n"));
