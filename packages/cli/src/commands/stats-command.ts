import { readFile } from "node:fs/promises";
import {
  adjustPValues,
  bayesBinomial,
  confidenceSequence,
  cupedTest,
  isStatsInputError,
  meanPower,
  meanSampleSize,
  meanTest,
  minimumDetectableEffect,
  quantileTest,
  ratioCupedTest,
  ratioTest,
  regressionAdjustedTest,
  sampleSize,
  sequentialBounds,
  srmTest,
} from "@assay/stats";
import type { Command } from "commander";
import { z } from "zod";
import { CliError } from "../cli-error.js";

// The request is snake_case JSON (stats-contract.md); the engine takes camelCase objects. Shapes and
// types are checked here with zod; the engine checks the statistics' own domains (n ≥ 2, rates in (0, 1), …)
// and names the field in its StatsInputError.

const count = z.number().finite();
const finite = z.number().finite();
const alternative = z.enum(["two-sided", "greater", "less"]).optional();
const testOptions = { alpha: finite.optional(), alternative };

const meanArm = z.object({ n: count, sum: finite, sum_squares: finite });
const ratioArm = z.object({
  n: count,
  sum_num: finite,
  sum_num_squares: finite,
  sum_den: finite,
  sum_den_squares: finite,
  sum_num_den: finite,
});
const cupedArm = meanArm.extend({ sum_x: finite, sum_x_squares: finite, sum_xy: finite });
const binomialArm = z.object({ n: count, conversions: count });
const quantileArm = z.union([
  z.object({ values: z.array(finite).min(2).max(10_000_000) }),
  z.object({ n: count, quantile_value: finite, order_lower: finite, order_upper: finite }),
]);
const regressionArm = meanArm.extend({
  sum_x: z.array(finite).min(1).max(100),
  sum_xx: z.array(z.array(finite).max(100)).max(100),
  sum_xy: z.array(finite).max(100),
});
const ratioCupedArm = ratioArm.extend({
  sum_x: finite,
  sum_x_squares: finite,
  sum_x_num: finite,
  sum_x_den: finite,
});
const meanEffect = {
  baseline_mean: finite,
  baseline_sd: finite,
  mde_abs: finite.optional(),
  mde_rel: finite.optional(),
};

type Output = Record<string, unknown>;

interface Kind<S extends z.ZodType> {
  readonly schema: S;
  readonly run: (input: z.infer<S>) => Output;
}

function kind<S extends z.ZodType>(schema: S, run: (input: z.infer<S>) => Output): Kind<S> {
  return { schema, run };
}

/** Drops undefined values, so optional request fields stay absent under exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

const meanArmOf = (a: z.infer<typeof meanArm>) => ({ n: a.n, sum: a.sum, sumSquares: a.sum_squares });
const ratioArmOf = (a: z.infer<typeof ratioArm>) => ({
  n: a.n,
  sumNum: a.sum_num,
  sumNumSquares: a.sum_num_squares,
  sumDen: a.sum_den,
  sumDenSquares: a.sum_den_squares,
  sumNumDen: a.sum_num_den,
});
const cupedArmOf = (a: z.infer<typeof cupedArm>) => ({
  ...meanArmOf(a),
  sumX: a.sum_x,
  sumXSquares: a.sum_x_squares,
  sumXY: a.sum_xy,
});
const effectOf = (r: {
  baseline_mean: number;
  baseline_sd: number;
  mde_abs?: number | undefined;
  mde_rel?: number | undefined;
}) =>
  defined({ baselineMean: r.baseline_mean, baselineSd: r.baseline_sd, mdeAbs: r.mde_abs, mdeRel: r.mde_rel });

/** Every kind `assay stats` answers: the contract's eight, then the power-analysis extras. */
const kinds = {
  mean: kind(z.object({ ...testOptions, control: meanArm, treatment: meanArm }), (r) => {
    const options = defined({ alpha: r.alpha, alternative: r.alternative });
    return { ...meanTest(meanArmOf(r.control), meanArmOf(r.treatment), options) };
  }),
  ratio: kind(z.object({ ...testOptions, control: ratioArm, treatment: ratioArm }), (r) => {
    const options = defined({ alpha: r.alpha, alternative: r.alternative });
    return { ...ratioTest(ratioArmOf(r.control), ratioArmOf(r.treatment), options) };
  }),
  confidence_sequence: kind(
    z.object({ alpha: finite.optional(), tuning_n: finite.optional(), control: meanArm, treatment: meanArm }),
    (r) => ({
      ...confidenceSequence(
        meanArmOf(r.control),
        meanArmOf(r.treatment),
        defined({ alpha: r.alpha, tuningN: r.tuning_n }),
      ),
    }),
  ),
  quantile: kind(
    z.object({ ...testOptions, quantile: finite, control: quantileArm, treatment: quantileArm }),
    (r) => {
      const arm = (a: z.infer<typeof quantileArm>) =>
        "values" in a
          ? { values: a.values }
          : { n: a.n, quantileValue: a.quantile_value, orderLower: a.order_lower, orderUpper: a.order_upper };
      const options = defined({ alpha: r.alpha, alternative: r.alternative });
      return { ...quantileTest(arm(r.control), arm(r.treatment), r.quantile, options) };
    },
  ),
  regression_adjusted: kind(
    z.object({ ...testOptions, control: regressionArm, treatment: regressionArm }),
    (r) => {
      const arm = (a: z.infer<typeof regressionArm>) => ({
        ...meanArmOf(a),
        sumX: a.sum_x,
        sumXX: a.sum_xx,
        sumXY: a.sum_xy,
      });
      const options = defined({ alpha: r.alpha, alternative: r.alternative });
      return { ...regressionAdjustedTest(arm(r.control), arm(r.treatment), options) };
    },
  ),
  ratio_cuped: kind(z.object({ ...testOptions, control: ratioCupedArm, treatment: ratioCupedArm }), (r) => {
    const arm = (a: z.infer<typeof ratioCupedArm>) => ({
      ...ratioArmOf(a),
      sumX: a.sum_x,
      sumXSquares: a.sum_x_squares,
      sumXNum: a.sum_x_num,
      sumXDen: a.sum_x_den,
    });
    const options = defined({ alpha: r.alpha, alternative: r.alternative });
    return { ...ratioCupedTest(arm(r.control), arm(r.treatment), options) };
  }),
  cuped: kind(z.object({ ...testOptions, control: cupedArm, treatment: cupedArm }), (r) => {
    const options = defined({ alpha: r.alpha, alternative: r.alternative });
    return { ...cupedTest(cupedArmOf(r.control), cupedArmOf(r.treatment), options) };
  }),
  srm: kind(
    z.object({ observed: z.array(count), expected_weights: z.array(finite), threshold: finite.optional() }),
    (r) => ({ ...srmTest(r.observed, r.expected_weights, defined({ threshold: r.threshold })) }),
  ),
  sample_size: kind(
    z.object({
      baseline_rate: finite,
      mde_abs: finite,
      alpha: finite.optional(),
      power: finite.optional(),
      alternative,
    }),
    (r) => ({
      ...sampleSize(
        defined({
          baselineRate: r.baseline_rate,
          mdeAbs: r.mde_abs,
          alpha: r.alpha,
          power: r.power,
          alternative: r.alternative,
        }),
      ),
    }),
  ),
  bayes_binomial: kind(
    z.object({ prior: z.tuple([finite, finite]).optional(), control: binomialArm, treatment: binomialArm }),
    (r) => {
      const result = bayesBinomial(defined({ prior: r.prior, control: r.control, treatment: r.treatment }));
      return { ...result };
    },
  ),
  adjust: kind(z.object({ method: z.enum(["holm", "bh"]), p_values: z.array(finite) }), (r) => ({
    adjusted: adjustPValues(r.method, r.p_values),
  })),
  sequential_bounds: kind(
    z.object({
      method: z.enum(["pocock_spending", "obrien_fleming_spending"]),
      alpha: finite.optional(),
      information_fractions: z.array(finite).min(1),
    }),
    (r) => ({
      ...sequentialBounds(
        defined({ method: r.method, alpha: r.alpha, informationFractions: r.information_fractions }),
      ),
    }),
  ),
  minimum_detectable_effect: kind(
    z.object({
      baseline_rate: finite,
      n_per_variant: count,
      alpha: finite.optional(),
      power: finite.optional(),
      alternative,
    }),
    (r) => ({
      ...minimumDetectableEffect(
        defined({
          baselineRate: r.baseline_rate,
          nPerVariant: r.n_per_variant,
          alpha: r.alpha,
          power: r.power,
          alternative: r.alternative,
        }),
      ),
    }),
  ),
  mean_sample_size: kind(
    z.object({ ...meanEffect, alpha: finite.optional(), power: finite.optional(), alternative }),
    (r) => ({
      ...meanSampleSize({
        ...effectOf(r),
        ...defined({ alpha: r.alpha, power: r.power, alternative: r.alternative }),
      }),
    }),
  ),
  mean_power: kind(
    z.object({ ...meanEffect, n_per_variant: count, alpha: finite.optional(), alternative }),
    (r) => ({
      power: meanPower({
        ...effectOf(r),
        nPerVariant: r.n_per_variant,
        ...defined({ alpha: r.alpha, alternative: r.alternative }),
      }),
    }),
  ),
} as const satisfies Record<string, Kind<z.ZodType>>;

export const STATS_KINDS = Object.keys(kinds) as ReadonlyArray<keyof typeof kinds>;

function isKind(value: unknown): value is keyof typeof kinds {
  return typeof value === "string" && Object.hasOwn(kinds, value);
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Engine results in the contract's snake_case; ±Infinity and NaN (one-sided bounds, undefined lifts) become null. */
function toJson(result: Output): Output {
  return Object.fromEntries(
    Object.entries(result).map(([key, value]) => [
      snakeCase(key),
      typeof value === "number" && !Number.isFinite(value) ? null : value,
    ]),
  );
}

/** `treatment.n`, `p_values[2]`: the request path of a zod issue. */
function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

export interface StatsResponse {
  readonly results: Output[];
}

/**
 * Answers a parsed `assay stats` request: one result per test, in order; an invalid test gets an `error`
 * naming the field and the others still run. Throws CliError(2) when the request is not `{"tests": [...]}`.
 * @example
 * runStatsRequest({ tests: [{ id: "a", kind: "adjust", method: "holm", p_values: [0.01, 0.04] }] });
 */
export function runStatsRequest(request: unknown): StatsResponse {
  const tests =
    typeof request === "object" && request !== null ? (request as { tests?: unknown }).tests : undefined;
  if (!Array.isArray(tests)) throw new CliError('the request must be an object {"tests": [...]}', 2);
  return { results: tests.map(runOne) };
}

function runOne(test: unknown, index: number): Output {
  if (typeof test !== "object" || test === null || Array.isArray(test)) {
    return { id: null, kind: null, error: `tests[${index}]: must be an object with "id" and "kind"` };
  }
  const { id, kind: name } = test as { id?: unknown; kind?: unknown };
  const head = { id: id ?? null, kind: name ?? null };
  if (typeof id !== "string" && typeof id !== "number") return { ...head, error: "id: must be a string" };
  if (!isKind(name)) {
    return { ...head, error: `kind: must be one of ${STATS_KINDS.join(", ")}, got ${JSON.stringify(name)}` };
  }
  const spec: Kind<z.ZodType> = kinds[name] as Kind<z.ZodType>;
  const parsed = spec.schema.safeParse(test);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? "request" : pathOf(issue.path) || "request";
    return { ...head, error: `${field}: ${issue?.message ?? "invalid"}` };
  }
  try {
    return { ...head, ...toJson(spec.run(parsed.data)) };
  } catch (error) {
    if (isStatsInputError(error)) return { ...head, error: error.message };
    throw error;
  }
}

async function readRequestText(file: string | undefined): Promise<string> {
  if (file !== undefined && file !== "-") {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      throw new CliError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        2,
        {
          cause: error,
        },
      );
    }
  }
  if (process.stdin.isTTY) {
    throw new CliError(
      "no request: give a file, or pipe the request JSON on stdin (see assay stats --help)",
      2,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Registers `assay stats [file]`. */
export function registerStatsCommand(program: Command): void {
  program
    .command("stats")
    .description("run statistical tests on sufficient statistics: request JSON in, response JSON out")
    .argument("[file]", 'request JSON file ({"tests": [...]}); stdin when omitted or "-"')
    .addHelpText(
      "after",
      `
Kinds: ${STATS_KINDS.join(", ")}.
Each test is {"id", "kind", ...fields}; see docs/statistics.md for the fields and formulas.

Exit status: 0 when every test ran, 1 when any test has an "error" (the others still run),
2 when the request is not readable JSON of the form {"tests": [...]}.

Example:
  echo '{"tests":[{"id":"t1","kind":"srm","observed":[5000,5300],"expected_weights":[1,1]}]}' | assay stats`,
    )
    .action(async (file: string | undefined) => {
      const text = await readRequestText(file);
      let request: unknown;
      try {
        request = JSON.parse(text);
      } catch (error) {
        throw new CliError(`the request is not valid JSON: ${(error as Error).message}`, 2, { cause: error });
      }
      const response = runStatsRequest(request);
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      const failed = response.results.filter((r) => "error" in r).length;
      if (failed > 0) {
        throw new CliError(
          `${failed} of ${response.results.length} tests have an error (see their "error" field)`,
          1,
        );
      }
    });
}
