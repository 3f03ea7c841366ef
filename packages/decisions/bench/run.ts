// `npm run bench -- decisions`: how fast `assay decide --replay` replays histories (336 hourly runs each), and
// the policy's measured error rates and power on the contract's scenarios (seeded; more histories than the tests).
// Writes bench-results/decisions.{json,md}. ASSAY_BENCH_HISTORIES (default 2000) sets the null cases' count.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSeededRandom } from "@assay/stats";
import {
  type GuaranteeScenario,
  guaranteeScenarios,
  measureScenario,
  replayLine,
  type ScenarioRates,
  simulateHistory,
} from "../src/index.js";

const out = process.env.ASSAY_BENCH_OUT ?? "bench-results";
const nullHistories = Number(process.env.ASSAY_BENCH_HISTORIES ?? 2000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

// 1. Replay throughput: JSON Lines in, one outcome per history, as the CLI does it (one thread).
const lines = Array.from({ length: 200 }, (_, i) =>
  JSON.stringify(simulateHistory({ id: `bench-${i}` }, createSeededRandom(90_000 + i))),
);
const bytes = lines.reduce((n, l) => n + l.length, 0);
const replayMs: number[] = [];
const parseMs: number[] = [];
for (let round = 0; round < 7; round++) {
  // Alternate the replay with its floor (only parsing the same JSON), so both see the same machine.
  let t = performance.now();
  for (const [i, l] of lines.entries()) replayLine(l, i + 1);
  replayMs.push(performance.now() - t);
  t = performance.now();
  let keep = 0;
  for (const l of lines) keep += (JSON.parse(l) as { snapshots: unknown[] }).snapshots.length;
  parseMs.push(performance.now() - t);
  if (keep === 0) throw new Error("no snapshots parsed");
}
const perHistory = median(replayMs.slice(2)) / lines.length;
const parsePerHistory = median(parseMs.slice(2)) / lines.length;
const throughput = {
  histories: lines.length,
  runs_per_history: 336,
  mean_bytes_per_history: Math.round(bytes / lines.length),
  ms_per_history: perHistory,
  histories_per_minute: 60_000 / perHistory,
  evaluations_per_second: (336 * 1000) / perHistory,
  json_parse_ms_per_history: parsePerHistory,
  ratio_to_json_parse: perHistory / parsePerHistory,
};
console.log("replay", throughput);

// 2. The guarantees (decisions-contract.md), measured.
const counts: Record<GuaranteeScenario, number> = {
  no_effect: nullHistories,
  guardrail_at_threshold: nullHistories,
  guardrail_three_times: 500,
  ratio_guardrail_three_times: 500,
  primary_twice_mde: 500,
  srm_51_49: 500,
};
const rates: ScenarioRates[] = [];
for (const scenario of Object.keys(guaranteeScenarios) as GuaranteeScenario[]) {
  const t = performance.now();
  const r = await measureScenario(scenario, counts[scenario], 7_000_000 + rates.length * 100_000);
  rates.push(r);
  console.log(scenario, r, `${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const row = (r: ScenarioRates) =>
  `| ${r.scenario} | ${r.histories} | ${pct(r.failClosed)} | ${pct(r.failClosedWithin4Days)} | ${r.medianTripDay === null ? "—" : r.medianTripDay.toFixed(2)} | ${pct(r.ship)} | ${pct(r.shipOrRollBack)} | ${pct(r.srmAlert)} |`;
const md = `# decisions bench

Replay (\`assay decide --replay\`'s function, one thread, ${lines.length} histories of 336 hourly runs, median of 5 rounds
alternated with the floor of only parsing the same JSON): **${Math.round(throughput.histories_per_minute).toLocaleString("en")} histories per minute**
(${perHistory.toFixed(1)} ms per history, ${Math.round(throughput.evaluations_per_second).toLocaleString("en")} evaluations per second;
JSON.parse alone ${parsePerHistory.toFixed(1)} ms, ratio ${throughput.ratio_to_json_parse.toFixed(1)}×).

Guarantees (seeded simulations of 14 days, hourly runs, replayed through \`evaluate\`; scenarios in
\`packages/decisions/src/guarantee-scenarios.ts\`):

| scenario | histories | fail-closed | …within 4 days | median trip day | ship | ship or roll back | SRM alert |
|---|---|---|---|---|---|---|---|
${rates.map(row).join("\n")}
`;
writeFileSync(join(out, "decisions.md"), md);
writeFileSync(join(out, "decisions.json"), `${JSON.stringify({ throughput, rates }, null, 2)}\n`);
console.log(md);
