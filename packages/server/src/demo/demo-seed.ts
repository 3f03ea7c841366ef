import { generateToLake, runPipeline } from "@assay/pipeline";
import { createApiKey } from "../registry/auth.js";
import { writePipelineConfig } from "../results/pipeline-config.js";
import type { RunningServer } from "../start-server.js";

const DAY_MS = 24 * 3600 * 1000;

/** The generator's metrics (`generatedMetrics` of `@assay/pipeline`), as registry definitions. */
const demoMetrics = [
  {
    key: "conversion_7d",
    name: "Purchase conversion (7 d)",
    type: "conversion",
    event: "purchase",
    window_days: 7,
  },
  { key: "orders_7d", name: "Orders per user (7 d)", type: "count", event: "purchase", window_days: 7 },
  {
    key: "revenue_7d",
    name: "Revenue per user (7 d)",
    unit: "EUR",
    type: "sum",
    event: "purchase",
    window_days: 7,
    cuped_pre_days: 14,
  },
  {
    key: "revenue_per_session",
    name: "Revenue per session (7 d)",
    unit: "EUR",
    type: "ratio",
    window_days: 7,
    numerator: { event: "purchase", aggregation: "sum" },
    denominator: { event: "session_start", aggregation: "count" },
  },
  // The metric types of docs/metrics.md: capped revenue, a latency percentile and day-7 retention.
  {
    key: "revenue_capped_7d",
    name: "Revenue per user, capped at p99 (7 d)",
    unit: "EUR",
    type: "sum",
    event: "purchase",
    window_days: 7,
    cuped_pre_days: 14,
    cap: { percentile: 0.99 },
  },
  {
    key: "page_load_p90",
    name: "Page load time, p90 of page loads (7 d)",
    unit: "ms",
    type: "quantile",
    quantile: 0.9,
    of: "event",
    event: "page_load",
    window_days: 7,
  },
  {
    key: "retention_d7",
    name: "Day-7 retention (a session on day 7)",
    type: "retention",
    event: "session_start",
    from_day: 7,
    to_day: 8,
  },
] as const;

/** Keys and variants match the generator's default experiments, so generated rows belong to them. */
const demoExperiments = [
  {
    key: "exp_checkout",
    name: "One-page checkout",
    hypothesis: "Collapsing checkout into one page raises purchase conversion.",
    variants: [
      { key: "control", allocation: 50, is_control: true, description: "Three-step checkout" },
      { key: "treatment", allocation: 50, description: "One-page checkout" },
    ],
    power_analysis: { baseline_rate: 0.1, mde_abs: 0.015, alpha: 0.05, power: 0.8 },
    participation: 0.7,
  },
  {
    key: "exp_onboarding",
    name: "Guided onboarding",
    hypothesis: "A guided tour for new users raises purchase conversion.",
    variants: [
      { key: "control", allocation: 50, is_control: true, description: "No tour" },
      { key: "guided", allocation: 50, description: "Guided tour" },
    ],
    power_analysis: { baseline_rate: 0.1, mde_abs: 0.02, alpha: 0.05, power: 0.8 },
    participation: 0.5,
  },
] as const;

/** A segment the demo flags target. */
const demoSegments = [
  {
    key: "beta_testers",
    name: "Beta testers",
    description: "Users who opted into the beta programme.",
    condition: { attribute: "beta", op: "eq", value: true },
  },
] as const;

/**
 * Flags as a product team keeps them: a gradual rollout limited to some countries, a string flag at 10 %, a
 * flag for beta testers only, a JSON config, and one saved off (not killed) for an unfinished feature.
 */
const demoFlags = [
  {
    key: "new_search",
    name: "New search ranking",
    description: "Gradual rollout of the learned ranking model, EU first.",
    type: "boolean",
    default_value: false,
    variation_value: true,
    enabled: true,
    rollout_percentage: 25,
    targeting: {
      include_segments: [],
      exclude_segments: [],
      condition: { attribute: "country", op: "in", value: ["DE", "GB", "FR"] },
    },
  },
  {
    key: "recommendation_model",
    name: "Recommendation model",
    description: "Which model fills the 'you may also like' row.",
    type: "string",
    default_value: "bm25",
    variation_value: "two_tower_v3",
    enabled: true,
    rollout_percentage: 10,
  },
  {
    key: "dark_mode",
    name: "Dark mode",
    description: "Dark theme for beta testers.",
    type: "boolean",
    default_value: false,
    variation_value: true,
    enabled: true,
    rollout_percentage: 100,
    targeting: { include_segments: ["beta_testers"], exclude_segments: [], condition: null },
  },
  {
    key: "checkout_limits",
    name: "Checkout limits",
    description: "Cart limits served to every client.",
    type: "json",
    default_value: { max_items: 50, max_total_eur: 5000 },
    variation_value: { max_items: 100, max_total_eur: 10000 },
    enabled: true,
    rollout_percentage: 50,
    targeting: {
      include_segments: [],
      exclude_segments: [],
      condition: { attribute: "plan", op: "in", value: ["pro", "business"] },
    },
  },
  {
    key: "gift_cards",
    name: "Gift cards",
    description: "Not launched yet: saved off.",
    type: "boolean",
    default_value: false,
    variation_value: true,
    enabled: false,
    rollout_percentage: 0,
  },
] as const;

/** Pre-period days written before the experiments start: the CUPED covariate of `revenue_7d` reads them. */
const PRE_PERIOD_DAYS = 14;

export interface DemoOptions {
  /** Synthetic users; default 20,000. */
  readonly users?: number;
  /** Days of data, ending yesterday (UTC); default 14. */
  readonly days?: number;
  /** Generator seed; default 1. */
  readonly seed?: number;
  /** "Today"; default now. */
  readonly now?: Date;
  readonly print?: (line: string) => void;
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * First-start demo: registers the generator's metrics and two running experiments (metrics contract,
 * preregistration, power analysis, reviewed by a second key), a segment and a few flags in team `demo`, writes
 * the lake's `assay.yaml` from the registry (`writePipelineConfig`), generates `days` of synthetic data ending
 * yesterday (and the pre-period CUPED reads) into the lake, runs the pipeline for yesterday and a few earlier
 * days (the cumulative history) and evaluates each decision once, so `/api/experiments`, every summary and the
 * decision show results at once.
 * @example await startServer({ onFirstStart: (server) => seedDemo(server) });
 */
export async function seedDemo(server: RunningServer, options: DemoOptions = {}): Promise<void> {
  const print = options.print ?? (() => undefined);
  const startedAt = Date.now();
  const users = options.users ?? 20_000;
  const days = options.days ?? 14;
  const today = Math.floor((options.now ?? new Date()).getTime() / DAY_MS) * DAY_MS;
  const startMs = today - days * DAY_MS;
  const endMs = today + 14 * DAY_MS;
  const dt = utcDay(today - DAY_MS);
  const lake = server.context.lake.dir;
  const reviewer = await createApiKey(server.context.db, {
    team: "demo",
    role: "reviewer",
    name: "demo-reviewer",
  });
  const call = async (key: string, method: "POST" | "PUT", url: string, payload: object) => {
    const res = await server.app.inject({
      method,
      url,
      payload,
      headers: { authorization: `Bearer ${key}` },
    });
    if (res.statusCode >= 300) throw new Error(`demo setup: ${method} ${url}: ${res.statusCode} ${res.body}`);
  };
  for (const m of demoMetrics) await call(server.adminKey, "PUT", `/api/metrics/${m.key}`, m);
  for (const e of demoExperiments) {
    await call(server.adminKey, "POST", "/api/experiments", {
      key: e.key,
      name: e.name,
      hypothesis: e.hypothesis,
      description: "Demo experiment with synthetic data (assay serve, first start).",
      type: "ab",
      owner_team: "demo",
      variants: e.variants,
      metrics: [
        { metric_key: "conversion_7d", role: "primary", direction: "increase" },
        { metric_key: "revenue_7d", role: "secondary", direction: "increase" },
        { metric_key: "orders_7d", role: "secondary", direction: "increase" },
        { metric_key: "revenue_per_session", role: "guardrail", direction: "increase", threshold: 0.1 },
        { metric_key: "revenue_capped_7d", role: "secondary", direction: "increase" },
        { metric_key: "page_load_p90", role: "secondary", direction: "decrease" },
        { metric_key: "retention_d7", role: "secondary", direction: "increase" },
      ],
      start_at: new Date(startMs).toISOString(),
      end_at: new Date(endMs).toISOString(),
      prereg_url: `https://wiki.example.com/prereg/${e.key}`,
      power_analysis: e.power_analysis,
    });
    await call(server.adminKey, "POST", `/api/experiments/${e.key}/status`, { status: "submitted" });
    await call(reviewer.secret, "POST", `/api/experiments/${e.key}/status`, { status: "approved" });
    await call(server.adminKey, "POST", `/api/experiments/${e.key}/status`, { status: "running" });
  }
  for (const segment of demoSegments) {
    await call(server.adminKey, "PUT", `/api/segments/${segment.key}`, segment);
  }
  for (const flag of demoFlags) await call(server.adminKey, "PUT", `/api/flags/${flag.key}`, flag);
  // The same generator of `<lake>/assay.yaml` the server runs on every registry change.
  await writePipelineConfig(server.context.db, lake);
  print(`Demo: generating ${users} users over ${days} days (${utcDay(startMs)} … ${dt}) into ${lake}`);
  await generateToLake({
    lake,
    dt,
    // The pre-period too: without it every unit's CUPED covariate is 0 and CUPED reduces no variance.
    from: utcDay(startMs - PRE_PERIOD_DAYS * DAY_MS),
    seed: options.seed ?? 1,
    users,
    start: utcDay(startMs),
    days,
    // Users who buy more before the experiment keep buying more: CUPED's covariate explains about a quarter of
    // revenue's variance, as in a real shop (spendSpread 0 would leave it uncorrelated).
    sessionsPerUser: 20,
    spendSpread: 2,
    // A page_load event with each session, for the p90 latency metric.
    pageLoads: true,
    experiments: demoExperiments.map((e) => ({
      id: e.key,
      participation: e.participation,
      variants: e.variants.map((v) => ({ id: v.key, allocation: v.allocation, control: "is_control" in v })),
    })),
  });
  // Results partitions are cumulative per day: a few earlier days give the cumulative chart its history.
  for (const back of [6, 4, 2, 0]) {
    if (back >= days - 1) continue;
    const dt = utcDay(today - (1 + back) * DAY_MS);
    await runPipeline({ source: { kind: "lake", lake, dt }, sink: { kind: "lake", lake, dt } });
  }
  // Evaluate each decision once now, as the hourly run would, so the dashboard shows a decision at once instead
  // of "not evaluated yet" (skipped when the server runs no decision engine).
  const decisions: string[] = [];
  if (server.app.hasRoute({ method: "POST", url: "/api/experiments/:key/decision/run" })) {
    for (const e of demoExperiments) {
      // A failed evaluation is not worth a failed first start: the hourly run retries it.
      try {
        await call(server.adminKey, "POST", `/api/experiments/${e.key}/decision/run`, {});
      } catch (error) {
        print(`Demo: the decision of ${e.key} is not evaluated yet (${(error as Error).message})`);
        continue;
      }
      const res = await server.app.inject({
        method: "GET",
        url: `/api/experiments/${e.key}/decision`,
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      decisions.push(`${e.key} ${(res.json() as { status?: string }).status ?? "?"}`);
    }
  }
  print(
    `Demo: experiments exp_checkout and exp_onboarding with results for dt=${dt}${decisions.length > 0 ? `, decisions ${decisions.join(", ")}` : ""}; ${demoFlags.length} flags (${Date.now() - startedAt} ms)`,
  );
}
