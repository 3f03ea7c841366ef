import type { AssayConfig, MetricDefinition } from "../config/assay-config.js";
import type { Engine } from "../sql/engine.js";
import { duckdbFunctions as f } from "../warehouses/duckdb/sql-compiler.js";
import {
  defaultEffects,
  defaultExperiments,
  type GenerateOptions,
  type GeneratorExperiment,
  generatedCountries,
  generatedPlatforms,
} from "./generator-options.js";

const DAY = 86_400;
const PRE_DAYS = 14;
const WINDOW_DAYS = 7;

/** The metrics every generated data set is configured with. */
export const generatedMetrics: ReadonlyArray<MetricDefinition> = [
  {
    id: "conversion_7d",
    kind: "mean",
    type: "conversion",
    windowDays: WINDOW_DAYS,
    cupedPreDays: null,
    numerator: { event: "purchase", aggregation: "conversion" },
    denominator: null,
  },
  {
    id: "orders_7d",
    kind: "mean",
    type: "count",
    windowDays: WINDOW_DAYS,
    cupedPreDays: null,
    numerator: { event: "purchase", aggregation: "count" },
    denominator: null,
  },
  {
    id: "revenue_7d",
    kind: "mean",
    type: "sum",
    windowDays: WINDOW_DAYS,
    cupedPreDays: PRE_DAYS,
    numerator: { event: "purchase", aggregation: "sum" },
    denominator: null,
  },
  {
    id: "revenue_per_session",
    kind: "ratio",
    type: "ratio",
    windowDays: WINDOW_DAYS,
    cupedPreDays: null,
    numerator: { event: "purchase", aggregation: "sum" },
    denominator: { event: "session_start", aggregation: "count" },
  },
];

export interface GeneratedDataset {
  /** The `assay.yaml` that describes the generated experiments. */
  readonly config: AssayConfig;
  /** The true relative lifts of purchase probability that were planted. */
  readonly effects: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** First and last day (UTC, `YYYY-MM-DD`) that have rows. */
  readonly firstDay: string;
  readonly lastDay: string;
  readonly rows: {
    readonly assignments: number;
    readonly exposures: number;
    readonly events: number;
    readonly userAttributes: number;
  };
}

/** `CASE` over a uniform `draw` picking values by cumulative share (the last value takes the rest when shares sum to 1). */
function pickByShare(
  draw: string,
  values: ReadonlyArray<{ readonly value: string; readonly share: number }>,
): string {
  let cumulative = 0;
  const branches = values.map(({ value, share }) => {
    cumulative += share;
    return `WHEN ${draw} < ${cumulative} THEN ${f.string(value)}`;
  });
  return `CASE ${branches.join(" ")} END`;
}

/**
 * Generates a realistic synthetic data set inside the engine (tables `raw_assignments`, `raw_exposures`,
 * `raw_events`, `raw_user_attributes`) entirely in SQL: seeded hashes, no JS loops over rows, so it scales to tens of millions of rows.
 * Known true effects and every failure switch of seed 001 are options.
 * @example
 * const engine = await createDuckDbEngine();
 * const { config } = await generateDataset(engine, { seed: 7, users: 5_000, faults: { variantMismatch: 0.05 } });
 */
export async function generateDataset(engine: Engine, options: GenerateOptions): Promise<GeneratedDataset> {
  const seed = Math.trunc(options.seed);
  const startDay = options.start ?? "2026-02-01";
  const days = options.days ?? 14;
  const startS = Date.parse(`${startDay}T00:00:00Z`) / 1000;
  if (!Number.isFinite(startS)) throw new RangeError(`start must be YYYY-MM-DD, got "${startDay}"`);
  const endS = startS + days * DAY;
  const experiments = options.experiments ?? defaultExperiments;
  const effects = options.effects ?? (options.experiments ? {} : defaultEffects);
  const faults = options.faults ?? {};
  const exposureRate = options.exposureRate ?? 0.8;
  const sessionsPerUser = options.sessionsPerUser ?? 8;
  const dataStartS = startS - PRE_DAYS * DAY;
  const dataEndS = endS + WINDOW_DAYS * DAY;

  /** A uniform in [0, 1) from the seed and keys. */
  const u = (...keys: string[]) =>
    `((hash(concat_ws(':', ${seed}, ${keys.join(", ")})) >> 11)::DOUBLE / 9007199254740992.0)`;
  const ts = (seconds: string) => `make_timestamp(CAST(${seconds} AS BIGINT) * 1000000)`;

  const expValues = experiments
    .map((e, k) => `(${k}, ${f.string(e.id)}, ${e.participation ?? 0.6})`)
    .join(", ");
  const variantRows = experiments.flatMap((e, k) => {
    const total = e.variants.reduce((s, v) => s + v.allocation, 0);
    let cumulative = 0;
    return e.variants.map((v, i) => {
      const low = cumulative / total;
      cumulative += v.allocation;
      const next = e.variants[(i + 1) % e.variants.length]!;
      const lift = effects[e.id]?.[v.id] ?? 0;
      return `(${k}, ${f.string(v.id)}, ${low}, ${cumulative / total}, ${v.control === true}, ${f.string(next.id)}, ${Math.log1p(lift)})`;
    });
  });

  await engine.run(
    `CREATE OR REPLACE TEMP TABLE gen_experiment AS SELECT * FROM (VALUES ${expValues}) t(k, experiment_id, participation)`,
  );
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE gen_variant AS SELECT * FROM (VALUES ${variantRows.join(", ")}) t(k, variant_id, low, high, is_control, other_variant_id, log_lift)`,
  );
  // A user's own propensity to buy (log-normal, mean 1), the same before and after assignment: what makes a
  // pre-period covariate (CUPED) predictive. Without spendSpread the data set is the same, row for row.
  const spread = options.spendSpread ?? 0;
  const basePurchaseP = `0.03 + 0.12 * ${u("'buy'", "i")}`;
  const purchaseP =
    spread > 0
      ? `least(0.9, (${basePurchaseP}) * exp(${spread} * sqrt(-2 * ln(1 - ${u("'lvl1'", "i")})) * cos(2 * pi() * ${u("'lvl2'", "i")}) - ${(spread * spread) / 2}))`
      : basePurchaseP;
  await engine.run(`CREATE OR REPLACE TEMP TABLE gen_user AS
SELECT i, 'u' || lpad(CAST(i AS VARCHAR), 8, '0') AS user_id,
  ${u("'rate'", "i")} AS activity, ${purchaseP} AS purchase_p
FROM range(${Math.trunc(options.users)}) r(i)`);

  const srm = faults.sampleRatioMismatch ?? 0;
  await engine.run(`CREATE OR REPLACE TEMP TABLE gen_assignment AS
WITH picked AS (
  SELECT x.k, x.experiment_id, g.i, g.user_id,
    ${startS} + floor(${u("'at'", "x.k", "g.i")} * ${days * DAY}) AS at_s,
    ${u("'bucket'", "x.k", "g.i")} AS bucket
  FROM gen_user g, gen_experiment x
  WHERE ${u("'part'", "x.k", "g.i")} < x.participation
)
SELECT p.k, p.experiment_id, p.i, p.user_id, v.variant_id, v.other_variant_id, v.log_lift, p.at_s
FROM picked p JOIN gen_variant v ON v.k = p.k AND p.bucket >= v.low AND p.bucket < v.high
WHERE v.is_control OR ${u("'srm'", "p.k", "p.i")} >= ${srm}`);
  // A user's platform, from its own hash: the same for the attribute rows and heterogeneous lifts.
  const platformOf = (i: string) => pickByShare(u("'platform'", i), generatedPlatforms);
  const byPlatform = Object.entries(options.effectsByPlatform ?? {}).flatMap(([experimentId, variants]) => {
    const k = experiments.findIndex((e) => e.id === experimentId);
    if (k < 0) throw new RangeError(`effectsByPlatform names unknown experiment "${experimentId}"`);
    return Object.entries(variants).map(([variantId, lifts]) => {
      const cases = Object.entries(lifts)
        .map(([platform, lift]) => `WHEN ${f.string(platform)} THEN ${Math.log1p(lift)}`)
        .join(" ");
      return `WHEN k = ${k} AND variant_id = ${f.string(variantId)} THEN CASE ${platformOf("i")} ${cases} ELSE 0 END`;
    });
  });
  if (byPlatform.length > 0) {
    await engine.run(`UPDATE gen_assignment SET log_lift = CASE ${byPlatform.join(" ")} ELSE log_lift END`);
  }
  await engine.run(`CREATE OR REPLACE TABLE raw_assignments AS
SELECT experiment_id, user_id, variant_id, ${ts("at_s")} AS assignment_time_utc FROM gen_assignment`);

  const broken = faults.brokenExposureLogging;
  const brokenFilter = broken
    ? `WHERE NOT (t_s >= ${startS + broken.fromDay * DAY} AND t_s < ${startS + (broken.fromDay + broken.days) * DAY})`
    : "";
  const extra = (name: string, fraction: number | undefined, select: string) =>
    fraction && fraction > 0
      ? `UNION ALL SELECT experiment_id, user_id, ${select} FROM gen_assignment a WHERE ${u(f.string(name), "a.k", "a.i")} < ${fraction}`
      : "";
  await engine.run(`CREATE OR REPLACE TABLE raw_exposures AS
WITH exposed AS (
  SELECT a.*, 1 + CAST(floor(${u("'nexp'", "a.k", "a.i")} * 3) AS INTEGER) AS n_exp
  FROM gen_assignment a WHERE ${u("'exp'", "a.k", "a.i")} < ${exposureRate}
), regular AS (
  SELECT e.experiment_id, e.user_id,
    CASE WHEN ${u("'mismatch'", "e.k", "e.i")} < ${faults.variantMismatch ?? 0} THEN e.other_variant_id ELSE e.variant_id END AS variant_id,
    e.at_s + floor(${u("'delay'", "e.k", "e.i", "s.j")} * least(21600, ${endS} - e.at_s - 1)) AS t_s
  FROM exposed e, (SELECT unnest(range(3)) AS j) s
  WHERE s.j < e.n_exp
  ${extra("pre", faults.preAssignmentExposure, `variant_id, at_s - 1 - floor(${u("'pre_t'", "a.k", "a.i")} * 3599) AS t_s`).replace("WHERE", `WHERE a.at_s >= ${startS + 3600} AND`)}
  ${extra("multi", faults.multiVariationExposure, `other_variant_id, at_s + floor(${u("'multi_t'", "a.k", "a.i")} * least(21600, ${endS} - at_s - 1)) AS t_s`).replace("WHERE", `WHERE ${u("'exp'", "a.k", "a.i")} < ${exposureRate} AND`)}
  ${extra("late", faults.lateExposure, `variant_id, ${endS} + floor(${u("'late_t'", "a.k", "a.i")} * ${2 * DAY}) AS t_s`)}
)
SELECT experiment_id, user_id, variant_id, ${ts("t_s")} AS exposure_time_utc FROM regular ${brokenFilter}`);

  const span = dataEndS - dataStartS;
  await engine.run(`CREATE OR REPLACE TABLE raw_events AS
WITH sessions AS (
  SELECT g.i, g.user_id, g.purchase_p, s.j,
    ${dataStartS} + floor(${u("'st'", "g.i", "s.j")} * ${span}) AS t_s
  FROM (SELECT *, CAST(floor(${sessionsPerUser} * 2 * activity) AS INTEGER) AS n FROM gen_user) g,
       (SELECT unnest(range(${Math.max(1, Math.ceil(sessionsPerUser * 2))})) AS j) s
  WHERE s.j < g.n
), lifted AS (
  SELECT s.i, s.user_id, s.j, s.t_s, s.purchase_p * exp(COALESCE(sum(a.log_lift), 0)) AS p
  FROM sessions s LEFT JOIN gen_assignment a ON a.i = s.i AND a.at_s <= s.t_s
  GROUP BY s.i, s.user_id, s.j, s.t_s, s.purchase_p
), rows AS (
  SELECT 'e' || i || '_' || j || 's' AS event_id, user_id, 'session_start' AS event_name, t_s, CAST(NULL AS DOUBLE) AS value, i, j
  FROM lifted
  UNION ALL
  SELECT 'e' || i || '_' || j || 'p', user_id, 'purchase', t_s + 30 + floor(${u("'pt'", "i", "j")} * 1800),
    round(exp(3.0 + 0.7 * sqrt(-2 * ln(1 - ${u("'v1'", "i", "j")})) * cos(2 * pi() * ${u("'v2'", "i", "j")})), 2), i, j
  FROM lifted WHERE ${u("'p'", "i", "j")} < p${
    options.pageLoads
      ? `
  UNION ALL
  SELECT 'e' || i || '_' || j || 'l', user_id, 'page_load', t_s + 1,
    round(exp(6.0 + 0.35 * sqrt(-2 * ln(1 - ${u("'dev1'", "i")})) * cos(2 * pi() * ${u("'dev2'", "i")})
      + 0.3 * sqrt(-2 * ln(1 - ${u("'pl1'", "i", "j")})) * cos(2 * pi() * ${u("'pl2'", "i", "j")})), 2), i, j
  FROM lifted`
      : ""
  }
)
SELECT event_id, user_id, event_name, ${ts("t_s")} AS event_time_utc, value FROM rows
${(faults.duplicateEvents ?? 0) > 0 ? `UNION ALL SELECT event_id, user_id, event_name, ${ts("t_s")}, value FROM rows WHERE ${u("'dup'", "i", "j", "event_name")} < ${faults.duplicateEvents}` : ""}`);

  await engine.run(
    "CREATE OR REPLACE TABLE raw_user_attributes (user_id VARCHAR, attribute VARCHAR, value VARCHAR, observed_time_utc TIMESTAMP)",
  );
  if (options.userAttributes ?? true) {
    // Observed at, or up to an hour before, the user's first assignment; 10% of users switch platform 1-3 days
    // later (post-assignment observations the pipeline ignores); users whose country draw falls past the listed
    // shares have no country row.
    await engine.run(`INSERT INTO raw_user_attributes
WITH first AS (
  SELECT i, user_id, min(at_s) - floor(${u("'observed'", "i")} * 3600) AS t_s FROM gen_assignment GROUP BY i, user_id
), observed AS (
  SELECT user_id, 'platform' AS attribute, ${platformOf("i")} AS value, t_s FROM first
  UNION ALL
  SELECT user_id, 'country', ${pickByShare(u("'country'", "i"), generatedCountries)}, t_s FROM first
  UNION ALL
  SELECT user_id, 'platform', ${pickByShare(u("'platform2'", "i"), generatedPlatforms)},
    t_s + ${DAY} + floor(${u("'switch_t'", "i")} * ${2 * DAY})
  FROM first WHERE ${u("'switch'", "i")} < 0.1
)
SELECT user_id, attribute, value, ${ts("t_s")} FROM observed WHERE value IS NOT NULL`);
  }
  for (const table of ["gen_experiment", "gen_variant", "gen_user", "gen_assignment"]) {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
  const [counts] = await engine.query<{ a: number; e: number; v: number; ua: number }>(
    "SELECT (SELECT count(*) FROM raw_assignments) AS a, (SELECT count(*) FROM raw_exposures) AS e, (SELECT count(*) FROM raw_events) AS v, (SELECT count(*) FROM raw_user_attributes) AS ua",
  );
  return {
    config: configFor(experiments, startS * 1000, endS * 1000),
    effects,
    firstDay: new Date(dataStartS * 1000).toISOString().slice(0, 10),
    lastDay: new Date((dataEndS + 2 * DAY) * 1000).toISOString().slice(0, 10),
    rows: {
      assignments: counts?.a ?? 0,
      exposures: counts?.e ?? 0,
      events: counts?.v ?? 0,
      userAttributes: counts?.ua ?? 0,
    },
  };
}

function configFor(
  experiments: ReadonlyArray<GeneratorExperiment>,
  startMs: number,
  endMs: number,
): AssayConfig {
  return {
    experiments: experiments.map((e) => ({
      id: e.id,
      startMs,
      endMs,
      variants: e.variants.map((v) => ({
        id: v.id,
        allocation: v.allocation,
        isControl: v.control === true,
      })),
      metricIds: generatedMetrics.map((m) => m.id),
    })),
    metrics: generatedMetrics,
  };
}
